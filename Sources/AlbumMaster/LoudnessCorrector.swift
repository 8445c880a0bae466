/// The render-measure-correct loop's arithmetic: given the loudness each render measured, the gain offset to
/// try next, and when to stop. Pure: no audio, no files; `TrackMastering` runs the renders.
///
/// The limiter makes loudness grow slower than gain, so from the second measurement on the step follows the
/// measured slope (a secant step), bounded to [0.25, 1] dB per dB and to ±`maxCorrectionDB` in all.
public struct LoudnessCorrector: Sendable {
  /// Loudness a pass may miss by before another render corrects it, LU.
  public var thresholdLU: Double
  /// The most the correction adds to or takes from the plan's gain, dB: past it the limiter, not the gain,
  /// would be making the loudness.
  public var maxCorrectionDB: Double
  /// Passes allowed in all (measuring passes included).
  public var maxAttempts: Int
  /// The gain offset (dB) the next pass applies on top of the plan's gain.
  public private(set) var offsetDB = 0.0
  /// Passes so far.
  public private(set) var attempts = 0
  /// The last offset tried and the loudness it gave.
  private var tried: (offsetDB: Double, lufs: Double)? = nil

  /// A corrector with no pass yet.
  public init(thresholdLU: Double, maxCorrectionDB: Double, maxAttempts: Int = 4) {
    self.thresholdLU = thresholdLU
    self.maxCorrectionDB = maxCorrectionDB
    self.maxAttempts = maxAttempts
  }

  /// Records a pass that measured `measuredLUFS` against `targetLUFS`.
  /// - Returns: whether another pass should run (the miss is over the threshold and passes remain); the next
  ///   pass then uses `offsetDB`.
  public mutating func record(measuredLUFS: Double?, targetLUFS: Double?) -> Bool {
    attempts += 1
    guard let got = measuredLUFS, let target = targetLUFS, abs(got - target) > thresholdLU else { return false }
    correct(got, target)
    return attempts < maxAttempts
  }

  /// Records a measuring pass (nothing written): it always corrects when off, and the first render follows.
  public mutating func recordMeasuringPass(measuredLUFS: Double?, targetLUFS: Double) {
    attempts += 1
    if let got = measuredLUFS, abs(got - targetLUFS) > thresholdLU { correct(got, targetLUFS) }
  }

  /// Forgets the measured slope: the next pass changed more than the gain (e.g. the compressor), so the last
  /// pair of passes says nothing about loudness per dB of gain.
  public mutating func forgetSlope() { tried = nil }

  /// Starts again from `offsetDB` (bounded), with no slope: the next pass goes back to settings measured before.
  public mutating func restart(offsetDB: Double) {
    self.offsetDB = min(maxCorrectionDB, max(-maxCorrectionDB, offsetDB))
    tried = nil
  }

  private mutating func correct(_ got: Double, _ target: Double) {
    var step = target - got
    if let tried, abs(offsetDB - tried.offsetDB) > 1e-6 {
      let slope = (got - tried.lufs) / (offsetDB - tried.offsetDB)
      if slope.isFinite { step /= min(1, max(0.25, slope)) }
    }
    tried = (offsetDB, got)
    offsetDB = min(maxCorrectionDB, max(-maxCorrectionDB, offsetDB + step))
  }
}
