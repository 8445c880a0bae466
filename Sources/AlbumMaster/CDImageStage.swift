import AudioIO
import Foundation
import Matching
import QualityControl
import Reports

/// `--cd` (or album.yaml's `{ cd: true }`): the CD image of the album in `<masters>/cd/`, made from the 16-bit
/// 44.1 kHz WAV masters rendered as a delivery variant (`masters/wav-16-44100/`), sample for sample, with its
/// CUE sheet and cdrdao TOC; and the Red Book rows for QA.
enum CDImageStage {
  /// The variant the image is made of: the masters' dithered 16-bit samples at 44.1 kHz, kept as files so the
  /// image can be checked against them.
  static let variant = AlbumConfig.OutputVariant(format: .wav, bits: .pcm16, sampleRateHz: RedBook.sampleRateHz)

  /// Writes the image and its sheets when the run asks for a CD; returns the QA rows (none otherwise).
  /// - Throws: a write-guard or folder error, or `AudioIOError` when the image cannot be read or written (its
  ///   files are then left as they were).
  static func run(_ run: AlbumContext, masters: [MasterResult]) throws -> [QAFinding] {
    guard run.options.cd else { return [] }
    let folder = (run.mastersFolder as NSString).appendingPathComponent(CDSheets.folderName)
    let paths = [CDSheets.imageName, CDSheets.cueName, CDSheets.tocName].map { (folder as NSString).appendingPathComponent($0) }
    try run.writeGuard.checkFolder(folder, role: "the CD image folder")
    for p in paths { try run.writeGuard.checkFile(p, role: "the CD image") }
    let made = Dictionary(masters.map { ($0.file, $0) }, uniquingKeysWith: { a, _ in a })
    var entries: [(file: String, samples: Int64, gapSeconds: Double)] = []
    var sources: [String] = []
    // Every track of the album: one that failed before it was planned must not leave a silent hole in the disc.
    var problems = run.album.unreadableNames.map { "\($0) has no master" }
    for file in run.album.files {
      guard let m = made[file] else {
        problems.append("\(file) has no master")
        continue
      }
      let master = (run.mastersFolder as NSString).appendingPathComponent((m.master as NSString).lastPathComponent)
      // A WAV variant's name does not depend on the source's format: no header needed.
      let source = variant.masterPath(of: master, sourceInfo: nil)
      do throws(AudioIOError) {
        let info = try AudioFileReader(path: source).info
        if info.sampleRate != RedBook.sampleRateHz || info.format.encoding != .pcm16 || info.channels > RedBook.channels {
          problems.append("\(source): \(info.sampleRate) Hz, \(info.format.encoding.rawValue), \(info.channels) channels")
          continue
        }
        entries.append((file, info.frames, run.options.config?.cdGapSeconds(before: file) ?? ReleaseMetadata.defaultCDGapSeconds))
        sources.append(source)
      } catch {
        problems.append(error.description)
      }
    }
    let layout = CDLayout(entries)
    if layout.tracks.count > RedBook.maxTracks { problems.append("\(layout.tracks.count) tracks cannot be numbered") }
    guard problems.isEmpty else {
      // A stale image would pass for this run's.
      for p in paths { unlink(p) }
      return layout.checks + [
        QAFinding(
          check: "cd-image", track: nil, status: .fail, value: "not written: \(problems[0])".escapedForTerminal,
          limit: "every track mastered at 44.1 kHz, 16-bit, at most 2 channels",
          message: "The CD image needs every track's 16-bit 44.1 kHz master; fix the tracks that failed and run again.")
      ]
    }
    try ReportFolder.create(folder, role: "the CD image folder")
    try writeImage(sources: sources, layout: layout, to: paths[0])
    let text = CDText.resolve(
      albumName: run.album.name, files: layout.tracks.map(\.file), release: run.options.config?.release ?? ReleaseMetadata(),
      tracks: run.options.config?.tracks.mapValues(\.metadata) ?? [:])
    let catalog = run.options.config?.release.catalogEAN13
    try AtomicFile.write(CDSheets.cue(layout: layout, album: text.album, tracks: text.tracks, catalogEAN13: catalog), to: paths[1])
    try AtomicFile.write(CDSheets.toc(layout: layout, album: text.album, tracks: text.tracks, catalogEAN13: catalog), to: paths[2])
    return layout.checks + [
      QAFinding(
        check: "cd-image", track: nil, status: .pass, value: "\(CDSheets.folderName)/\(CDSheets.imageName), \(CDSheets.cueName), \(CDSheets.tocName)",
        limit: "16-bit 44.1 kHz stereo, tracks on CD frames", message: "Burn it with cdrdao write \(CDSheets.folderName)/\(CDSheets.tocName).")
    ]
  }

