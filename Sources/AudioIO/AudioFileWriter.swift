import CSndFile

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes interleaved `Float` frames to a new audio file, atomically.
///
/// Samples go to a hidden temp file beside the destination; `finish()` flushes it to disk and renames it
/// over the final name, so a reader never sees a partial file under that name. A writer dropped without
/// `finish()` removes its temp file.
public struct AudioFileWriter: ~Copyable {
  private var handle: OpaquePointer?
  private let fd: Int32
  /// File offset up to which writeback has been started.
  private var writebackStarted: Int64 = 0
  /// The final path.
  public let path: String
  private let tempPath: String
  /// Interleaved channels per frame, as given to `init`.
  public let channels: Int
  /// An Ogg file gets a fixed stream serial when finished (`OggSerial`).
  private let isOgg: Bool

  /// Lossy encoder settings: libsndfile's compression level (0 = highest bitrate, 1 = smallest) and
  /// whether the bitrate is constant.
  public struct Compression: Sendable, Hashable {
    /// 0…1: 0 is the highest bitrate (or FLAC's fastest setting), 1 the smallest file.
    public var level: Double
    /// Constant rather than variable bitrate (lossy encoders that support both).
    public var constantBitrate: Bool
    /// Encoder settings with `level` in 0…1.
    public init(level: Double, constantBitrate: Bool) {
      self.level = level
      self.constantBitrate = constantBitrate
    }
  }

