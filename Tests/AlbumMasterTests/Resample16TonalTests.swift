import AlbumMaster
import AudioIO
import DSP
import Foundation
import Matching
import Testing
import TestSupport

/// A track the album rule resamples up is the same music as its `--format same` master: the same spectrum where
/// its source holds bands, and the same tonal deviation (the rule once read 6.7-7.5 dB against 0.6 on a real album).
@Suite(.serialized) struct Resample16TonalTests {
  /// White noise through a one-pole low-pass at `cornerHz` (-6 dB/octave above it): a known tilt, with content up
  /// to the Nyquist frequency, where the resampler's anti-alias filter rolls off.
  static func tilted(seconds: Double, sampleRateHz: Int, channels: Int, cornerHz: Double) -> [Float] {
    let x = Signals.whiteNoise(amplitude: 0.5, seconds: seconds, sampleRateHz: sampleRateHz, channels: channels, seed: 11)
    let a = Float(exp(-2 * Double.pi * cornerHz / Double(sampleRateHz)))
    var y = x, state = [Float](repeating: 0, count: channels)
    for i in 0..<(x.count / channels) {
      for c in 0..<channels {
        state[c] = a * state[c] + (1 - a) * x[i * channels + c]
        y[i * channels + c] = 2 * state[c]
      }
    }
    return y
  }

  /// Masters `album` into `tmp` (the defaults, or `--format same`); the album's outcome.
  func master(_ album: String, _ tmp: TempFolder, same: Bool) async throws -> MasterOutcome {
    var request = MasterRequest(albums: [album])
    request.reportsFolder = tmp.file("Reports")
    if same { request.render = OutputFormatChoice.same.applied(to: request.render) }
    return try #require(try await AlbumBatch.master(request).albums.first?.outcome)
  }

  @Test(
    "A tilted track mastered up into the album's rate: spectrum and tonal deviation as its --format same master",
    arguments: [(22_050, 48_000, 2), (22_050, 96_000, 1), (32_000, 48_000, 2), (44_100, 96_000, 1)])
  func resampledUpKeepsItsSpectrum(lowRateHz: Int, albumRateHz: Int, channels: Int) async throws {
    let tmp = TempFolder("resample16")
    defer { tmp.remove() }
    let album = tmp.file("Album")
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    let pcm24 = AudioFileFormat(container: .wav, encoding: .pcm24)
    _ = try writeAudio(
      Self.tilted(seconds: 4, sampleRateHz: lowRateHz, channels: channels, cornerHz: 1_000), channels: channels,
      sampleRateHz: lowRateHz, to: album + "/01 low.wav", format: pcm24)
    _ = try writeAudio(
      Signals.whiteNoise(amplitude: 0.2, seconds: 4, sampleRateHz: albumRateHz, channels: channels, seed: 12),
      channels: channels, sampleRateHz: albumRateHz, to: album + "/02 high.wav", format: pcm24)
    let before = snapshot(album)
    let tmpSame = TempFolder("resample16-same")
    defer { tmpSame.remove() }
    let rule = try await master(album, tmp, same: false), same = try await master(album, tmpSame, same: true)
    let up = try #require(rule.masters.first { $0.file == "01 low.wav" })
    let kept = try #require(same.masters.first { $0.file == "01 low.wav" })
    #expect(up.render.sampleRateHz == albumRateHz && up.render.stages.contains("resample"), "\(up.render.stages)")
    #expect(kept.render.sampleRateHz == lowRateHz && !kept.render.stages.contains("resample"))
    // The plan is the same (made from the sources): the EQ worked, at the source's rate, in both.
    #expect(rule.plan.tracks.first { $0.file == "01 low.wav" }?.eq.isFlat == false)

    // Below the source's top band and inside the compared range, the mean-removed spectra agree band by band.
    let a = try #require(up.analysis?.spectrum), b = try #require(kept.analysis?.spectrum)
    let topHz = min(TonalShape.highHz, FractionalOctaveBands.topCenterHz(sampleRateHz: Double(lowRateHz)))
    let pairs = b.bandCentersHz.indices.compactMap { j -> (Double, Double, Double)? in
      let f = b.bandCentersHz[j]
      guard f >= TonalShape.lowHz, f <= topHz, let i = a.bandCentersHz.firstIndex(of: f),
        let la = a.levelsDB[i], let lb = b.levelsDB[j]
      else { return nil }
      return (f, la, lb)
    }
    #expect(pairs.count >= 40, "\(pairs.count) bands compared")
    let meanA = pairs.map(\.1).reduce(0, +) / Double(pairs.count), meanB = pairs.map(\.2).reduce(0, +) / Double(pairs.count)
    let worst = pairs.map { (f: $0.0, d: abs(($0.1 - meanA) - ($0.2 - meanB))) }.max { $0.d < $1.d }!
    #expect(worst.d <= 0.5, "band \(worst.f) Hz differs by \(worst.d) dB")

    // The same music reads the same deviation from the album profile at either rate.
    let dUp = try #require(up.analysis?.tonalDeviationDB), dKept = try #require(kept.analysis?.tonalDeviationDB)
    #expect(abs(dUp - dKept) <= 0.15, "resampled \(dUp) dB, at its own rate \(dKept) dB")
    #expect(snapshot(album) == before)
  }
}