  /// Streams the masters into one 16-bit stereo WAV, one block at a time: each track's gap as silence, its
  /// samples copied as integers (bit for bit), then silence to the frame boundary. A mono master goes to both
  /// channels.
  static func writeImage(sources: [String], layout: CDLayout, to path: String) throws(AudioIOError) {
    let channels = RedBook.channels
    var writer = try AudioFileWriter(
      path: path, format: AudioFileFormat(container: .wav, encoding: .pcm16), sampleRateHz: RedBook.sampleRateHz, channels: channels)
    let blockFrames = RedBook.samplesPerFrame * RedBook.framesPerSecond
    let zeros = [Int32](repeating: 0, count: blockFrames * channels)
    var block = [Int32](repeating: 0, count: blockFrames * channels)
    for (source, t) in zip(sources, layout.tracks) {
      try writeSilence(&writer, frames: Int64(t.gapFrames * RedBook.samplesPerFrame), zeros: zeros, blockFrames: blockFrames)
      var reader = try AudioFileReader(path: source)
      let sourceChannels = reader.info.channels
      var copied: Int64 = 0
      while true {
        let n = try block.withUnsafeMutableBufferPointer { (b) throws(AudioIOError) in try reader.readIntegers(into: b, maxFrames: blockFrames) }
        if n == 0 { break }
        if sourceChannels == 1 {
          for i in stride(from: n - 1, through: 0, by: -1) {
            block[2 * i + 1] = block[i]
            block[2 * i] = block[i]
          }
        }
        try block.withUnsafeBufferPointer { (b) throws(AudioIOError) in
          guard let base = b.baseAddress else { return }
          try writer.writeIntegers(base, frames: n)
        }
        copied += Int64(n)
      }
      guard copied == t.samples else {
        throw .readFailed(path: source, reason: "changed while the CD image was written (\(copied) frames, \(t.samples) expected)")
      }
      try writeSilence(&writer, frames: t.padSamples, zeros: zeros, blockFrames: blockFrames)
    }
    try writer.finish()
  }

  private static func writeSilence(_ writer: inout AudioFileWriter, frames: Int64, zeros: [Int32], blockFrames: Int) throws(AudioIOError) {
    var left = frames
    while left > 0 {
      let n = Int(min(left, Int64(blockFrames)))
      try zeros.withUnsafeBufferPointer { (z) throws(AudioIOError) in
        guard let base = z.baseAddress else { return }
        try writer.writeIntegers(base, frames: n)
      }
      left -= Int64(n)
    }
  }
}

extension AlbumConfig {
  /// The CD gap before `file`: its own `cdGapSeconds`, else the release's.
  func cdGapSeconds(before file: String) -> Double { tracks[file]?.metadata.cdGapSeconds ?? release.cdGapSeconds }
}

extension AlbumContext {
  /// album.yaml's delivery variants, and with a CD the image's 16-bit 44.1 kHz WAV masters (unless album.yaml
  /// already asks for that folder: the image is then made of its masters).
  var variants: [AlbumConfig.OutputVariant] {
    let asked = options.config?.outputs ?? []
    guard options.cd, !asked.contains(where: { $0.name == CDImageStage.variant.name }) else { return asked }
    return asked + [CDImageStage.variant]
  }
}
