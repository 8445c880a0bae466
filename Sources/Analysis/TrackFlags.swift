/// Short labels for what stands out in a track, for tables and CSV. These are hints with fixed thresholds
/// (the defaults of the pre-release checks in measurements.md); delivery QA with presets decides pass/fail.
public enum TrackFlag: String, Sendable, CaseIterable, Codable {
  /// Runs of clipped samples.
  case clipping
  /// DC offset above −60 dBFS on some channel.
  case dc
  /// NaN or ±Inf samples (counted, measured as 0).
  case nonFinite = "non-finite"
  /// Float samples far beyond full scale (corrupt data; counted, measured as 0).
  case overRange = "over-range"
  /// More than 2 s of leading silence.
  case leadingSilence = "leading-silence"
  /// More than 5 s of trailing silence.
  case trailingSilence = "trailing-silence"
  /// Negative correlation: phase-inverted or mono-incompatible.
  case phase
  /// L/R imbalance over 1.5 dB.
  case imbalance
  /// PLR under 6 dB: over-compressed.
  case overCompressed = "over-compressed"
  /// True peak over 0 dBTP: inter-sample overs that clip a DAC or a lossy encoder.
  case truePeakOver = "true-peak-over"
  /// No integrated loudness: silent, or shorter than 400 ms.
  case noLoudness = "no-loudness"
}

extension TrackAnalysis {
  /// The flags that apply, in declaration order.
  public var flags: [TrackFlag] {
    var f: [TrackFlag] = []
    if defects.clippedRuns > 0 { f.append(.clipping) }
    if let dc = defects.maxDCOffsetDBFS, dc > -60 { f.append(.dc) }
    if defects.nonFiniteSamples > 0 { f.append(.nonFinite) }
    if (defects.overRangeSamples ?? 0) > 0 { f.append(.overRange) }
    if defects.leadingSilenceSeconds > 2 { f.append(.leadingSilence) }
    if defects.trailingSilenceSeconds > 5 { f.append(.trailingSilence) }
    if let c = stereo.correlation, c < 0 { f.append(.phase) }
    if let b = stereo.balanceDB, abs(b) > 1.5 { f.append(.imbalance) }
    if let p = dynamics.plrDB, p < 6 { f.append(.overCompressed) }
    if let tp = loudness.truePeakDBTP, tp > 0 { f.append(.truePeakOver) }
    if loudness.integratedLUFS == nil { f.append(.noLoudness) }
    return f
  }
}
