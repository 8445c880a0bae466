import DSP
import Matching
import Rendering

/// The dynamics half of the render-measure loop: from what each measuring pass found (the master's short-term
/// PSR and the limiter's gain reduction), the compressor threshold to try next, a compressor added when the
/// limiter would break its budget, and the loudness given up when both are spent. Pure: `TrackMastering` runs
/// the passes.
///
/// Order of the work, per pass:
/// 1. budget: when the limiter would take more than `DynamicsPlan.maxLimitingDB` (its 99th percentile), the
///    compressor is asked for that much more PSR drop (one is added if the plan had none and the dynamics amount
///    is not 0), within its range (`maxCompressionDB`);
/// 2. floor: when the limiter pulls the PSR under `DynamicsPlan.floorPSRDB`, its drive is taken back, then the
///    track's loudness is lowered by the shortfall;
/// 3. the threshold moves toward the target PSR by a secant step on the measured PSR-per-threshold slope;
/// 4. when the compressor can do no more (settled, or more compression stopped lowering the PSR: the track's
///    peaks were levelled in the mix, so only a faster process reaches them) and the PSR is still over its
///    target, the limiter is driven: its threshold goes under the ceiling, within what is left of the budget;
/// 5. on the last pass, or when nothing else can move, what is still over the budget comes off the track's
///    gain: its loudness is lowered, and the notes say so.
public struct DynamicsTuner: Sendable {
  /// A measured PSR this close to the target needs no further pass, dB.
  public static let psrToleranceDB = 0.5
  /// The limiter may exceed its budget by this much before anything is changed, dB (the statistic's 0.1 dB bins,
  /// and run-to-run movement of the loudness correction).
  public static let budgetSlackDB = 0.2
  /// Measuring passes at most.
  public static let maxPasses = 5
  /// How far the threshold may move from the track's level at the compressor, dB.
  public static let thresholdSpanDB = 24.0
  /// What the limiter's drive leaves of the budget, dB: the limiting grows about as much as the drive.
  public static let driveMarginDB = 0.3
  /// A pass whose loudness missed its target by more than this, with the limiter at work, says little about the
  /// limiting: it only corrects the gain, dB.
  public static let loudnessSkewDB = 0.5
  /// The loudness taken off per dB of PSR under the floor: a limiter-bound PSR rises by less than the gain comes
  /// down (about 0.5–1 dB per dB), so a step of the shortfall alone would take many passes.
  public static let floorStepFactor = 1.5
  /// How far under its floor a PSR may measure before the loudness is lowered, dB: a pass (and its CPU) is not
  /// spent on a shortfall the size of the PSR's own run-to-run movement.
  public static let floorSlackDB = 0.25
  /// The most loudness the PSR floor may take from a track, dB.
  public static let maxFloorLoweringDB = 2.0
  /// The most the threshold moves in one pass, dB.
  public static let maxThresholdStepDB = 6.0
  /// Less PSR than this per dB of threshold (or of drive) means more of it no longer helps.
  public static let smallestSlope = 0.2

  /// The plan as tuned so far.
  public private(set) var plan: TrackPlan
  /// The PSR the last pass measured, dB.
  public private(set) var expectedPSRDB: Double?
  /// The loudness given up to the budget, dB (the target's drop; once measured, what the lowered gain gave).
  public private(set) var loweredDB = 0.0
  /// The gain taken off for it, dB: more than `loweredDB` when the limiter was taking loudness too.
  public private(set) var gainLoweredDB = 0.0
  /// A lowering whose loudness the next pass measures: the target before it, and its note's index.
  private var pendingLowering: (beforeLUFS: Double, note: Int, why: String, gainDB: Double)? = nil
  /// One plain sentence per decision.
  public private(set) var notes: [String] = []
  /// Measuring passes recorded.
  public private(set) var passes = 0
  /// The plan the last recorded pass measured.
  private var measuredPlan: TrackPlan? = nil
  /// The limiting the last recorded pass measured, dB.
  private var lastLimitingDB: Double? = nil
  private let dynamicsAmount: Double
  private let maxCompressionDB: Double
  private var tried: (thresholdDBFS: Double, psrDB: Double)? = nil  // the last threshold and its error
  /// The threshold with the smallest error so far, its error, the PSR and the limiting it gave.
  private var best: (thresholdDBFS: Double, errorDB: Double, psrDB: Double?, limitingDB: Double)? = nil
  /// Set when more compression stopped lowering the error: a slow compressor on the body of a track lowers its
  /// loudness as much as its peaks, and the PSR no longer falls. The best threshold is kept.
  private var stalled = false
  /// The loudness given up to the PSR floor so far, dB.
  private var floorLoweredDB = 0.0
  /// The last drive tried and the PSR excess it left, for the drive's secant.
  private var driveTried: (driveDB: Double, excessDB: Double)? = nil

