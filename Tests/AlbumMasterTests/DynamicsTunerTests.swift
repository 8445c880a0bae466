import AlbumMaster
import Analysis
import DSP
import Matching
import QualityControl
import Testing
import TestSupport

/// The dynamics half of the render-measure loop, against model "renders" whose PSR and limiting are known.
@Suite struct DynamicsTunerTests {
  /// A plan at −14 LUFS with a compressor planned from 16 dB toward 12 dB, or only a budget.
  static func plan(compressor: Bool, budgetDB: Double = 3) -> TrackPlan {
    let c = compressor ? DynamicsPlanner.compressor(thresholdDBFS: -14 + 0.691 + 5, rangeDB: 6) : nil
    return TrackPlan(
      file: "t.wav", eq: .flat, gainDB: 0, widthDB: 0, sourceLUFS: -14, targetLUFS: -14, ceilingDBTP: -1, limiter: true,
      reasons: [], dynamics: DynamicsPlan(sourcePSRDB: 16, targetPSRDB: compressor ? 12 : 16, compressor: c, maxLimitingDB: budgetDB))
  }

  /// Runs the tuner against `measure` (PSR and limiting for a plan) until it stops.
  static func run(_ tuner: inout DynamicsTuner, _ measure: (TrackPlan) -> (Double?, Double)) {
    var again = true
    while again {
      let (psr, limiting) = measure(tuner.plan)
      again = tuner.record(psrDB: psr, limitingDB: limiting)
    }
  }

  @Test("A PSR that falls with the threshold is tuned onto the target within the tolerance, in at most 3 passes")
  func tunesOntoTheTarget() throws {
    var tuner = DynamicsTuner(plan: Self.plan(compressor: true), dynamicsAmount: 1, maxCompressionDB: 6)
    // PSR 16 dB with the threshold far up; 0.3 dB lower per dB the threshold goes under −4 dBFS.
    Self.run(&tuner) { p in (16 - 0.3 * max(0, -4 - (p.dynamics?.compressor?.thresholdDBFS ?? 0)), 0) }
    let psr = try #require(tuner.expectedPSRDB)
    #expect(abs(psr - 12) <= DynamicsTuner.psrToleranceDB + 0.3)
    #expect(tuner.passes <= DynamicsTuner.maxPasses && tuner.loweredDB == 0)
    #expect(tuner.outcome?.compressor?.thresholdDBFS == tuner.plan.dynamics?.compressor?.thresholdDBFS)
  }

  @Test("When more compression stops lowering the PSR, the best threshold is kept and the notes say so")
  func stallsOnABodyCompressor() {
    var tuner = DynamicsTuner(plan: Self.plan(compressor: true), dynamicsAmount: 1, maxCompressionDB: 6)
    let start = tuner.plan.dynamics?.compressor?.thresholdDBFS ?? 0
    // The PSR rises as the threshold falls: the compressor takes the loudness, not the peaks.
    Self.run(&tuner) { p in (14 + 0.2 * (start - (p.dynamics?.compressor?.thresholdDBFS ?? 0)), 0) }
    #expect(tuner.plan.dynamics?.compressor?.thresholdDBFS == start)
    #expect(tuner.expectedPSRDB == 14)
    #expect(tuner.notes.contains { $0.contains("best threshold") })
  }

  @Test("Amount 0 is the limiter alone: nothing is measured, tuned or lowered")
  func amountZeroIsInert() {
    var tuner = DynamicsTuner(plan: Self.plan(compressor: true), dynamicsAmount: 0, maxCompressionDB: 6)
    #expect(!tuner.needsMeasuring && !tuner.measuresPSR)
    let before = tuner.plan
    let again = tuner.record(psrDB: 20, limitingDB: 12)
    #expect(!again && tuner.plan == before && tuner.loweredDB == 0 && tuner.notes.isEmpty)
  }

  @Test("Over the budget with no compression allowed (range 0): the loudness is lowered by the excess and the notes say why")
  func budgetWithoutDynamicsLowersLoudness() {
    var tuner = DynamicsTuner(plan: Self.plan(compressor: false), dynamicsAmount: 1, maxCompressionDB: 0)
    // The limiter takes 5 dB at the planned gain, one dB less per dB of gain taken off.
    Self.run(&tuner) { p in (nil, max(0, 5 + p.gainDB)) }
    #expect(tuner.plan.dynamics?.compressor == nil)
    #expect(abs(tuner.loweredDB - 2) < 1e-9)
    #expect(tuner.plan.targetLUFS == -16 && tuner.plan.gainDB == -2)
    #expect(tuner.notes.contains { $0.contains("Loudness lowered from -14.0 to -16.0 LUFS") && $0.contains("--max-limiting-db") })
  }

