import AudioIO
import DSP
import Matching
import Rendering
import Foundation
import Synthesis

/// Synthetic music as interleaved stereo, for building test albums.
public func music(seed: UInt64, seconds: Double, rate: Int = 48_000, gainDB: Double = -8, lowGain: Float = 1, highGain: Float = 1, clip: Float? = nil) -> [Float] {
  var g = MusicGenerator(
    style: TrackStyle(seed: seed, lowGain: lowGain, highGain: highGain, gainDB: gainDB, clipLevel: clip),
    sampleRateHz: rate, durationSeconds: seconds)
  var x = [Float](repeating: 0, count: g.durationFrames * 2)
  _ = x.withUnsafeMutableBufferPointer { g.render(into: $0.baseAddress!, frames: g.durationFrames) }
  return x
}

/// An album with one planted defect per track (and three clean ones), as `QATests` and the CLI tests use it.
public enum DefectAlbum {
  public static let clean = ["01 clean.wav", "02 clean.wav", "03 clean.wav"]
  public static let clipped = "04 clipped.wav", dc = "05 dc.wav", silence = "06 late start.wav"
  public static let inverted = "07 inverted.wav", quiet = "08 quiet.wav", dark = "09 dark.wav"
  public static let rate = "10 other rate.wav", codec = "11 codec overs.wav"

  /// Writes the album into `folder`. With `onlyClean`, just the three clean tracks.
  public static func write(to folder: String, onlyClean: Bool = false) throws {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    func put(_ name: String, _ x: [Float], rate: Int = 48_000) throws {
      try writeAudio(
        x, channels: 2, sampleRateHz: rate, to: (folder as NSString).appendingPathComponent(name),
        format: .init(container: .wav, encoding: .pcm24))
    }
    for (i, name) in clean.enumerated() { try put(name, music(seed: UInt64(i + 1), seconds: 12)) }
    if onlyClean { return }
    try put(clipped, music(seed: 4, seconds: 12, gainDB: 6, clip: 1.0))
    try put(dc, music(seed: 5, seconds: 12).map { $0 + 0.01 })
    try put(silence, [Float](repeating: 0, count: 8 * 48_000 * 2) + music(seed: 6, seconds: 12))
    try put(inverted, music(seed: 7, seconds: 12).enumerated().map { $0.offset % 2 == 1 ? -$0.element : $0.element })
    try put(quiet, music(seed: 8, seconds: 12, gainDB: -20))
    try put(dark, music(seed: 9, seconds: 12, lowGain: 1, highGain: 0.08))
    try put(rate, music(seed: 10, seconds: 12, rate: 44_100), rate: 44_100)
    // A loud master, limited to −1.25 dBTP: under the ceiling as a file, over it once MP3 adds its noise.
    let tmp = TempFolder("codec-source")
    defer { tmp.remove() }
    try writeAudio(music(seed: 11, seconds: 12), channels: 2, sampleRateHz: 48_000, to: tmp.file("src.wav"))
    var settings = RenderSettings()
    settings.bits = .pcm24
    _ = try TrackRenderer.render(
      source: tmp.file("src.wav"),
      plan: TrackPlan(
        file: codec, eq: .flat, gainDB: 14, widthDB: 0, sourceLUFS: nil, targetLUFS: nil, ceilingDBTP: -1.25,
        limiter: true, reasons: []),
      settings: settings, to: (folder as NSString).appendingPathComponent(codec))
  }
}
