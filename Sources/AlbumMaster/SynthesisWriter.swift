import AudioIO
import Foundation
import Matching
import Synthesis

/// Writes synthetic music to audio files, streaming: the demo album and benchmark material.
public enum SynthesisWriter {
  /// Writes the demo album into `folder` (created if needed). Every run gives byte-identical files.
  /// - Returns: the paths written.
  @discardableResult
  public static func writeDemoAlbum(to folder: String) throws -> [String] {
    try makeFolder(folder)
    return try DemoAlbum.tracks.enumerated().map { i, t in
      let path = (folder as NSString).appendingPathComponent(t.fileName)
      let container: AudioContainer = t.container == "FLAC" ? .flac : t.container == "AIFF" ? .aiff : .wav
      try write(
        MusicGenerator(style: t.style, sampleRateHz: t.sampleRateHz, durationSeconds: t.durationSeconds), to: path,
        format: AudioFileFormat(container: container, encoding: t.bits == 16 ? .pcm16 : .pcm24),
        metadata: AudioMetadata(
          title: t.title, artist: DemoAlbum.artist, album: "AlbumMaster Demo", trackNumber: "\(i + 1)", date: "2026"))
      return path
    }
  }

  /// Creates `folder` and the folders above it; a failure is one line naming the folder, not Foundation's
  /// multi-line error.
  static func makeFolder(_ folder: String) throws(AudioIOError) {
    guard !folder.isEmpty else { return }
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    } catch {
      let cause = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
      throw .writeFailed(path: folder, reason: cause?.localizedDescription ?? "the folder cannot be created")
    }
  }

  /// Streams a generator into a file, atomically.
  public static func write(
    _ generator: MusicGenerator, to path: String, format: AudioFileFormat, metadata: AudioMetadata = .init()
  ) throws {
    var gen = generator
    var writer = try AudioFileWriter(
      path: path, format: format, sampleRateHz: Int(gen.sampleRateHz), channels: 2, metadata: metadata)
    let block = 8192
    var buffer = [Float](repeating: 0, count: block * 2)
    while gen.remainingFrames > 0 {
      let n = buffer.withUnsafeMutableBufferPointer { gen.render(into: $0.baseAddress!, frames: block) }
      try buffer.withUnsafeBufferPointer { (p) throws(AudioIOError) in try writer.write(p, frames: n) }
    }
    try writer.finish()
  }
}

/// A container the CLI can name without importing AudioIO.
public enum AudioContainerName: Sendable {
  /// WAV, FLAC or AIFF.
  case wav, flac, aiff
}

extension SynthesisWriter {
  /// The length `generate` accepts: up to a day.
  public static let trackSeconds = OptionRange(key: "seconds", flag: "--seconds", range: 0.001...86_400)

  /// Checks `generate`'s numbers: the length, a rate the reader accepts, 16 or 24 bits.
  public static func validateTrack(seconds: Double, sampleRateHz: Int, bits: Int) throws(InputError) {
    if let p = trackSeconds.problem(seconds) { throw InputError(subject: "--seconds", problem: p) }
    try FlagChecks.sampleRate(sampleRateHz)
    guard [16, 24].contains(bits) else { throw InputError(subject: "--bits", problem: "expected 16 or 24, found \(bits)") }
  }

  /// Writes `seconds` of music in `style` to `path`; its folder is created if needed, as the demo album's is
  /// (a new user's first `generate ~/music/MyAlbum/01.wav`).
  public static func writeTrack(
    style: TrackStyle, seconds: Double, sampleRateHz: Int, to path: String, container: AudioContainerName, bits: Int
  ) throws {
    try makeFolder((path as NSString).deletingLastPathComponent)
    let c: AudioContainer = switch container {
    case .wav: .wav
    case .flac: .flac
    case .aiff: .aiff
    }
    try write(
      MusicGenerator(style: style, sampleRateHz: sampleRateHz, durationSeconds: seconds), to: path,
      format: AudioFileFormat(container: c, encoding: bits == 16 ? .pcm16 : .pcm24))
  }
}