  @Test("Over the budget with dynamics: a compressor is added and tuned on the limiting before any loudness is lowered")
  func budgetAddsACompressor() throws {
    var tuner = DynamicsTuner(plan: Self.plan(compressor: false), dynamicsAmount: 1, maxCompressionDB: 6)
    // Limiting 5 dB without compression; 0.5 dB less per dB the threshold goes under +3 dBFS.
    Self.run(&tuner) { p in
      let t = p.dynamics?.compressor?.thresholdDBFS ?? 100
      return (nil, max(0, 5 - 0.5 * max(0, 3 - t)) + p.gainDB)
    }
    let c = try #require(tuner.plan.dynamics?.compressor)
    #expect(c.rangeDB == 6)
    #expect(tuner.notes.first?.contains("a compressor takes part of it") == true)
    let limiting = max(0, 5 - 0.5 * max(0, 3 - c.thresholdDBFS)) + tuner.plan.gainDB
    #expect(limiting <= 3 + DynamicsTuner.psrToleranceDB + DynamicsTuner.budgetSlackDB)
  }

  @Test("A compressor that cannot lower the PSR hands over to the limiter's drive, within the limiting budget")
  func drivesTheLimiterWhenTheCompressorStalls() throws {
    var tuner = DynamicsTuner(plan: Self.plan(compressor: true), dynamicsAmount: 1, maxCompressionDB: 6)
    // Peaks levelled in the mix: the threshold does nothing; each dB of drive takes 0.8 dB of PSR and adds a dB
    // of limiting over the 0.5 dB it had.
    Self.run(&tuner) { p in
      let drive = p.dynamics?.limiterDriveDB ?? 0
      return (15 - 0.8 * drive, 0.5 + drive)
    }
    let drive = try #require(tuner.plan.dynamics?.limiterDriveDB)
    #expect(drive > 0 && 0.5 + drive <= 3 - DynamicsTuner.driveMarginDB + 1e-9)
    #expect(tuner.plan.limiterThresholdDBTP == tuner.plan.ceilingDBTP - drive)
    #expect(tuner.passes <= DynamicsTuner.maxPasses && tuner.loweredDB == 0)
    #expect(tuner.expectedPSRDB == 15 - 0.8 * drive)
    #expect(tuner.outcome?.limiterDriveDB == drive)
    #expect(tuner.outcome?.notes.contains { $0.contains("dB under the ceiling") } == true)
    // With the limiter off there is nothing to drive: the compressor keeps its best threshold, and that is all.
    var plan = Self.plan(compressor: true)
    plan.limiter = false
    var off = DynamicsTuner(plan: plan, dynamicsAmount: 1, maxCompressionDB: 6)
    Self.run(&off) { _ in (15, 0) }
    #expect(off.plan.dynamics?.limiterDriveDB == nil && off.outcome?.limiterDriveDB == nil)
  }

  @Test("The limiter pulling the PSR under its floor: the loudness is lowered until it holds, and the notes say why")
  func holdsThePSRFloor() throws {
    var plan = Self.plan(compressor: false)
    plan.dynamics?.floorPSRDB = 11
    var tuner = DynamicsTuner(plan: plan, dynamicsAmount: 1, maxCompressionDB: 6)
    #expect(tuner.measuresPSR && !tuner.needsMeasuring)
    // PSR 10 dB at the planned gain, 0.6 dB more per dB of gain taken off; limiting 3 dB less as much.
    Self.run(&tuner) { p in (10 - 0.6 * p.gainDB, max(0, 2.5 + p.gainDB)) }
    let psr = try #require(tuner.expectedPSRDB)
    #expect(psr >= 11 - DynamicsTuner.floorSlackDB - 0.05 || tuner.passes == DynamicsTuner.maxPasses)
    #expect(tuner.loweredDB > 1 && tuner.plan.gainDB == -tuner.loweredDB)
    #expect(tuner.notes.allSatisfy { $0.contains("under the floor of 11.0 dB") })
  }

  @Test("On the last pass a budget still exceeded comes off the gain before any floor step: the tuning ends with it held")
  func lastPassBudgetBeforeFloor() {
    var plan = Self.plan(compressor: false)
    plan.dynamics?.floorPSRDB = 16
    var tuner = DynamicsTuner(plan: plan, dynamicsAmount: 1, maxCompressionDB: 0)
    // The PSR stays 0.3 dB under its floor whatever the gain (0.45 dB floor steps, room for 4 of them and part of
    // a fifth); the limiter takes 9 dB at the planned gain, a dB less per dB of gain off. Every pass finds the floor
    // short; on the last, the budget must still come first.
    var again = true
    while again {
      let limiting = max(0, 9 + tuner.plan.gainDB)
      again = tuner.record(psrDB: 15.7, limitingDB: limiting)
    }
    #expect(max(0, 9 + tuner.plan.gainDB) <= 3 + DynamicsTuner.budgetSlackDB, "gain \(tuner.plan.gainDB)")
    #expect(tuner.notes.contains { $0.contains("--max-limiting-db") })
  }