  /// A tuner for `plan`. With `dynamicsAmount` 0 it does nothing: the limiter alone, as without a dynamics stage
  /// (the QA still reports the budget). A settled plan (`DynamicsPlan.settled`) is not tuned either: it expects
  /// its `targetPSRDB` when it compresses or drives the limiter.
  public init(plan: TrackPlan, dynamicsAmount: Double, maxCompressionDB: Double) {
    self.plan = plan
    self.dynamicsAmount = dynamicsAmount
    self.maxCompressionDB = maxCompressionDB
    if let d = plan.dynamics, d.settled == true, d.compressor != nil || (d.limiterDriveDB ?? 0) > 0 {
      expectedPSRDB = d.targetPSRDB
    }
  }

  /// Whether the plan's dynamics are rendered as they are.
  private var isSettled: Bool { plan.dynamics?.settled == true || dynamicsAmount == 0 }

  /// Whether the plan needs measuring passes for its dynamics (it has a compressor to tune).
  public var needsMeasuring: Bool { !isSettled && plan.dynamics?.compressor != nil }

  /// Whether a render's limiting (`limitingDB`, its 99th percentile) breaks a budget the tuner may still hold:
  /// then the measuring passes must run even if the limiter was not expected to act.
  public func breaksBudget(limitingDB: Double?) -> Bool {
    guard !isSettled, let d = plan.dynamics, let limiting = limitingDB else { return false }
    return limiting > d.maxLimitingDB + Self.budgetSlackDB
  }

  /// Whether the measuring passes must measure the PSR: to tune a compressor, or to hold the PSR floor.
  public var measuresPSR: Bool { !isSettled && (needsMeasuring || plan.dynamics?.floorPSRDB != nil) }

  /// What the render settled on, for the render report; `nil` when the plan has no dynamics.
  public var outcome: DynamicsOutcome? {
    guard let d = plan.dynamics else { return nil }
    var notes = notes
    if let drive = d.limiterDriveDB, drive > 0 {
      notes.append(
        "The compressor could not bring the PSR down to the album's on its own: the limiter's threshold goes "
          + "\(Format.fixed(drive)) dB under the ceiling to shave the peaks (the limiter's 99th-percentile reduction: "
          + "\(Format.fixed(lastLimitingDB ?? 0)) dB; budget \(Format.fixed(d.maxLimitingDB)) dB).")
    }
    if !isSettled, passes > 0, let limiting = lastLimitingDB, limiting > d.maxLimitingDB + Self.budgetSlackDB {
      // Every pass spent (or nothing left to move): the plan says so, as the QA's `limiting` row will.
      // Name what the passes tried: a dense track the tuning never lowered was once told "room or passes".
      var tried: [String] = []
      if let c = d.compressor { tried.append("a compressor at \(Format.fixed(c.thresholdDBFS)) dBFS") }
      if gainLoweredDB > 0 { tried.append("\(Format.fixed(gainLoweredDB)) dB less gain") }
      notes.append(
        "The limiter still takes \(Format.fixed(limiting)) dB (its 99th percentile), over the "
          + "\(Format.fixed(d.maxLimitingDB)) dB budget after \(passes) measuring passes, which tried "
          + (tried.isEmpty ? "neither a compressor nor less gain" : tried.joined(separator: " and "))
          + " (--max-limiting-db, a lower target or --dynamics-amount give it room).")
    }
    var o = DynamicsOutcome(compressor: d.compressor, expectedPSRDB: expectedPSRDB, loudnessLoweredDB: loweredDB, notes: notes)
    o.limiterDriveDB = d.limiterDriveDB
    if abs(gainLoweredDB - loweredDB) > 1e-12 { o.gainLoweredDB = gainLoweredDB }
    return o
  }

