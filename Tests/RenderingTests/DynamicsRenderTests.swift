import DSP
import Foundation
import Matching
import Rendering
import Testing
import TestSupport

/// The dynamics stage in the render chain: skipped when it has nothing to do, and reported when it acts.
@Suite struct DynamicsRenderTests {
  static func plan(_ dynamics: DynamicsPlan?) -> TrackPlan {
    var p = R.plan(gainDB: 6, limiter: true)
    p.dynamics = dynamics
    return p
  }

  static func render(_ plan: TrackPlan, _ x: [Float]) throws -> (Data, RenderReport) {
    let r = try R.render(x, channels: 2, rate: 48_000, plan: plan, settings: R.settings(bits: .pcm24))
    defer { r.dir.remove() }
    return (fileBytes(r.path), r.report)
  }

  @Test("Amount zero, no compressor, or a budget alone: the master is bit-identical to the chain without dynamics")
  func amountZeroIsTransparent() throws {
    let x = music(seed: 5, seconds: 6)
    let (reference, report) = try Self.render(Self.plan(nil), x)
    #expect(!report.stages.contains("compressor") && report.limiterP99GainReductionDB != nil)
    var idle = DynamicsPlanner.compressor(thresholdDBFS: -30, rangeDB: 6)
    idle.amount = 0
    for d in [
      DynamicsPlan(sourcePSRDB: 12, targetPSRDB: 12, compressor: nil, maxLimitingDB: 3),
      DynamicsPlan(sourcePSRDB: 12, targetPSRDB: 10, compressor: idle, maxLimitingDB: 3),
    ] {
      let (bytes, r) = try Self.render(Self.plan(d), x)
      #expect(bytes == reference)
      #expect(!r.stages.contains("compressor") && r.compressorGainReduction == nil)
    }
  }

  @Test("An active compressor runs between gain and limiter, and reports its gain reduction over time")
  func activeCompressorIsReported() throws {
    let x = music(seed: 5, seconds: 6)
    let (reference, _) = try Self.render(Self.plan(nil), x)
    let c = DynamicsPlanner.compressor(thresholdDBFS: -20, rangeDB: 6)
    let (bytes, r) = try Self.render(Self.plan(DynamicsPlan(sourcePSRDB: 14, targetPSRDB: 11, compressor: c, maxLimitingDB: 3)), x)
    #expect(bytes != reference)
    #expect(r.stages == ["gain", "compressor", "limiter", "dither"])
    let gr = try #require(r.compressorMaxGainReductionDB)
    #expect(gr > 0.5 && gr <= 6 + 1e-9)  // the range caps it
    let series = try #require(r.compressorGainReduction)
    #expect(abs(Double(series.valuesDB.count) * series.intervalSeconds - 6) < 0.2)
    #expect(abs((series.valuesDB.max() ?? 0) - gr) < 0.01)
  }

  @Test("A settled plan renders with its tuned compressor and lowered gain; a plan without dynamics is unchanged")
  func applyingAnOutcome() {
    let c = DynamicsPlanner.compressor(thresholdDBFS: -20, rangeDB: 6)
    let p = Self.plan(DynamicsPlan(sourcePSRDB: 14, targetPSRDB: 11, compressor: c, maxLimitingDB: 3))
    var tuned = c
    tuned.thresholdDBFS = -24
    let outcome = DynamicsOutcome(compressor: tuned, expectedPSRDB: 11.4, loudnessLoweredDB: 1.5, notes: ["why"])
    let settled = p.applying(outcome)
    #expect(settled.dynamics?.compressor == tuned && settled.dynamics?.targetPSRDB == 11.4)
    #expect(settled.gainDB == p.gainDB - 1.5 && settled.reasons == p.reasons + ["why"])
    #expect(Self.plan(nil).applying(outcome) == Self.plan(nil))
  }
}