  @Test("A floor out of reach (a loud target) costs at most maxFloorLoweringDB of loudness; the budget judges the rest")
  func floorCostIsCapped() {
    var plan = Self.plan(compressor: false)
    plan.dynamics?.floorPSRDB = 16
    var tuner = DynamicsTuner(plan: plan, dynamicsAmount: 1, maxCompressionDB: 0)
    // PSR 8 dB, hardly rising as the gain comes down; the limiter within its budget.
    Self.run(&tuner) { p in (8 - 0.1 * p.gainDB, 2) }
    #expect(abs(tuner.loweredDB - DynamicsTuner.maxFloorLoweringDB) < 1e-9)
  }

  @Test("A pass 0.4 LU quiet with the limiter at work counts 0.4 dB more limiting: the budget is judged at the target")
  func quietPassCountsTheGainToCome() {
    var tuner = DynamicsTuner(plan: Self.plan(compressor: false), dynamicsAmount: 1, maxCompressionDB: 0)
    _ = tuner.record(psrDB: nil, limitingDB: 2.9, loudnessOffDB: -0.4)
    #expect(abs(tuner.loweredDB - 0.3) < 1e-9)  // 2.9 + 0.4 − 3 dB
    var loud = DynamicsTuner(plan: Self.plan(compressor: false), dynamicsAmount: 1, maxCompressionDB: 0)
    _ = loud.record(psrDB: nil, limitingDB: 2.9, loudnessOffDB: 0.4)  // louder than its target: taken as measured
    #expect(loud.loweredDB == 0)
  }

  @Test("A lowering takes the gain off by the excess; the target is then the loudness measured, not target − excess")
  func loweringTargetsWhatTheGainGives() {
    var tuner = DynamicsTuner(plan: Self.plan(compressor: false), dynamicsAmount: 1, maxCompressionDB: 0)
    // A model render: the limiter takes 8 dB at the planned gain, a dB less per dB taken off; the loudness falls
    // by half of that while the limiter was taking loudness (it gives back the rest).
    func render(_ p: TrackPlan) -> (lufs: Double, limitingDB: Double) {
      let limiting = max(0, 8 + p.gainDB)
      return (-14 + 0.5 * p.gainDB - 0.5 * max(0, -p.gainDB - 8), limiting)
    }
    var again = true
    while again {
      let r = render(tuner.plan)
      tuner.retarget(measuredLUFS: r.lufs)
      again = tuner.record(psrDB: nil, limitingDB: r.limitingDB, loudnessOffDB: r.lufs - (tuner.plan.targetLUFS ?? 0))
    }
    // 5 dB of gain off; the loudness it gives, −16.5 LUFS, is the target (−19 would have the correction take
    // another 5 dB, and the limiter would end at 0 dB, 2.5 LU quieter than the budget needs).
    #expect(abs(tuner.plan.gainDB - -5) < 1e-9 && abs((tuner.plan.targetLUFS ?? 0) - -16.5) < 1e-9)
    #expect(abs(tuner.loweredDB - 2.5) < 1e-9 && tuner.outcome?.gainLoweredDB == 5)
    #expect(tuner.notes.contains { $0.contains("Loudness lowered from -14.0 to -16.5 LUFS") }, "\(tuner.notes)")
    // A settled plan renders the same gain and target.
    let settled = Self.plan(compressor: false).applying(tuner.outcome)
    #expect(abs(settled.gainDB - -5) < 1e-9 && abs((settled.targetLUFS ?? 0) - -16.5) < 1e-9)
  }

  @Test("A lowering whose loudness did not move names the gain taken off, not \"from -35.7 to -35.7 LUFS\"")
  func loweringThatKeepsTheLoudnessNamesTheGain() {
    var tuner = DynamicsTuner(plan: Self.plan(compressor: false), dynamicsAmount: 1, maxCompressionDB: 0)
    // A click in silence: the limiter takes 5 dB; the gated loudness stays put whatever the gain.
    _ = tuner.record(psrDB: nil, limitingDB: 5, loudnessOffDB: 0)
    tuner.retarget(measuredLUFS: -14.01)
    #expect(tuner.notes.contains { $0.hasPrefix("Gain lowered by 2.0 dB (the loudness stays at -14.0 LUFS)") }, "\(tuner.notes)")
    #expect(!tuner.notes.contains { $0.contains("from -14.0 to -14.0") })
  }

