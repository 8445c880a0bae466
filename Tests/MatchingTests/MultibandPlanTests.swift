import Analysis
import DSP
import Foundation
import Matching
import Testing

/// The multiband plan: band thresholds from the track's long-term spectrum, relative to the wideband threshold.
@Suite struct MultibandPlanTests {
  /// A 1/6-octave spectrum with a flat mean power per bin of `levelDB` (mid) and `sideDB` (side).
  static func spectrum(midDB: Double, sideDB: Double) -> SpectrumStats {
    let centers = (0..<60).map { 20 * pow(2, Double($0) / 6) }.filter { $0 < 20_000 }
    return SpectrumStats(
      bandCentersHz: centers, levelsDB: centers.map { _ in midDB }, midLevelsDB: centers.map { _ in midDB },
      sideLevelsDB: centers.map { _ in sideDB }, tonalBalanceDB: centers.map { _ in 0 }, tiltDB: 0, framesAveraged: 10)
  }

  @Test("Offsets are each band's share of the wideband detector's level: the shares of mid and side sum to the whole")
  func sharesSumToTheWhole() {
    let p = MultibandPlan.plan(spectrum: Self.spectrum(midDB: -30, sideDB: -40), channels: 2)
    #expect(p.crossoversHz == MultibandCompressorSettings.defaultCrossoversHz)
    #expect(p.midOffsetsDB.count == 4 && p.sideOffsetsDB.count == 4)
    // L² + R² = 2 (M² + S²): the shares of the bands of M and S, doubled, sum to 1.
    let sum = (p.midOffsetsDB + p.sideOffsetsDB).map { 2 * pow(10, $0 / 10) }.reduce(0, +)
    #expect(abs(sum - 1) < 1e-9)
    // Flat power per bin: a band's share grows with its width in Hz, and the side is 10 dB under the mid.
    #expect(p.midOffsetsDB[3] > p.midOffsetsDB[2] && p.midOffsetsDB[2] > p.midOffsetsDB[0])
    for b in 0..<4 { #expect(abs(p.midOffsetsDB[b] - p.sideOffsetsDB[b] - 10) < 1e-9) }
  }

  @Test("Mono: the channel's bands share its level; an empty band gets the lowest offset")
  func mono() {
    var s = Self.spectrum(midDB: -30, sideDB: -30)
    s.levelsDB = zip(s.bandCentersHz, s.levelsDB).map { f, l in f < 120 ? nil : l }
    let p = MultibandPlan.plan(spectrum: s, channels: 1)
    #expect(p.midOffsetsDB[0] == MultibandPlan.offsetRangeDB.lowerBound)
    #expect(abs(p.midOffsetsDB.dropFirst().map { pow(10, $0 / 10) }.reduce(0, +) - 1) < 1e-9)
  }

  @Test("Settings follow the wideband compressor: thresholds at its threshold plus the offsets, its ratio, knee, range and amount, slower lows")
  func settingsFollowTheCompressor() throws {
    let p = MultibandPlan.plan(spectrum: Self.spectrum(midDB: -30, sideDB: -40), channels: 2)
    var c = DynamicsPlanner.compressor(thresholdDBFS: -20, rangeDB: 4)
    c.amount = 0.7
    let m = try #require(p.settings(compressor: c, sampleRateHz: 44_100))
    #expect(m.problem(sampleRateHz: 44_100) == nil)
    for b in 0..<4 {
      #expect(m.mid[b].thresholdDBFS == -20 + p.midOffsetsDB[b] && m.side[b].thresholdDBFS == -20 + p.sideOffsetsDB[b])
      #expect(m.mid[b].ratio == 2 && m.mid[b].kneeDB == 6 && m.mid[b].rangeDB == 4 && m.mid[b].amount == 0.7)
    }
    #expect(m.mid[0].attackMS > m.mid[3].attackMS && m.mid[0].releaseMS > m.mid[3].releaseMS)
  }

  @Test("A rate too low for the top crossover merges the top bands (shares summed); under two crossovers: none")
  func lowRates() throws {
    let p = MultibandPlan.plan(spectrum: Self.spectrum(midDB: -30, sideDB: -40), channels: 2)
    let c = DynamicsPlanner.compressor(thresholdDBFS: -20, rangeDB: 6)
    let m = try #require(p.settings(compressor: c, sampleRateHz: 16_000))
    #expect(m.crossoversHz == [120, 1000] && m.problem(sampleRateHz: 16_000) == nil)
    let top = 10 * log10(pow(10, p.midOffsetsDB[2] / 10) + pow(10, p.midOffsetsDB[3] / 10))
    #expect(abs(m.mid[2].thresholdDBFS - (-20 + top)) < 1e-9)
    #expect(try #require(p.settings(compressor: c, sampleRateHz: 8_000)).problem(sampleRateHz: 8_000) == nil)
    #expect(p.settings(compressor: c, sampleRateHz: 2_000) == nil)
  }

  @Test("The planner gives a compressed track a multiband plan with --multiband on, and says so")
  func planner() {
    var t = fixtureTrackForMultiband()
    t.spectrum = Self.spectrum(midDB: -30, sideDB: -40)
    var o = MatchingOptions()
    o.multiband = true
    let (plan, reasons) = DynamicsPlanner.plan(track: t, albumPSRDB: 12, inputLUFS: -14, options: o)
    #expect(plan?.multiband != nil && plan?.compressor != nil && reasons[0].contains("4 bands, mid and side"))
    o.multiband = false
    #expect(DynamicsPlanner.plan(track: t, albumPSRDB: 12, inputLUFS: -14, options: o).0?.multiband == nil)
  }

  @Test("A plan's multiband settings that no rate can run are refused at validation, naming the key")
  func validation() throws {
    var t = fixtureTrackForMultiband()
    t.spectrum = Self.spectrum(midDB: -30, sideDB: -40)
    var o = MatchingOptions()
    o.multiband = true
    let plan = try #require(DynamicsPlanner.plan(track: t, albumPSRDB: 12, inputLUFS: -14, options: o).0)
    #expect(throws: Never.self) { try plan.validate(subject: "plan.json", prefix: "tracks[0].dynamics.") }
    for crossovers: [Double] in [[6000, 1000, 120], [1000, 1000, 6000], [39.9, 1000, 6000], [-100, 1000, 6000]] {
      var bad = plan
      bad.multiband?.crossoversHz = crossovers
      #expect {
        try bad.validate(subject: "plan.json", prefix: "tracks[0].dynamics.")
      } throws: { "\($0)".hasPrefix("plan.json: tracks[0].dynamics.multiband: multiband crossovers must ascend") }
    }
  }

  func fixtureTrackForMultiband() -> TrackAnalysis {
    var t = DynamicsPlannerTests.track("m", psr: 16)
    t.channels = 2
    return t
  }
}
