import Analysis
import DSP
import Foundation
import Matching
import Testing
import TestSupport

/// Each metric's rule has one home; these pin that every user reads it from there.
@Suite struct OneHomeTonalShapeTests {
  /// A track with a bump and a tilt against a darker profile, and a profile missing a band in range, so the
  /// shared-band rule matters.
  static let track = fixtureTrack(file: "t", levelsDB: { f in -30 + 2 * log2(f / 1000) + (abs(f - 2000) < 300 ? 4 : 0) })
  static let profile: AlbumProfile = {
    var p = AlbumProfile(tracks: [fixtureTrack(file: "p", levelsDB: { f in -30 - 3 * log2(f / 1000) })])
    if let i = p.bandCentersHz.firstIndex(where: { $0 > 400 }) { p.tonalBalanceDB[i] = nil }
    return p
  }()

  @Test("The metric, the planner's EQ and the chart curve all read the one TonalShape rule")
  func oneRule() throws {
    let t = TonalShape(centersHz: Self.track.spectrum.bandCentersHz, levelsDB: Self.track.spectrum.levelsDB)
    let p = TonalShape(centersHz: Self.profile.bandCentersHz, levelsDB: Self.profile.tonalBalanceDB)
    let c = try #require(TonalComparison(track: t, profile: p))
    #expect(TonalShape.meanBands == -24...21)
    #expect(c.sharedBands.count == 45, "46 bands in range, one missing from the profile")
    // The metric is the comparison's RMS, bit for bit.
    #expect(TonalDeviation.deviationDB(track: Self.track, profile: Self.profile) == c.rmsDeviationDB)
    // The planner's EQ (full amount, a budget it never reaches) is the comparison's correction, bit for bit,
    // on a track whose correction is within the 6 dB/octave limit and every budget from 60 Hz to 12 kHz: the
    // profile's shape with a broad 3 dB bump around 1 kHz.
    let gentle = fixtureTrack(file: "g", levelsDB: { f in -30 - 3 * log2(f / 1000) + 3 * exp(-pow(log2(f / 1000), 2) / 2) })
    let gc = try #require(TonalComparison(
      track: TonalShape(centersHz: gentle.spectrum.bandCentersHz, levelsDB: gentle.spectrum.levelsDB), profile: p))
    var o = MatchingOptions()
    o.maxEQDB = 100
    let eq = Planner.eqCurve(track: gentle, profile: Self.profile, options: o)
    var compared = 0
    for (f, g) in zip(eq.frequenciesHz, eq.gainsDB) where f >= 60 && f <= 12_000 {
      let k = FractionalOctaveBands.nearestIndex(frequencyHz: f)
      // The band missing from the profile has no target: the curve holds it (measurements.md, "EQ curve").
      guard let want = gc.correctionDB(band: k) else { continue }
      #expect(g == want, "\(f) Hz")
      compared += 1
    }
    #expect(compared > 40)
    // With the same bands on both sides, the chart's single-curve mean removal gives the same difference.
    let same = TonalShape(centersHz: Self.track.spectrum.bandCentersHz, levelsDB: Self.track.spectrum.levelsDB.map { $0.map { $0 - 7 } })
    let chartT = t.meanRemoved(centersHz: Self.track.spectrum.bandCentersHz)
    let chartS = same.meanRemoved(centersHz: Self.track.spectrum.bandCentersHz)
    for (a, b) in zip(chartT, chartS) { #expect(abs((a.1 ?? 0) - (b.1 ?? 0)) < 1e-9, "\(a.0) Hz") }
    let mean = t.meanDB(over: t.bandsForMean())
    #expect(chartT.allSatisfy { point in point.1 == t.levelDB(atHz: point.0).map { $0 - mean } })
  }

  @Test("Fewer than 3 shared bands in range: no comparison and no deviation")
  func tooFewBands() {
    let centers = [100.0, 1000, 20_000]
    let t = TonalShape(centersHz: centers, levelsDB: [-10, -20, -30])
    #expect(t.bandsForMean() == [-20, 0])  // 20 kHz lies above the range
    #expect(TonalComparison(track: t, profile: t) == nil)
    #expect(TonalDeviation.deviationDB(trackCentersHz: centers, trackLevelsDB: [-10, -20, -30],
                                       profileCentersHz: centers, profileLevelsDB: [-10, -20, -30]) == nil)
  }
}

