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
/// 2. the threshold moves toward the target PSR by a secant step on the measured PSR-per-threshold slope;
/// 3. on the last pass, or when the threshold can move no further, what is still over the budget comes off the
///    track's gain: its loudness is lowered, and the notes say so.
public struct DynamicsTuner: Sendable {
  /// A measured PSR this close to the target needs no further pass, dB.
  public static let psrToleranceDB = 0.5
  /// The limiter may exceed its budget by this much before anything is changed, dB (the statistic's 0.1 dB bins,
  /// and run-to-run movement of the loudness correction).
  public static let budgetSlackDB = 0.2
  /// Measuring passes at most.
  public static let maxPasses = 3
  /// How far the threshold may move from the track's level at the compressor, dB.
  public static let thresholdSpanDB = 24.0

  /// The plan as tuned so far.
  public private(set) var plan: TrackPlan
  /// The PSR the last pass measured, dB.
  public private(set) var expectedPSRDB: Double?
  /// The loudness given up to the budget, dB.
  public private(set) var loweredDB = 0.0
  /// One plain sentence per decision.
  public private(set) var notes: [String] = []
  /// Measuring passes recorded.
  public private(set) var passes = 0
  private let dynamicsAmount: Double
  private let maxCompressionDB: Double
  private var tried: (thresholdDBFS: Double, psrDB: Double)? = nil  // the last threshold and its error
  /// The threshold with the smallest error so far, its error and the PSR it gave.
  private var best: (thresholdDBFS: Double, errorDB: Double, psrDB: Double?)? = nil
  /// Set when more compression stopped lowering the error: a slow compressor on the body of a track lowers its
  /// loudness as much as its peaks, and the PSR no longer falls. The best threshold is kept.
  private var stalled = false

  /// A tuner for `plan`; `dynamicsAmount` 0 never adds a compressor.
  public init(plan: TrackPlan, dynamicsAmount: Double, maxCompressionDB: Double) {
    self.plan = plan
    self.dynamicsAmount = dynamicsAmount
    self.maxCompressionDB = maxCompressionDB
  }

  /// Whether the plan needs measuring passes for its dynamics (it has a compressor to tune).
  public var needsMeasuring: Bool { plan.dynamics?.compressor != nil }

  /// What the render settled on, for the render report; `nil` when the plan has no dynamics.
  public var outcome: DynamicsOutcome? {
    guard let d = plan.dynamics else { return nil }
    return DynamicsOutcome(compressor: d.compressor, expectedPSRDB: expectedPSRDB, loudnessLoweredDB: loweredDB, notes: notes)
  }

  /// The compressor's input level, dBFS (the detector's reading of the planned loudness).
  private var inputLevelDBFS: Double? { plan.targetLUFS.map { $0 + 0.691 } }

  /// Records a measuring pass that found `psrDB` (the master's median short-term PSR, when measured) and
  /// `limitingDB` (the limiter's 99th-percentile gain reduction).
  /// - Returns: whether another measuring pass should run with the tuned `plan`.
  public mutating func record(psrDB: Double?, limitingDB: Double?) -> Bool {
    passes += 1
    if psrDB != nil { expectedPSRDB = psrDB }
    guard var d = plan.dynamics else { return false }
    let overDB = (limitingDB ?? 0) - d.maxLimitingDB
    let lastPass = passes >= Self.maxPasses
    if overDB > Self.budgetSlackDB, d.compressor == nil, dynamicsAmount > 0, !lastPass, let level = inputLevelDBFS {
      // The loud moments sit about the limiting over the ceiling: 2:1 takes half of what passes the threshold.
      d.compressor = DynamicsPlanner.compressor(
        thresholdDBFS: level + (d.sourcePSRDB ?? 12) - 3 - 2 * overDB, rangeDB: maxCompressionDB)
      d.targetPSRDB = nil  // held to the budget, not to a PSR: the master's is measured
      plan.dynamics = d
      notes.append(
        "The limiter would take \(Format.fixed(limitingDB ?? 0)) dB (budget \(Format.fixed(d.maxLimitingDB)) dB): a compressor takes part of it.")
      return true  // measure the new compressor before tuning it
    }
    // The error the threshold is tuned on: the PSR over its target, or the limiting over its budget, whichever
    // asks for more compression. Both grow with the threshold.
    var errors: [Double] = []
    if let psr = psrDB, let target = d.targetPSRDB { errors.append(psr - target) }
    if overDB > Self.budgetSlackDB || (errors.isEmpty && d.compressor != nil) { errors.append(overDB) }
    if let e = errors.max(), let c = plan.dynamics?.compressor {
      if best == nil || abs(e) < abs(best!.errorDB) { best = (c.thresholdDBFS, e, psrDB) }
      if !lastPass, !stalled, let next = nextThreshold(errorDB: e) {
        plan.dynamics?.compressor?.thresholdDBFS = next
        return true
      }
      if let b = best, abs(b.thresholdDBFS - c.thresholdDBFS) > 1e-9 {
        // Back to the best threshold measured; its PSR is the one to expect.
        plan.dynamics?.compressor?.thresholdDBFS = b.thresholdDBFS
        expectedPSRDB = b.psrDB ?? expectedPSRDB
        notes.append("More compression stopped lowering the PSR: the compressor keeps its best threshold.")
        return false
      }
    }
    if overDB > Self.budgetSlackDB {
      lower(by: overDB, limitingDB: limitingDB ?? 0)
      return !lastPass
    }
    return false
  }

  /// The threshold for the next pass, or `nil` when the error is within tolerance or the threshold cannot move.
  private mutating func nextThreshold(errorDB e: Double) -> Double? {
    guard let c = plan.dynamics?.compressor, let level = inputLevelDBFS, abs(e) > Self.psrToleranceDB else { return nil }
    var slope = 0.5  // dB of PSR (or limiting) per dB of threshold at 2:1, before anything is measured
    if let t = tried, abs(c.thresholdDBFS - t.thresholdDBFS) > 1e-6 {
      let s = (e - t.psrDB) / (c.thresholdDBFS - t.thresholdDBFS)
      if !(s > 0.05) {  // the error did not follow the threshold
        stalled = true
        return nil
      }
      slope = min(1.5, s)
    }
    tried = (c.thresholdDBFS, e)
    let next = min(level + Self.thresholdSpanDB, max(level - Self.thresholdSpanDB, c.thresholdDBFS - e / slope))
    return abs(next - c.thresholdDBFS) > 0.05 ? next : nil
  }

  /// Lowers the track's gain and target by `db`; the compressor's threshold follows its input down.
  private mutating func lower(by db: Double, limitingDB: Double) {
    let before = plan.targetLUFS
    plan.gainDB -= db
    plan.targetLUFS = plan.targetLUFS.map { $0 - db }
    plan.dynamics?.compressor?.thresholdDBFS -= db
    loweredDB += db
    tried = nil
    if let before, let after = plan.targetLUFS {
      notes.append(
        "Loudness lowered from \(Format.fixed(before)) to \(Format.fixed(after)) LUFS: reaching it would take "
          + "\(Format.fixed(limitingDB)) dB of limiting, over the \(Format.fixed(plan.dynamics?.maxLimitingDB ?? 0)) dB budget "
          + "(--max-limiting-db trades distortion for loudness).")
    }
  }
}
