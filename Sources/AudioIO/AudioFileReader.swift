import CSndFile

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Streams interleaved `Float` frames out of one audio file through libsndfile.
///
/// The file is opened read-only and owned by exactly one reader; it closes when the reader goes away.
/// Integer PCM is scaled to ±1.0; float files pass through unchanged (NaN included, for the meters to count).
public struct AudioFileReader: ~Copyable {
  private let handle: OpaquePointer
  /// The path as given.
  public let path: String
  /// Header facts: rate, channels, frames, format, tags.
  public let info: AudioFileInfo
  /// Frames delivered so far.
  public private(set) var framesRead: Int64 = 0

  /// Opens `path` for reading (see `InputFile`: regular files only, and a FIFO never blocks the open).
  /// - Throws: `AudioIOError` naming the file: `.openFailed`, `.unsupportedFormat` or `.empty`.
  public init(path: String) throws(AudioIOError) {
    let file = try InputFile(path: path)
    try self.init(file: file)
  }

  /// Decodes an input file already opened and checked, from its start: the same file its hash was taken
  /// from. One reader at a time per `InputFile` (they share the file offset).
  public init(file: borrowing InputFile) throws(AudioIOError) {
    let (h, info) = try Self.open(file)
    self.path = file.path
    self.handle = h
    self.info = info
  }

  /// Opens and validates; on any failure the handle is closed before throwing.
  private static func open(_ file: borrowing InputFile) throws(AudioIOError) -> (OpaquePointer, AudioFileInfo) {
    let path = file.path
    guard file.sizeBytes > 0 else { throw .empty(path: path) }
    // libsndfile closes the descriptor it is given: it gets its own.
    let fd = try file.duplicateAtStart()
    var sfInfo = SF_INFO()
    guard let h = sf_open_fd(fd, Int32(SFM_READ), &sfInfo, Int32(SF_TRUE)) else {  // closes fd on failure
      throw .unsupportedFormat(path: path, reason: String(cString: sf_strerror(nil)))
    }
    var metadata = AudioMetadata()
    metadata.title = string(h, Int32(SF_STR_TITLE))
    metadata.artist = string(h, Int32(SF_STR_ARTIST))
    metadata.album = string(h, Int32(SF_STR_ALBUM))
    metadata.trackNumber = string(h, Int32(SF_STR_TRACKNUMBER))
    metadata.date = string(h, Int32(SF_STR_DATE))
    let channels = Int(sfInfo.channels)
    let info = AudioFileInfo(
      sampleRate: Int(sfInfo.samplerate), channels: channels, frames: sfInfo.frames, format: format(of: sfInfo.format),
      metadata: metadata, channelMap: channelMap(h, channels: channels))
    let problem: AudioIOError?
    if !AudioLimits.channels.contains(channels) {
      problem = .unsupportedFormat(path: path, reason: "\(channels) channels (supported: 1 to 8)")
    } else if !AudioLimits.sampleRateHz.contains(info.sampleRate) {
      problem = .unsupportedFormat(
        path: path, reason: "sample rate \(info.sampleRate) Hz (supported: 8 kHz to 384 kHz)")
    } else if let line = truncationLine(in: logText(h), frames: sfInfo.frames) {
      // libsndfile quietly shortens a WAV/AIFF/W64/RF64 whose header promises more data than the file holds,
      // and says so only in its log. A truncated file must not pass for a shorter song.
      problem = .readFailed(path: path, reason: "truncated file (\(line))")
    } else if info.format.container == .ogg, case let streams = oggLogicalStreams(fd: fd, size: file.sizeBytes), streams > 1 {
      // libsndfile decodes only the first of several chained streams (`cat a.ogg b.ogg`): half a song.
      problem = .unsupportedFormat(
        path: path, reason: "chained Ogg (\(streams) logical streams): not supported; split or re-encode it")
    } else if sfInfo.frames <= 0 {
      problem = .empty(path: path)
    } else {
      problem = nil
    }
    if let problem {
      sf_close(h)
      throw problem
    }
    return (h, info)
  }

  deinit { sf_close(handle) }

  /// Reads up to `maxFrames` frames into `buffer` (interleaved, `maxFrames × channels` floats at least).
  /// - Returns: the frames read; 0 at the end of the file.
  /// - Throws: `.readFailed` when decoding fails, or when the stream ends before the frames the header promised;
  ///   `.cancelled` once a stop was requested (checked once per call, i.e. per block).
  public mutating func read(into buffer: UnsafeMutableBufferPointer<Float>, maxFrames: Int) throws(AudioIOError) -> Int {
    precondition(buffer.count >= maxFrames * info.channels, "buffer too small")
    try Cancellation.check(path)
    let got = Int(sf_readf_float(handle, buffer.baseAddress, sf_count_t(maxFrames)))
    let err = sf_error(handle)
    if err != Int32(SF_ERR_NO_ERROR) {
      throw .readFailed(path: path, reason: String(cString: sf_strerror(handle)))
    }
    framesRead += Int64(got)
    if got == 0 && framesRead < info.frames && info.format.container != .mp3 {
      // MP3 headers only estimate the length; every other format knows it exactly.
      throw .readFailed(path: path, reason: endedEarly)
    }
    return got
  }