@Suite struct OneHomeStereoWidthTests {
  @Test("The stored number maps to the type and back: null is mono, the cap and above side only")
  func storedNumber() {
    #expect(StereoWidth(storedDB: nil) == .mono)
    #expect(StereoWidth(storedDB: StereoWidth.sideOnlyStoredDB) == .sideOnly)
    #expect(StereoWidth(storedDB: 1e9) == .sideOnly)
    #expect(StereoWidth(storedDB: 149.9) == .db(149.9))
    #expect(StereoWidth.sideOnly.storedDB == 150 && StereoWidth.mono.storedDB == nil && StereoWidth.db(-6).storedDB == -6)
    #expect(StereoWidth.sideOnly.midSideDB == nil && StereoWidth.mono.midSideDB == nil && StereoWidth.db(-6).midSideDB == -6)
  }

  @Test("analysis.json keeps its shape: widthDB a number or an explicit null; old files (null, absent, 150) decode")
  func jsonShape() throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    func json(_ s: StereoStats) throws -> String { String(decoding: try encoder.encode(s), as: UTF8.self) }
    #expect(try json(StereoStats(correlation: -1, width: .sideOnly, balanceDB: 0)) == #"{"balanceDB":0,"correlation":-1,"widthDB":150}"#)
    #expect(try json(StereoStats(correlation: 1, width: .mono, balanceDB: 0)) == #"{"balanceDB":0,"correlation":1,"widthDB":null}"#)
    #expect(try json(StereoStats(correlation: nil, width: .mono, balanceDB: nil)) == #"{"balanceDB":null,"correlation":null,"widthDB":null}"#)
    #expect(try json(StereoStats(correlation: 0.5, width: .db(-12.5), balanceDB: 1)) == #"{"balanceDB":1,"correlation":0.5,"widthDB":-12.5}"#)
    let decoder = JSONDecoder()
    func stats(_ text: String) throws -> StereoStats { try decoder.decode(StereoStats.self, from: Data(text.utf8)) }
    #expect(try stats(#"{"balanceDB":0,"correlation":-1,"widthDB":150}"#).width == .sideOnly)
    #expect(try stats(#"{"balanceDB":0,"correlation":1,"widthDB":null}"#).width == .mono)
    #expect(try stats(#"{"correlation":1}"#).width == .mono)
    #expect(try stats(#"{"balanceDB":0,"correlation":0.2,"widthDB":-3}"#).width == .db(-3))
    for s in [StereoStats(correlation: -1, width: .sideOnly, balanceDB: 0), StereoStats(correlation: 0.3, width: .db(-7.25), balanceDB: -1)] {
      #expect(try stats(try json(s)) == s)
    }
  }

  @Test("A side-only track is the type's sideOnly case, and the planner leaves its width alone")
  func sideOnlyLeftAlone() throws {
    let n = 48_000
    let x = Signals.whiteNoise(seconds: 1, sampleRateHz: n, channels: 1)
    let measured = try analyzeSignal(x.flatMap { [$0, -$0] }, channels: 2, sampleRateHz: n)
    #expect(measured.stereo.width == .sideOnly)
    var side = fixtureTrack(file: "s", levelsDB: { _ in -30 })
    side.stereo = measured.stereo
    let profile = AlbumProfile(tracks: [fixtureTrack(file: "p", levelsDB: { _ in -30 }, widthDB: -12)])
    var o = MatchingOptions()
    o.widthAmount = 1
    #expect(Planner.widthChange(track: side, profile: profile, options: o, eq: .flat) == 0)
    #expect(Planner.widthLoudnessChangeDB(track: side, sideDB: 3) == 0)
    #expect(Planner.predictedCorrelation(track: side, sideDB: 3) == -1)
    let plan = Planner.plan(track: side, profile: profile, album: AlbumLoudnessShape(sourcesLUFS: [-14]), options: o)
    #expect(plan.widthDB == 0 && !plan.reasons.contains { $0.hasPrefix("Width") })
    // A real width next to it is moved toward the album.
    let narrow = fixtureTrack(file: "n", levelsDB: { _ in -30 }, widthDB: -20)
    #expect(Planner.widthChange(track: narrow, profile: profile, options: o, eq: .flat) > 0)
  }
}
