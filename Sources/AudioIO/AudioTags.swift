import CTagLib
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The EBU Tech 3285 v2 loudness fields of a BWF `bext` chunk, in hundredths (LUFS, LU, dBTP), as libsndfile's
/// `SF_BROADCAST_INFO` holds them. `unknown` (0x7FFF) where a value was not measured, as the supplement says.
public struct BroadcastLoudness: Sendable, Hashable {
  /// Integrated loudness, 0.01 LUFS.
  public var loudnessValue: Int16
  /// Loudness range, 0.01 LU.
  public var loudnessRange: Int16
  /// Maximum true peak, 0.01 dBTP.
  public var maxTruePeakLevel: Int16
  /// Maximum momentary loudness, 0.01 LUFS.
  public var maxMomentaryLoudness: Int16
  /// Maximum short-term loudness, 0.01 LUFS.
  public var maxShortTermLoudness: Int16

  /// Tech 3285 v2's value for a field that is not known.
  public static let unknown: Int16 = 0x7FFF

  /// The fields as stored.
  public init(
    loudnessValue: Int16, loudnessRange: Int16, maxTruePeakLevel: Int16, maxMomentaryLoudness: Int16,
    maxShortTermLoudness: Int16
  ) {
    self.loudnessValue = loudnessValue
    self.loudnessRange = loudnessRange
    self.maxTruePeakLevel = maxTruePeakLevel
    self.maxMomentaryLoudness = maxMomentaryLoudness
    self.maxShortTermLoudness = maxShortTermLoudness
  }

  /// Every field `unknown`: the chunk a render reserves before its first sample, filled in before it closes.
  public static let allUnknown = BroadcastLoudness(
    loudnessValue: unknown, loudnessRange: unknown, maxTruePeakLevel: unknown, maxMomentaryLoudness: unknown,
    maxShortTermLoudness: unknown)

  /// A value in LUFS, LU or dBTP as stored: rounded hundredths, `unknown` for nil or out of range.
  public static func hundredths(_ value: Double?) -> Int16 {
    guard let value, value.isFinite, abs(value * 100) < Double(unknown) else { return unknown }
    return Int16((value * 100).rounded())
  }
}

/// The tags one master file gets: text properties (TagLib's names, e.g. `TITLE`, `ISRC`,
/// `REPLAYGAIN_TRACK_GAIN`) and, for a WAV, the `bext` loudness fields.
public struct AudioTags: Sendable, Hashable {
  /// Property name → its values, in order.
  public var properties: [String: [String]] = [:]
  /// The properties these tags own: each is replaced, or removed when `properties` has no value for it.
  /// Properties not named here (e.g. a source's DATE the render copied) stay.
  public var managedKeys: Set<String> = []
  /// The `bext` loudness fields (WAV and RF64 only).
  public var broadcast: BroadcastLoudness?

  /// No tags.
  public init() {}
}

/// Writes `AudioTags` into a finished master, atomically: a temp copy beside it is tagged, flushed to disk and
/// renamed over it, so a reader sees the master before or after, never half tagged. libsndfile writes only its
/// fixed string set; the rest (ID3v2 TXXX frames, Vorbis and Opus comments, a WAV's ID3 chunk) goes through
/// TagLib (the `CTagLib` shim). A WAV's `bext` chunk must exist before the first sample, so a WAV is copied
/// through libsndfile with the chunk set, sample for sample.
public enum AudioTagger {
  /// Whether masters of `format` are tagged: FLAC, Ogg Vorbis, Opus, MP3, WAV and RF64 (RF64: its `bext` chunk
  /// only; TagLib reads no RF64 header).
  public static func canTag(_ format: AudioFileFormat) -> Bool { kind(format) != nil || format.container == .rf64 }

  /// Whether `format` holds a `bext` chunk.
  public static func holdsBroadcast(_ format: AudioFileFormat) -> Bool { format.container == .wav || format.container == .rf64 }

  private static func kind(_ format: AudioFileFormat) -> Int32? {
    switch (format.container, format.encoding) {
    case (.flac, _): Int32(AM_TAG_FLAC.rawValue)
    case (.ogg, .vorbis): Int32(AM_TAG_VORBIS.rawValue)
    case (.ogg, .opus): Int32(AM_TAG_OPUS.rawValue)
    case (.mp3, _): Int32(AM_TAG_MPEG.rawValue)
    case (.wav, _): Int32(AM_TAG_WAV.rawValue)
    default: nil
    }
  }

  /// Every property of the file at `path` (TagLib's names).
  /// - Throws: `.readFailed` when TagLib cannot parse it.
  public static func properties(of path: String, format: AudioFileFormat) throws(AudioIOError) -> [String: [String]] {
    guard let kind = kind(format) else { return [:] }
    var error = [CChar](repeating: 0, count: 256)
    guard let text = am_tag_read(path, kind, &error, Int32(error.count)) else {
      throw .readFailed(path: path, reason: cText(error))
    }
    defer { am_tag_free(text) }
    var out: [String: [String]] = [:]
    for record in String(cString: text).split(separator: "\u{1E}", omittingEmptySubsequences: true) {
      let kv = record.split(separator: "\u{1F}", maxSplits: 1, omittingEmptySubsequences: false)
      guard kv.count == 2 else { continue }
      out[String(kv[0]), default: []].append(String(kv[1]))
    }
    return out
  }

