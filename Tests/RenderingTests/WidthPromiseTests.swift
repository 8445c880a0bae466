import Analysis
import Foundation
import Matching
import Rendering
import Testing
import TestSupport

/// Plan → render with a dark mid and a bright side: an EQ toward a brighter album raises the side more than the
/// mid, so the EQ alone would widen the track past the limit. The plan counts that, and the master keeps it.
@Suite struct WidthPromiseTests {
  /// Mid: 40 tones spread log-evenly over 60–600 Hz; side: 40 over 3–14 kHz, `sideDB` under. L = M + S, R = M − S.
  /// Every tone lies inside the analysis bands (up to 18 kHz) at every rate, so the prediction sees all the power.
  static func darkMidBrightSide(rate: Int, sideDB: Double) -> [Float] {
    func tones(fromHz: Double, toHz: Double, amplitude: Double) -> [Double] {
      var y = [Double](repeating: 0, count: 3 * rate)
      for k in 0..<40 {
        let f = fromHz * pow(toHz / fromHz, Double(k) / 39), phase = Double(k) * 2.399963
        let w = 2 * Double.pi * f / Double(rate)
        for i in y.indices { y[i] += amplitude * sin(w * Double(i) + phase) }
      }
      return y
    }
    let mid = tones(fromHz: 60, toHz: 600, amplitude: 0.02), side = tones(fromHz: 3000, toHz: 14_000, amplitude: 0.02 * pow(10, sideDB / 20))
    return zip(mid, side).flatMap { [Float($0 + $1), Float($0 - $1)] }
  }

  static func stereo(_ y: [Float]) -> (correlation: Double, widthDB: Double) {
    var ll = 0.0, rr = 0.0, lr = 0.0
    for i in stride(from: 0, to: y.count, by: 2) {
      let l = Double(y[i]), r = Double(y[i + 1])
      ll += l * l
      rr += r * r
      lr += l * r
    }
    return (lr / (ll * rr).squareRoot(), 10 * log10((ll + rr - 2 * lr) / (ll + rr + 2 * lr)))
  }

  @Test("The master's width moves at most --max-width-db, EQ included, and its correlation falls at most 0.1",
        arguments: testSampleRates, [0.0, 6.0])
  func widthAndCorrelationHold(rate: Int, albumWiderDB: Double) throws {
    let x = Self.darkMidBrightSide(rate: rate, sideDB: -6)
    let track = try analyzeSignal(x, channels: 2, sampleRateHz: rate)
    let before = Self.stereo(x)
    // An album 4 dB/octave brighter than the track, as wide or 6 dB wider.
    var album = fixtureTrack(file: "p", levelsDB: { f in -30 + 4 * log2(f / 1000) }, widthDB: before.widthDB + albumWiderDB)
    album.stereo.correlation = before.correlation
    let profile = AlbumProfile(tracks: [album])
    var o = MatchingOptions()
    o.dynamicsAmount = 0
    let plan = Planner.plan(track: track, profile: profile, album: AlbumLoudnessShape(sourcesLUFS: [-14]), options: o)
    // The EQ alone would move the width by more than the limit: the test has something to hold.
    #expect(Planner.widthChangeDB(track: track, eq: plan.eq, sideDB: 0) > o.maxWidthDB)
    let r = try R.render(x, channels: 2, rate: rate, plan: plan, settings: R.settings())
    defer { r.dir.remove() }
    let after = Self.stereo(r.samples)
    let moved = after.widthDB - before.widthDB
    #expect(abs(moved) <= o.maxWidthDB + 0.3, "width \(before.widthDB) → \(after.widthDB)")
    #expect(after.correlation >= before.correlation - Planner.maxCorrelationDrop, "correlation \(before.correlation) → \(after.correlation)")
    // The planner's prediction (from the analysis' mid and side bands) is what the render does, within 0.5 dB.
    #expect(abs(moved - Planner.widthChangeDB(track: track, eq: plan.eq, sideDB: plan.widthDB)) <= 0.5, "moved \(moved)")
  }

  @Test("A mono track gets no width change whatever the EQ", arguments: testSampleRates)
  func monoUntouched(rate: Int) throws {
    let x = Signals.whiteNoise(amplitude: 0.3, seconds: 1, sampleRateHz: rate, channels: 1, seed: 5)
    let track = try analyzeSignal(x, channels: 1, sampleRateHz: rate)
    let profile = AlbumProfile(tracks: [fixtureTrack(file: "p", levelsDB: { f in -30 + 4 * log2(f / 1000) })])
    let plan = Planner.plan(track: track, profile: profile, album: AlbumLoudnessShape(sourcesLUFS: [-14]), options: MatchingOptions())
    #expect(!plan.eq.isFlat && plan.widthDB == 0)
  }
}