  /// Whether the last pass left the plan changed without measuring it (the last pass lowered the loudness): its
  /// PSR is then not the one to expect, and `confirm` should record one more pass.
  public var needsConfirming: Bool { measuredPlan != nil && measuredPlan != plan && plan.dynamics?.settled != true }

  /// Records the master's own limiting (the renders after the passes correct the loudness, and the limiter with
  /// it), so that the outcome says when it is over the budget.
  public mutating func recordMaster(limitingDB: Double?) {
    if passes > 0, let l = limitingDB { lastLimitingDB = l }
  }

  /// Records a pass of the final plan, which changes nothing but the PSR to expect (and the limiting to report).
  public mutating func confirm(psrDB: Double?, limitingDB: Double?) {
    measuredPlan = plan
    expectedPSRDB = psrDB ?? expectedPSRDB
    lastLimitingDB = limitingDB ?? lastLimitingDB
  }

  /// The compressor's input level, dBFS (the detector's reading of the planned loudness).
  private var inputLevelDBFS: Double? { plan.targetLUFS.map { $0 + 0.691 } }

  /// Records a measuring pass that found `psrDB` (the master's median short-term PSR, when measured) and
  /// `limitingDB` (the limiter's 99th-percentile gain reduction), its loudness `loudnessOffDB` off its target.
  /// - Returns: whether another measuring pass should run with the tuned `plan`.
  public mutating func record(psrDB: Double?, limitingDB: Double?, loudnessOffDB: Double? = nil) -> Bool {
    passes += 1
    measuredPlan = plan
    lastLimitingDB = limitingDB
    if isSettled { return false }
    if isSkewed(limitingDB: limitingDB ?? 0, loudnessOffDB: loudnessOffDB) { return true }
    if psrDB != nil { expectedPSRDB = psrDB }
    guard var d = plan.dynamics else { return false }
    // A pass quieter than its target understates the limiting its master will get: with the limiter at work,
    // about a dB more per dB of gain still to come, counted up to `loudnessSkewDB` (a pass further off is measured
    // again, or, on the last pass, says too little to take loudness away on: the QA's `limiting` row then tells).
    var limiting = limitingDB ?? 0
    if limiting > Self.budgetSlackDB, let off = loudnessOffDB, off < 0 { limiting -= max(off, -Self.loudnessSkewDB) }
    let overDB = limiting - d.maxLimitingDB
    let lastPass = passes >= Self.maxPasses
    if overDB > Self.budgetSlackDB, d.compressor == nil, maxCompressionDB > 0, !lastPass, let level = inputLevelDBFS {
      // The loud moments sit about the limiting over the ceiling: 2:1 takes half of what passes the threshold.
      d.compressor = DynamicsPlanner.compressor(
        thresholdDBFS: level + (d.sourcePSRDB ?? 12) - 3 - 2 * overDB, rangeDB: maxCompressionDB)
      d.targetPSRDB = nil  // held to the budget, not to a PSR: the master's is measured
      plan.dynamics = d
      notes.append(
        "The limiter would take \(Format.fixed(limiting)) dB (budget \(Format.fixed(d.maxLimitingDB)) dB): a compressor takes part of it.")
      return true  // measure the new compressor before tuning it
    }
    // On the last pass a budget still exceeded goes first: a floor step there would end the tuning with the budget
    // unheld (the budget's lowering raises the PSR too).
    if let psr = psrDB, let floor = d.floorPSRDB, psr < floor - Self.floorSlackDB, limiting > Self.budgetSlackDB,
      !(lastPass && overDB > Self.budgetSlackDB), let again = holdFloor(psrDB: psr, floorDB: floor, lastPass: lastPass)
    {
      return again
    }
    // The error the threshold is tuned on: the PSR over its target, or the limiting over its budget, whichever
    // asks for more compression. Both grow with the threshold.
    var errors: [Double] = []
    if let psr = psrDB, let target = d.targetPSRDB { errors.append(psr - target) }
    if overDB > Self.budgetSlackDB || (errors.isEmpty && d.compressor != nil) { errors.append(overDB) }
    var psrNow = psrDB, limitingNow = limiting
    if let e = errors.max(), let c = d.compressor {
      if abs(e) < abs(best?.errorDB ?? .infinity) { best = (c.thresholdDBFS, e, psrDB, limiting) }
      if !lastPass, !stalled, let next = nextThreshold(errorDB: e) {
        plan.dynamics?.compressor?.thresholdDBFS = next
        return true
      }
      if let b = best, abs(b.thresholdDBFS - c.thresholdDBFS) > 1e-9 {
        // Back to the best threshold measured; its PSR is the one to expect.
        plan.dynamics?.compressor?.thresholdDBFS = b.thresholdDBFS
        expectedPSRDB = b.psrDB ?? expectedPSRDB
        psrNow = b.psrDB
        limitingNow = b.limitingDB
        notes.append("More compression stopped lowering the PSR: the compressor keeps its best threshold.")
      }
    }
    // From here on, what the settings now in the plan measured (the best threshold's pass, when it went back).
    let overNowDB = limitingNow - d.maxLimitingDB
    if !lastPass, d.compressor != nil, overNowDB <= Self.budgetSlackDB, let psr = psrNow, let target = d.targetPSRDB,
      psr - target > Self.psrToleranceDB, drive(excessDB: psr - target, limitingDB: limitingNow)
    {
      return true
    }
    if overNowDB > Self.budgetSlackDB, let drive = d.limiterDriveDB, drive > 0 {
      // Over the budget with the limiter driven: the drive comes back before any loudness goes.
      plan.dynamics?.limiterDriveDB = max(0, drive - overNowDB)
      driveTried = nil
      return !lastPass
    }
    if overNowDB > Self.budgetSlackDB {
      lower(by: overNowDB, because: "reaching it would take \(Format.fixed(limitingNow)) dB of limiting, over the "
        + "\(Format.fixed(d.maxLimitingDB)) dB budget (--max-limiting-db trades distortion for loudness).")
      return !lastPass
    }
    return false
  }

