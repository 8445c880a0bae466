import AudioIO
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Lossless, browser-playable copies of the tracks browsers cannot play (AIFF, CAF, W64, RF64, 64-bit float WAV),
/// so that the report's A/B players work for every source and master.
///
/// Each preview is FLAC (16-bit for sources of up to 16 bits, else 24-bit), written atomically into the report
/// folder's `previews/` subfolder, never anywhere else: not into an input album, not through a symlinked
/// `previews/`. A preview newer than its audio, with the same frame count, is kept (a re-run writes nothing);
/// when the audio is gone (the `report` command works without it) an existing preview is still linked.
public enum ReportPreviews {
  /// The report folder's subfolder that holds the previews.
  public static let folder = "previews"

  /// Which copy of a track a preview plays.
  public enum Side: String, Sendable {
    /// The source, from the album folder.
    case original
    /// The master, from the report folder.
    case master
  }

  /// WAV encodings browsers decode (Chromium, Firefox, Safari); every other WAV encoding gets a preview.
  static let browserWAVEncodings: Set<String> = [
    SampleEncoding.pcmU8.rawValue, SampleEncoding.pcm16.rawValue, SampleEncoding.pcm24.rawValue,
    SampleEncoding.pcm32.rawValue, SampleEncoding.float32.rawValue,
  ]

  /// Whether browsers play a file of this container and encoding (the names `TrackAnalysis.format` and
  /// `.subtype` carry) as it is.
  public static func browserPlays(container: String, encoding: String) -> Bool {
    switch AudioContainer(rawValue: container) {
    case .flac, .ogg, .mp3: true
    case .wav: browserWAVEncodings.contains(encoding)
    default: false
    }
  }

  /// The preview's path relative to the report folder: `previews/<file>.<side>.flac`, with `%` and `/` of the
  /// track's album-relative name percent-escaped, so that every track maps to its own flat name.
  public static func relativePath(file: String, side: Side) -> String {
    let flat = file.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "/", with: "%2F")
    return "\(folder)/\(flat).\(side.rawValue).flac"
  }

  /// Makes (or keeps) the preview of `source` for `file`, and returns its path relative to `reportFolder`, or
  /// nil when there is none to link (the source is unreadable and no earlier preview exists, the report folder
  /// lies inside `albumFolder`, or `previews/` is not a real folder). Never throws: a missing preview only
  /// leaves the player showing that the file cannot be played here.
  public static func prepare(
    source: String, file: String, side: Side, expectedFrames: Int64, reportFolder: String, albumFolder: String
  ) -> String? {
    let relative = relativePath(file: file, side: side)
    let dir = (reportFolder as NSString).appendingPathComponent(folder)
    let path = (reportFolder as NSString).appendingPathComponent(relative)
    // Previews go to the report folder only: a report folder inside the album would put them among the inputs.
    guard !isInside(reportFolder, albumFolder) else { return nil }
    var sourceStat = stat(), previewStat = stat()
    let haveSource = stat(source, &sourceStat) == 0
    let havePreview = lstat(path, &previewStat) == 0 && (previewStat.st_mode & S_IFMT) == S_IFREG
    if havePreview && (!haveSource || (isNewer(previewStat, than: sourceStat) && frames(path) == expectedFrames)) {
      return relative
    }
    guard haveSource, !Cancellation.isRequested else { return nil }
    do {
      try OutputFolder.create(dir)
    } catch {
      return nil
    }
    var dirStat = stat()
    guard lstat(dir, &dirStat) == 0, (dirStat.st_mode & S_IFMT) == S_IFDIR else { return nil }
    do {
      try write(source: source, to: path)
      return relative
    } catch {
      return nil
    }
  }

  /// Decodes `source` and writes it as FLAC to `path` (temp file, fsync, rename).
  static func write(source: String, to path: String) throws(AudioIOError) {
    var reader = try AudioFileReader(path: source)
    let info = reader.info
    let encoding: SampleEncoding = (info.format.encoding.integerBits ?? 24) <= 16 ? .pcm16 : .pcm24
    var writer = try AudioFileWriter(
      path: path, format: AudioFileFormat(container: .flac, encoding: encoding), sampleRateHz: info.sampleRate,
      channels: info.channels)
    let blockFrames = 32_768
    let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: blockFrames * info.channels)
    defer { buffer.deallocate() }
    while true {
      try Cancellation.check(path)
      let n = try reader.read(into: buffer, maxFrames: blockFrames)
      if n == 0 { break }
      try writer.write(UnsafeBufferPointer(buffer), frames: n)
    }
    try writer.finish()
  }

  /// The frame count of an existing preview, or -1 when it cannot be read.
  static func frames(_ path: String) -> Int64 {
    (try? AudioFileReader(path: path).info.frames) ?? -1
  }

  static func isNewer(_ a: stat, than b: stat) -> Bool {
    (a.st_mtim.tv_sec, a.st_mtim.tv_nsec) >= (b.st_mtim.tv_sec, b.st_mtim.tv_nsec)
  }

  /// Whether `path` is `folder` or lies below it, after resolving symlinks (false when either does not exist).
  static func isInside(_ path: String, _ folder: String) -> Bool {
    guard let p = realpath(path, nil) else { return false }
    defer { free(p) }
    guard let f = realpath(folder, nil) else { return false }
    defer { free(f) }
    let a = String(cString: p), b = String(cString: f)
    return a == b || a.hasPrefix(b.hasSuffix("/") ? b : b + "/")
  }
}