  @Test("The last pass far under its target counts at most loudnessSkewDB more limiting: no lowering on a guess")
  func lastPassFarOffIsNotInflated() {
    var tuner = DynamicsTuner(plan: Self.plan(compressor: false), dynamicsAmount: 1, maxCompressionDB: 0)
    for _ in 1..<DynamicsTuner.maxPasses { _ = tuner.record(psrDB: nil, limitingDB: 0, loudnessOffDB: 0) }
    // 4 dB of limiting on a pass 6 LU short: 4 + 0.5 − 3 = 1.5 dB comes off, not 4 + 6 − 3 = 7.
    _ = tuner.record(psrDB: nil, limitingDB: 4, loudnessOffDB: -6)
    #expect(abs(tuner.plan.gainDB - -(4 + DynamicsTuner.loudnessSkewDB - 3)) < 1e-9, "\(tuner.plan.gainDB)")
  }

  @Test("A pass whose loudness missed its target by more than a dB changes nothing but asks for another")
  func skewedPassOnlyCorrectsTheGain() {
    var tuner = DynamicsTuner(plan: Self.plan(compressor: true), dynamicsAmount: 1, maxCompressionDB: 6)
    let before = tuner.plan
    let again = tuner.record(psrDB: 9, limitingDB: 8, loudnessOffDB: 2.5)
    #expect(again)
    #expect(tuner.plan == before && tuner.expectedPSRDB == nil && tuner.notes.isEmpty)
  }

  @Test("A render's limiting over the budget asks for the passes, unless the plan is settled or the amount 0")
  func breaksBudget() {
    let tuner = DynamicsTuner(plan: Self.plan(compressor: false), dynamicsAmount: 1, maxCompressionDB: 6)
    #expect(tuner.breaksBudget(limitingDB: 3.3) && !tuner.breaksBudget(limitingDB: 3.1) && !tuner.breaksBudget(limitingDB: nil))
    #expect(!DynamicsTuner(plan: Self.plan(compressor: false), dynamicsAmount: 0, maxCompressionDB: 6).breaksBudget(limitingDB: 9))
    var settled = Self.plan(compressor: true)
    settled.dynamics?.settled = true
    #expect(!DynamicsTuner(plan: settled, dynamicsAmount: 1, maxCompressionDB: 6).breaksBudget(limitingDB: 9))
  }

  @Test("The planner's compressor threshold stays in the range a compressor runs with (a click in silence: PSR 51 dB)")
  func thresholdClamped() {
    let c = DynamicsPlanner.compressor(thresholdDBFS: 32, rangeDB: 6)
    #expect(c.thresholdDBFS == CompressorSettings.thresholdRangeDBFS.upperBound && c.problem == nil)
    #expect(DynamicsPlanner.compressor(thresholdDBFS: -400, rangeDB: 6).problem == nil)
  }

  @Test("A plan without dynamics is left alone")
  func noDynamics() {
    var p = Self.plan(compressor: false)
    p.dynamics = nil
    var tuner = DynamicsTuner(plan: p, dynamicsAmount: 1, maxCompressionDB: 6)
    #expect(!tuner.needsMeasuring)
    let again = tuner.record(psrDB: 20, limitingDB: 12)
    #expect(!again)
    #expect(tuner.plan == p && tuner.outcome == nil)
  }
}

/// QA's dynamics checks: a master denser than the floor, a limiter past its budget.
@Suite struct DynamicsQATests {
  @Test("psr-floor warns under the floor (8 dB, or a preset's); limiting warns past the budget plus slack")
  func checks() {
    var t = fixtureTrack(file: "m.wav", levelsDB: { _ in -30 })
    t.dynamics = DynamicsStats(plrDB: nil, crestDB: nil, rmsDBFS: nil, psrMedianDB: 7.5, psrP10DB: 6, psrP90DB: 9)
    let profile = AlbumProfile(tracks: [t])
    func status(_ check: String, preset: DeliveryPreset? = nil, p99: Double = 1) -> QAStatus? {
      let load = LimiterLoad(p99GainReductionDB: p99, budgetDB: 3, over1DBShare: 0.1, over3DBShare: 0.01)
      return QualityChecks.run(tracks: [t], profile: profile, preset: preset, limiting: ["m.wav": load])
        .findings.first { $0.check == check }?.status
    }
    #expect(status("psr-floor") == .warn)
    #expect(status("psr-floor", preset: DeliveryPreset.named("ebu-r128")) == .warn)
    #expect(DeliveryPreset.named("ebu-r128")?.psrFloorDB == 10 && DeliveryPreset.named("spotify")?.psrFloorDB == 8)
    #expect(status("limiting", p99: 3.2) == .pass)
    #expect(status("limiting", p99: 3.5) == .warn)
  }
}