  /// Creates the temp file and opens it for `format` at `sampleRateHz`.
  /// Integer formats clip out-of-range samples instead of wrapping them (libsndfile's default wraps).
  /// `compression` nil keeps libsndfile's default compression level and bitrate mode.
  public init(
    path: String, format: AudioFileFormat, sampleRateHz: Int, channels: Int, metadata: AudioMetadata = .init(),
    compression: Compression? = nil
  ) throws(AudioIOError) {
    if let problem = format.writeProblem(sampleRateHz: sampleRateHz, channels: channels) {
      throw .writeFailed(path: path, reason: problem)
    }
    guard let code = Self.code(for: format) else { throw .writeFailed(path: path, reason: "no libsndfile format") }
    var sfInfo = SF_INFO()
    sfInfo.samplerate = Int32(sampleRateHz)
    sfInfo.channels = Int32(channels)
    sfInfo.format = code
    guard sf_format_check(&sfInfo) == Int32(SF_TRUE) else {
      throw .writeFailed(
        path: path,
        reason: "\(format.container.rawValue)/\(format.encoding.rawValue) at \(sampleRateHz) Hz with \(channels) channels is not a valid combination")
    }
    let (tempPath, fd) = TemporaryFiles.create(for: path)
    guard fd >= 0 else {
      throw .writeFailed(path: path, reason: String(cString: strerror(errno)))
    }
    guard let h = sf_open_fd(fd, Int32(SFM_WRITE), &sfInfo, Int32(SF_FALSE)) else {
      let reason = String(cString: sf_strerror(nil))
      close(fd)
      unlink(tempPath)
      TemporaryFiles.done(tempPath)
      throw .writeFailed(path: path, reason: reason)
    }
    if format.encoding.integerBits != nil {
      sf_command(h, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
    } else {
      // A float file's PEAK chunk carries the time it was written: the same master would differ run to run.
      sf_command(h, Int32(SFC_SET_ADD_PEAK_CHUNK), nil, Int32(SF_FALSE))
    }
    if let compression {
      var mode = Int32(compression.constantBitrate ? SF_BITRATE_MODE_CONSTANT : SF_BITRATE_MODE_VARIABLE)
      sf_command(h, Int32(SFC_SET_BITRATE_MODE), &mode, Int32(MemoryLayout<Int32>.size))
      var level = compression.level
      sf_command(h, Int32(SFC_SET_COMPRESSION_LEVEL), &level, Int32(MemoryLayout<Double>.size))
    }
    // Tags must be set before the first sample for FLAC and Ogg.
    for (kind, value) in [
      (SF_STR_TITLE, metadata.title), (SF_STR_ARTIST, metadata.artist), (SF_STR_ALBUM, metadata.album),
      (SF_STR_TRACKNUMBER, metadata.trackNumber), (SF_STR_DATE, metadata.date),
    ] {
      if let value, !value.isEmpty { sf_set_string(h, Int32(kind), value) }
    }
    self.path = path
    self.channels = channels
    isOgg = format.container == .ogg
    self.tempPath = tempPath
    self.fd = fd
    self.handle = h
  }

  deinit {
    if let handle {
      sf_close(handle)
      close(fd)
      unlink(tempPath)
      TemporaryFiles.done(tempPath)
    }
  }

  /// Appends `frames` interleaved frames from `samples`.
  public mutating func write(_ samples: UnsafeBufferPointer<Float>, frames: Int) throws(AudioIOError) {
    precondition(samples.count >= frames * channels, "buffer too small")
    guard let handle else { throw .writeFailed(path: path, reason: "writer already finished") }
    try Cancellation.check(path)  // the writer is then dropped, which removes its temp file
    let n = sf_writef_float(handle, samples.baseAddress, sf_count_t(frames))
    if n != frames {
      throw .writeFailed(path: path, reason: String(cString: sf_strerror(handle)))
    }
    startWriteback()
  }

  /// Appends `frames` interleaved frames of left-justified 32-bit integers (a 16-bit sample in the top 16
  /// bits): libsndfile keeps the top bits for the file's depth, so pre-quantized (dithered) values land exactly.
  public mutating func writeIntegers(_ samples: UnsafePointer<Int32>, frames: Int) throws(AudioIOError) {
    guard let handle else { throw .writeFailed(path: path, reason: "writer already finished") }
    try Cancellation.check(path)
    let n = sf_writef_int(handle, samples, sf_count_t(frames))
    if n != frames {
      throw .writeFailed(path: path, reason: String(cString: sf_strerror(handle)))
    }
    startWriteback()
  }

  /// Every 8 MB, asks the kernel to start writing what is written so far (it does not wait). The disk then
  /// works while the rest is rendered, and `finish()`'s fsync waits for the last few MB only: on a 70 MB
  /// master that fsync took 67 ms after the render. Best effort: a failure here shows up in that fsync.
  private mutating func startWriteback() {
    let written = Int64(lseek(fd, 0, SEEK_CUR))
    guard written - writebackStarted >= 8 << 20 else { return }
    _ = am_start_writeback(fd, writebackStarted, written - writebackStarted)
    writebackStarted = written
  }

  /// Appends interleaved frames from an array.
  public mutating func write(_ samples: [Float]) throws(AudioIOError) {
    let frames = samples.count / channels
    try samples.withUnsafeBufferPointer { (p) throws(AudioIOError) in try write(p, frames: frames) }
  }

  /// Closes the file, flushes it to disk and renames it to its final name.
  public mutating func finish() throws(AudioIOError) {
    guard let h = handle else { return }
    handle = nil
    let rc = sf_close(h)
    defer {
      close(fd)
      TemporaryFiles.done(tempPath)
    }
    // A serial that cannot be fixed leaves a valid file that differs run to run only in its serial.
    if rc == 0, isOgg { _ = OggSerial.fix(fd: fd) }
    guard rc == 0, fsync(fd) == 0 else {
      unlink(tempPath)
      throw .writeFailed(path: path, reason: rc != 0 ? String(cString: sf_error_number(rc)) : String(cString: strerror(errno)))
    }
    guard rename(tempPath, path) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(tempPath)
      throw .writeFailed(path: path, reason: reason)
    }
  }

  /// Gives a WAV or RF64 file a BWF `bext` chunk (version 2) with `loudness`; before the first sample, as
  /// libsndfile requires. Every other `bext` field stays empty (a date would make the bytes differ run to run).
  public mutating func setBroadcastLoudness(_ loudness: BroadcastLoudness) throws(AudioIOError) {
    guard let handle else { throw .writeFailed(path: path, reason: "writer already finished") }
    var b = SF_BROADCAST_INFO()
    b.version = 2
    b.loudness_value = loudness.loudnessValue
    b.loudness_range = loudness.loudnessRange
    b.max_true_peak_level = loudness.maxTruePeakLevel
    b.max_momentary_loudness = loudness.maxMomentaryLoudness
    b.max_shortterm_loudness = loudness.maxShortTermLoudness
    guard sf_command(handle, Int32(SFC_SET_BROADCAST_INFO), &b, Int32(MemoryLayout<SF_BROADCAST_INFO>.size)) == Int32(SF_TRUE) else {
      throw .writeFailed(path: path, reason: "cannot add a bext chunk: \(String(cString: sf_strerror(handle)))")
    }
  }