  /// Whether a pass only corrects the gain: off its loudness, it misjudges what the limiter does (a PSR with no
  /// limiting does not depend on the gain).
  private func isSkewed(limitingDB: Double, loudnessOffDB: Double?) -> Bool {
    guard let off = loudnessOffDB else { return false }
    return abs(off) > Self.loudnessSkewDB && limitingDB > Self.budgetSlackDB && passes < Self.maxPasses
  }

  /// Drives the limiter deeper by the PSR excess over its target (a secant on the measured PSR per dB of drive),
  /// within the budget less `driveMarginDB`. Returns whether the drive moved.
  private mutating func drive(excessDB: Double, limitingDB: Double) -> Bool {
    guard let d = plan.dynamics, plan.limiter else { return false }  // no limiter (`--limiter off`): nothing to drive
    let now = d.limiterDriveDB ?? 0
    let room = d.maxLimitingDB - Self.driveMarginDB - limitingDB
    guard room >= 0.1 else { return false }
    var slope = 1.0  // dB of PSR per dB of drive on a track whose peaks sit at the limiter
    if let t = driveTried, abs(now - t.driveDB) > 1e-6 {
      let s = (t.excessDB - excessDB) / (now - t.driveDB)
      guard s > Self.smallestSlope else { return false }  // the drive no longer lowers the PSR
      slope = min(1, s)
    }
    driveTried = (now, excessDB)
    let step = min(excessDB / slope, room)
    guard step >= 0.1 else { return false }
    plan.dynamics?.limiterDriveDB = now + step
    return true
  }

  /// The limiter pulls the PSR under the floor: its drive comes back first, then the loudness goes down by
  /// `floorStepFactor` × the shortfall.
  /// Returns whether to measure again, or `nil` when the floor can take no more (the tuning goes on without it).
  private mutating func holdFloor(psrDB: Double, floorDB: Double, lastPass: Bool) -> Bool? {
    let short = floorDB - psrDB
    if let drive = plan.dynamics?.limiterDriveDB, drive > 0 {
      plan.dynamics?.limiterDriveDB = max(0, drive - short)
      driveTried = nil
      return !lastPass
    }
    // The floor guards an album's consistency, not a loudness the user asked for: it costs at most
    // `maxFloorLoweringDB` (a PSR out of reach at the target is the limiting budget's to judge).
    let step = min(Self.floorStepFactor * short, Self.maxFloorLoweringDB - floorLoweredDB)
    guard step > 0.05 else { return nil }
    floorLoweredDB += step
    lower(by: step, because: "its limiting would pull the short-term PSR to \(Format.fixed(psrDB)) dB, under the "
      + "floor of \(Format.fixed(floorDB)) dB (the lower of the track's own and the album's, less "
      + "\(Format.fixed(DynamicsPlanner.floorMarginDB)) dB).", measured: false)
    return !lastPass
  }