  /// Why a stream that stopped short failed; libsndfile gives an Ogg stream with no final granule position
  /// (a truncated file) the largest length, which says nothing to a user.
  private var endedEarly: String {
    info.frames == Int64.max
      ? "stream ended after \(framesRead) frames, and its length is unknown (truncated or corrupt)"
      : "stream ended after \(framesRead) of \(info.frames) frames (truncated or corrupt)"
  }

  /// Reads up to `maxFrames` frames as left-justified 32-bit integers (a 16-bit sample in the top 16 bits):
  /// integer PCM passes through exactly, where floats would be scaled twice (libsndfile reads by 1/32768 and
  /// writes by 32767). For copies that must keep every sample (the CD image, `AudioTagger`'s BWF rewrite).
  /// - Returns: the frames read; 0 at the end of the file.
  /// - Throws: as `read(into:maxFrames:)`.
  public mutating func readIntegers(into buffer: UnsafeMutableBufferPointer<Int32>, maxFrames: Int) throws(AudioIOError) -> Int {
    precondition(buffer.count >= maxFrames * info.channels, "buffer too small")
    try Cancellation.check(path)
    let got = Int(sf_readf_int(handle, buffer.baseAddress, sf_count_t(maxFrames)))
    if sf_error(handle) != Int32(SF_ERR_NO_ERROR) {
      throw .readFailed(path: path, reason: String(cString: sf_strerror(handle)))
    }
    framesRead += Int64(got)
    if got == 0 && framesRead < info.frames {
      throw .readFailed(path: path, reason: endedEarly)
    }
    return got
  }

  /// The EBU Tech 3285 v2 loudness fields of a BWF `bext` chunk; nil when the file has none (or is no WAV).
  public func broadcastLoudness() -> BroadcastLoudness? {
    var b = SF_BROADCAST_INFO()
    guard sf_command(handle, Int32(SFC_GET_BROADCAST_INFO), &b, Int32(MemoryLayout<SF_BROADCAST_INFO>.size)) == Int32(SF_TRUE)
    else { return nil }
    return BroadcastLoudness(
      loudnessValue: b.loudness_value, loudnessRange: b.loudness_range, maxTruePeakLevel: b.max_true_peak_level,
      maxMomentaryLoudness: b.max_momentary_loudness, maxShortTermLoudness: b.max_shortterm_loudness)
  }

  private static func string(_ h: OpaquePointer, _ kind: Int32) -> String? {
    guard let c = sf_get_string(h, kind) else { return nil }
    let s = String(cString: c)
    return s.isEmpty ? nil : s
  }

  private static func logText(_ h: OpaquePointer) -> String {
    var buffer = [CChar](repeating: 0, count: 8192)
    let n = buffer.withUnsafeMutableBytes { sf_command(h, Int32(SFC_GET_LOG_INFO), $0.baseAddress, Int32($0.count)) }
    guard n > 0 else { return "" }
    return String(decoding: buffer.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// The log line where libsndfile found the header promising more than the file holds, or `nil`.
  ///
  /// libsndfile logs `data : 288000 (should be 99956)` (WAV), `SSND : …` (AIFF), `riff : …` (W64) or
  /// `Riff size : …` (RF64) when a chunk runs past the end of the file; a declared size smaller than the
  /// file (trailing chunks) is not truncation. AIFF's COMM and RF64's ds64 chunks also state a frame count,
  /// which libsndfile replaces quietly by what the data holds: more than `frames` is a cut (or lying) file.
  static func truncationLine(in log: String, frames: Int64) -> String? {
    for raw in log.split(separator: "\n") {
      let line = String(raw).trimmingCharacters(in: " \t*")
      if line.contains("should be"), ["data", "SSND", "riff", "Riff size"].contains(where: { line.hasPrefix($0 + " ") }) {
        // "<chunk> : <declared> (should be <actual>)"
        let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int64($0) }
        guard numbers.count >= 2, case let (declared, actual) = (numbers[numbers.count - 2], numbers[numbers.count - 1])
        else { continue }
        // Streaming writers leave 0 or 0xFFFFFFFF as a placeholder size; that is not truncation.
        if declared == 0 || (declared >= 0xFFFF_F000 && declared <= 0xFFFF_FFFF) || declared <= actual { continue }
        return line
      }
      if line.hasPrefix("Frame count read from 'COMM' chunk (") {
        let digits = line.split(separator: "(").dropFirst().first.map { $0.prefix(while: \.isNumber) }
        let declared = digits.flatMap { Int64($0) }
        if let declared, declared > frames { return "COMM chunk declares \(declared) frames, the sound data holds \(frames)" }
      }
      if line.hasPrefix("Calculated frame count"), line.contains("'ds64'") {
        let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int64($0) }
        if numbers.count >= 2, numbers[numbers.count - 1] > numbers[0] { return line }
      }
    }
    return nil
  }