  static func code(for format: AudioFileFormat) -> Int32? {
    let major: Int
    switch format.container {
    case .wav: major = Int(SF_FORMAT_WAV)
    case .aiff: major = Int(SF_FORMAT_AIFF)
    case .flac: major = Int(SF_FORMAT_FLAC)
    case .ogg: major = Int(SF_FORMAT_OGG)
    case .mp3: major = Int(SF_FORMAT_MPEG)
    case .caf: major = Int(SF_FORMAT_CAF)
    case .w64: major = Int(SF_FORMAT_W64)
    case .rf64: major = Int(SF_FORMAT_RF64)
    case .other: return nil
    }
    let minor: Int
    switch format.encoding {
    case .pcmS8: minor = Int(SF_FORMAT_PCM_S8)
    case .pcmU8: minor = Int(SF_FORMAT_PCM_U8)
    case .pcm16: minor = Int(SF_FORMAT_PCM_16)
    case .pcm24: minor = Int(SF_FORMAT_PCM_24)
    case .pcm32: minor = Int(SF_FORMAT_PCM_32)
    case .float32: minor = Int(SF_FORMAT_FLOAT)
    case .float64: minor = Int(SF_FORMAT_DOUBLE)
    case .vorbis: minor = Int(SF_FORMAT_VORBIS)
    case .opus: minor = Int(SF_FORMAT_OPUS)
    case .mp3: minor = Int(SF_FORMAT_MPEG_LAYER_III)
    case .other: return nil
    }
    return Int32(major | minor)
  }
}

/// What the encoders accept: the one place that decides whether a format can be written at a rate and width.
/// The writer refuses what is outside it, and a config check can ask before any audio is read.
extension AudioFileFormat {
  /// Sample rates the Opus encoder takes.
  public static let opusSampleRatesHz = [8_000, 12_000, 16_000, 24_000, 48_000]
  /// Sample rates MPEG-1/2/2.5 layer III takes.
  public static let mp3SampleRatesHz = [8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000]
  /// The highest rate libvorbis encodes (at 384 kHz its setup fails on the first block).
  public static let vorbisMaxSampleRateHz = 192_000
  /// MP3 holds mono or stereo.
  public static let mp3MaxChannels = 2

  /// Why this format cannot be written at `sampleRateHz` (`nil`: not known yet, not checked) with `channels`
  /// channels, in one line; `nil` when the encoder takes it.
  public func writeProblem(sampleRateHz: Int?, channels: Int) -> String? {
    func kHz(_ rates: [Int]) -> String {
      let texts = rates.map { r in r % 1000 == 0 ? "\(r / 1000)" : "\(Double(r) / 1000)" }
      return texts.dropLast().joined(separator: ", ") + " or " + (texts.last ?? "") + " kHz"
    }
    let rate = sampleRateHz.map { "\($0) Hz" } ?? ""
    switch (container, encoding) {
    case (_, .opus):
      if let r = sampleRateHz, !Self.opusSampleRatesHz.contains(r) { return "Opus takes \(kHz(Self.opusSampleRatesHz)), not \(rate)" }
    case (_, .mp3):
      if let r = sampleRateHz, !Self.mp3SampleRatesHz.contains(r) { return "MP3 takes \(kHz(Self.mp3SampleRatesHz)), not \(rate)" }
      if channels > Self.mp3MaxChannels { return "MP3 takes 1 or 2 channels, not \(channels)" }
    case (_, .vorbis):
      if let r = sampleRateHz, r > Self.vorbisMaxSampleRateHz { return "Vorbis takes up to \(Self.vorbisMaxSampleRateHz / 1000) kHz, not \(rate)" }
    case (.flac, .float32), (.flac, .float64):
      return "FLAC holds integers only (16 or 24 bits), not float"
    default: break
    }
    guard let code = AudioFileWriter.code(for: self) else {
      return "\(container.rawValue) cannot hold \(encoding.rawValue)"
    }
    var sfInfo = SF_INFO()
    sfInfo.samplerate = Int32(clamping: sampleRateHz ?? 48_000)
    sfInfo.channels = Int32(clamping: channels)
    sfInfo.format = code
    guard sf_format_check(&sfInfo) == Int32(SF_TRUE) else {
      return "\(container.rawValue)/\(encoding.rawValue)\(rate.isEmpty ? "" : " at " + rate) with \(channels) channels is not a valid combination"
    }
    return nil
  }
}
