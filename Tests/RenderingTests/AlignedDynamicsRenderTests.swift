import DSP
import Foundation
import Matching
import Rendering
import Testing
import TestSupport

/// The dynamics stages with latency (the compressor's look-ahead, the multiband crossover) leave the master
/// aligned with its source: same length, same timing.
@Suite struct AlignedDynamicsRenderTests {
  static let rates = [44_100, 48_000, 96_000]

  /// A plan whose compressor is active but never reaches its threshold, wideband or multiband.
  static func idlePlan(multiband: Bool, thresholdDBFS: Double) -> TrackPlan {
    var p = R.plan()
    var d = DynamicsPlan(sourcePSRDB: 14, targetPSRDB: 12, compressor: DynamicsPlanner.compressor(thresholdDBFS: thresholdDBFS, rangeDB: 6), maxLimitingDB: 3)
    if multiband {
      d.multiband = MultibandPlan(crossoversHz: MultibandCompressorSettings.defaultCrossoversHz, midOffsetsDB: [-6, -6, -6, -6], sideOffsetsDB: [-12, -12, -12, -12])
    }
    p.dynamics = d
    return p
  }

  @Test("Idle look-ahead compressor or multiband: the float master equals the source sample for sample", arguments: rates)
  func idleStagesAreAligned(rate: Int) throws {
    let x = music(seed: 3, seconds: 2, rate: rate)
    for multiband in [false, true] {
      let r = try R.render(x, channels: 2, rate: rate, plan: Self.idlePlan(multiband: multiband, thresholdDBFS: 20), settings: R.settings())
      defer { r.dir.remove() }
      #expect(r.report.stages == [multiband ? "multiband" : "compressor"])
      #expect(r.samples.count == x.count)
      #expect(r.samples.map(\.bitPattern) == x.map(\.bitPattern), "multiband \(multiband)")
    }
  }

  @Test("Active multiband: same length as the source, its gain reduction reported, the onset of a burst not moved")
  func activeMultiband() throws {
    let rate = 48_000
    // Silence, then a loud burst from 0.5 s: the master's first loud sample is where the source's is.
    let x = [Float](repeating: 0, count: rate) + music(seed: 4, seconds: 2, rate: rate).map { $0 * 4 }
    let r = try R.render(x, channels: 2, rate: rate, plan: Self.idlePlan(multiband: true, thresholdDBFS: -40), settings: R.settings())
    defer { r.dir.remove() }
    #expect(r.report.stages == ["multiband"] && r.samples.count == x.count)
    #expect((r.report.compressorMaxGainReductionDB ?? 0) > 1)
    let first = { (v: [Float]) in v.firstIndex { abs($0) > 1e-3 } ?? -1 }
    #expect(abs(first(r.samples) - first(x)) <= 2)
  }
}