  /// How many logical streams (beginning-of-stream pages) the Ogg file on `fd` holds. Walks the page
  /// headers with `pread` (the descriptor's offset, which libsndfile uses, is left alone): a few hundred
  /// bytes per page of about 4 KB. Stops at the first bytes that are not a page; libsndfile judges those.
  static func oggLogicalStreams(fd: Int32, size: Int64) -> Int {
    var header = [UInt8](repeating: 0, count: 27 + 255)
    var offset: Int64 = 0, streams = 0
    while offset + 27 <= size {
      let got = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
      guard got >= 27, header[0] == 0x4F, header[1] == 0x67, header[2] == 0x67, header[3] == 0x53 else { break }
      if header[5] & 0x02 != 0 { streams += 1 }  // header type flag: first page of a logical stream
      let segments = Int(header[26])
      guard got >= 27 + segments else { break }
      let body = header[27..<(27 + segments)].reduce(0) { $0 + Int64($1) }
      offset += 27 + Int64(segments) + body
    }
    return streams
  }

  private static func channelMap(_ h: OpaquePointer, channels: Int) -> [ChannelPosition]? {
    var map = [Int32](repeating: 0, count: channels)
    let ok = map.withUnsafeMutableBytes {
      sf_command(h, Int32(SFC_GET_CHANNEL_MAP_INFO), $0.baseAddress, Int32($0.count))
    }
    guard ok == Int32(SF_TRUE) else { return nil }
    return map.map { code in
      switch Int(code) {
      case Int(SF_CHANNEL_MAP_MONO): .mono
      case Int(SF_CHANNEL_MAP_LEFT), Int(SF_CHANNEL_MAP_FRONT_LEFT): .left
      case Int(SF_CHANNEL_MAP_RIGHT), Int(SF_CHANNEL_MAP_FRONT_RIGHT): .right
      case Int(SF_CHANNEL_MAP_CENTER), Int(SF_CHANNEL_MAP_FRONT_CENTER): .center
      case Int(SF_CHANNEL_MAP_LFE): .lfe
      case Int(SF_CHANNEL_MAP_REAR_LEFT), Int(SF_CHANNEL_MAP_SIDE_LEFT): .leftSurround
      case Int(SF_CHANNEL_MAP_REAR_RIGHT), Int(SF_CHANNEL_MAP_SIDE_RIGHT): .rightSurround
      default: .other
      }
    }
  }

  static func format(of code: Int32) -> AudioFileFormat {
    let major = Int(code) & Int(SF_FORMAT_TYPEMASK)
    let minor = Int(code) & Int(SF_FORMAT_SUBMASK)
    let container: AudioContainer =
      switch major {
      case Int(SF_FORMAT_WAV), Int(SF_FORMAT_WAVEX): .wav
      case Int(SF_FORMAT_AIFF): .aiff
      case Int(SF_FORMAT_FLAC): .flac
      case Int(SF_FORMAT_OGG): .ogg
      case Int(SF_FORMAT_MPEG): .mp3
      case Int(SF_FORMAT_CAF): .caf
      case Int(SF_FORMAT_W64): .w64
      case Int(SF_FORMAT_RF64): .rf64
      default: .other
      }
    let encoding: SampleEncoding =
      switch minor {
      case Int(SF_FORMAT_PCM_S8): .pcmS8
      case Int(SF_FORMAT_PCM_U8): .pcmU8
      case Int(SF_FORMAT_PCM_16): .pcm16
      case Int(SF_FORMAT_PCM_24): .pcm24
      case Int(SF_FORMAT_PCM_32): .pcm32
      case Int(SF_FORMAT_FLOAT): .float32
      case Int(SF_FORMAT_DOUBLE): .float64
      case Int(SF_FORMAT_VORBIS): .vorbis
      case Int(SF_FORMAT_OPUS): .opus
      case Int(SF_FORMAT_MPEG_LAYER_III): .mp3
      default: .other
      }
    return AudioFileFormat(container: container, encoding: encoding)
  }
}

extension String {
  fileprivate func trimmingCharacters(in set: String) -> String {
    var s = Substring(self)
    while let f = s.first, set.contains(f) { s.removeFirst() }
    while let l = s.last, set.contains(l) { s.removeLast() }
    return String(s)
  }
}