  /// Whether the file at `path` already carries `tags` (then it is left as it is: same bytes, same hash).
  public static func carries(_ path: String, format: AudioFileFormat, tags: AudioTags) throws(AudioIOError) -> Bool {
    if kind(format) != nil {
      let current = try properties(of: path, format: format)
      for key in tags.managedKeys.union(tags.properties.keys) where (current[key] ?? []) != (tags.properties[key] ?? []) {
        return false
      }
    }
    guard holdsBroadcast(format), let want = tags.broadcast else { return true }
    return try AudioFileReader(path: path).broadcastLoudness() == want
  }

  /// Rewrites the master at `path` with `tags` (see the type's comment), unless it already carries them.
  /// - Returns: whether the file was rewritten.
  /// - Throws: `.writeFailed` or `.readFailed` naming `path`; the master is then unchanged.
  @discardableResult
  public static func apply(_ tags: AudioTags, to path: String, format: AudioFileFormat) throws(AudioIOError) -> Bool {
    guard canTag(format) else { return false }
    if try carries(path, format: format, tags: tags) { return false }
    let (staging, fd) = TemporaryFiles.create(for: path)
    guard fd >= 0 else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
    do throws(AudioIOError) {
      if holdsBroadcast(format), let loudness = tags.broadcast {
        close(fd)
        try copyWithBroadcast(from: path, to: staging, loudness: loudness)
      } else {
        defer { close(fd) }
        try copyBytes(from: path, to: fd)
      }
      if let kind = kind(format) { try writeProperties(tags, to: staging, kind: kind, reportedAs: path) }
      try flush(staging, reportedAs: path)
      guard rename(staging, path) == 0 else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
      TemporaryFiles.done(staging)
      return true
    } catch {
      unlink(staging)
      TemporaryFiles.done(staging)
      throw error
    }
  }

  private static func writeProperties(_ tags: AudioTags, to staging: String, kind: Int32, reportedAs path: String) throws(AudioIOError) {
    // Sorted keys: the same tags give the same bytes.
    var keys: [String] = []
    var values: [String] = []
    for key in tags.properties.keys.sorted() {
      for v in tags.properties[key] ?? [] {
        keys.append(key)
        values.append(v)
      }
    }
    let managed = tags.managedKeys.union(tags.properties.keys).sorted()
    var error = [CChar](repeating: 0, count: 256)
    let rc = withCStrings(keys) { k in
      withCStrings(values) { v in
        withCStrings(managed) { m in
          am_tag_write(staging, kind, k, v, Int32(keys.count), m, Int32(managed.count), &error, Int32(error.count))
        }
      }
    }
    guard rc == 0 else { throw .writeFailed(path: path, reason: cText(error)) }
  }

  /// The text of a C buffer up to its first NUL.
  private static func cText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// Calls `body` with a NULL-terminated C array of C strings that live for the call.
  private static func withCStrings(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> Int32) -> Int32 {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { $0.map { UnsafePointer($0) } } + [nil]
    return pointers.withUnsafeBufferPointer { buf in buf.baseAddress.map(body) ?? -1 }
  }

  /// Copies the file at `path` into `fd`, byte for byte.
  private static func copyBytes(from path: String, to fd: Int32) throws(AudioIOError) {
    let source = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
    guard source >= 0 else { throw .readFailed(path: path, reason: String(cString: strerror(errno))) }
    defer { close(source) }
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      try Cancellation.check(path)
      let n = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
      if n < 0 { throw .readFailed(path: path, reason: String(cString: strerror(errno))) }
      if n == 0 { return }
      var done = 0
      while done < n {
        let w = buffer.withUnsafeBytes { b -> Int in
          guard let base = b.baseAddress else { return -1 }
          return write(fd, base + done, n - done)
        }
        if w <= 0 { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
        done += w
      }
    }
  }

  /// Copies the WAV at `path` to `staging` through libsndfile with a `bext` chunk: integer PCM as integers and
  /// float as float, so every sample stays exactly as it was; the header's strings come along.
  private static func copyWithBroadcast(from path: String, to staging: String, loudness: BroadcastLoudness) throws(AudioIOError) {
    var reader = try AudioFileReader(path: path)
    let info = reader.info
    var writer = try AudioFileWriter(
      path: staging, format: info.format, sampleRateHz: info.sampleRate, channels: info.channels, metadata: info.metadata)
    try writer.setBroadcastLoudness(loudness)
    let frames = 8192
    if info.format.encoding.integerBits != nil {
      var buffer = [Int32](repeating: 0, count: frames * info.channels)
      while true {
        let n = try buffer.withUnsafeMutableBufferPointer { (b) throws(AudioIOError) in try reader.readIntegers(into: b, maxFrames: frames) }
        if n == 0 { break }
        try buffer.withUnsafeBufferPointer { (b) throws(AudioIOError) in
          guard let base = b.baseAddress else { return }
          try writer.writeIntegers(base, frames: n)
        }
      }
    } else {
      var buffer = [Float](repeating: 0, count: frames * info.channels)
      while true {
        let n = try buffer.withUnsafeMutableBufferPointer { (b) throws(AudioIOError) in try reader.read(into: b, maxFrames: frames) }
        if n == 0 { break }
        try buffer.withUnsafeBufferPointer { (b) throws(AudioIOError) in try writer.write(b, frames: n) }
      }
    }
    guard reader.framesRead == info.frames else {
      throw .readFailed(path: path, reason: "copied \(reader.framesRead) of \(info.frames) frames")
    }
    try writer.finish()
  }

  /// fsync of the tagged temp file before it is renamed over the master.
  private static func flush(_ staging: String, reportedAs path: String) throws(AudioIOError) {
    let fd = open(staging, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
    guard fd >= 0 else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
    defer { close(fd) }
    guard fsync(fd) == 0 else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
  }
}