  /// The threshold for the next pass, or `nil` when the error is within tolerance or the threshold cannot move.
  private mutating func nextThreshold(errorDB e: Double) -> Double? {
    guard let c = plan.dynamics?.compressor, let level = inputLevelDBFS, abs(e) > Self.psrToleranceDB else { return nil }
    var slope = 0.5  // dB of PSR (or limiting) per dB of threshold at 2:1, before anything is measured
    if let t = tried, abs(c.thresholdDBFS - t.thresholdDBFS) > 1e-6 {
      let s = (e - t.psrDB) / (c.thresholdDBFS - t.thresholdDBFS)
      if !(s > Self.smallestSlope) {  // the error did not follow the threshold
        stalled = true
        return nil
      }
      slope = min(1.5, s)
    }
    tried = (c.thresholdDBFS, e)
    let step = min(Self.maxThresholdStepDB, max(-Self.maxThresholdStepDB, e / slope))
    let next = min(level + Self.thresholdSpanDB, max(level - Self.thresholdSpanDB, c.thresholdDBFS - step))
    return abs(next - c.thresholdDBFS) > 0.05 ? next : nil
  }

  /// Lowers the track's gain by `db`, for the reason `why` (a clause); the compressor's threshold follows its input
  /// down. The limiter's reduction falls about a dB per dB of gain; the loudness falls less, as the limiter gives
  /// back what it took. So the target goes down by `db` only until the next pass measures what the lowered gain
  /// gives (`retarget`): lowering the target by `db` would have the loudness correction take that much more gain
  /// away, and a track over its budget by 10 dB ended with no limiting at all, 10 LU quieter than it needed.
  /// The PSR floor lowers the loudness itself (`measured` false): its steps are calibrated in loudness, and the
  /// correction lands the track on the lowered target.
  private mutating func lower(by db: Double, because why: String, measured: Bool = true) {
    guard let before = plan.targetLUFS else { return }
    plan.gainDB -= db
    plan.targetLUFS = before - db
    plan.dynamics?.compressor?.thresholdDBFS -= db
    loweredDB += db
    gainLoweredDB += db
    tried = nil
    notes.append(Self.loweringNote(before, before - db, why, gainDB: db))
    if measured { pendingLowering = (before, notes.count - 1, why, db) }
  }

  /// The note of a lowering of the gain by `gainDB`. Where the loudness did not move as printed (a click in
  /// silence: the gate keeps the loudness where it was), the note names the gain instead of "from −35.7 to −35.7".
  private static func loweringNote(_ before: Double, _ after: Double, _ why: String, gainDB: Double) -> String {
    if Format.fixed(before) == Format.fixed(after) {
      return "Gain lowered by \(Format.fixed(gainDB)) dB (the loudness stays at \(Format.fixed(after)) LUFS): " + why
    }
    return "Loudness lowered from \(Format.fixed(before)) to \(Format.fixed(after)) LUFS: " + why
  }

  /// After a lowering, the loudness the lowered gain measured becomes the target (and the note says so), so that
  /// the loudness correction keeps the gain. Call it with every pass's loudness before the correction sees it.
  public mutating func retarget(measuredLUFS: Double?) {
    guard let p = pendingLowering, let got = measuredLUFS, let target = plan.targetLUFS else { return }
    pendingLowering = nil
    // Never above the loudness the lowering started from: a lowering only lowers.
    let reached = min(got, p.beforeLUFS)
    loweredDB += target - reached
    plan.targetLUFS = reached
    notes[p.note] = Self.loweringNote(p.beforeLUFS, reached, p.why, gainDB: p.gainDB)
  }
}
