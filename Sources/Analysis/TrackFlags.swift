/// Short labels for what stands out in a track, for tables and CSV. These are hints under the default thresholds
/// of the pre-release checks (`DefectThresholds`, the table QA reads too); delivery QA with presets decides pass/fail.
/// Each threshold named below is a `DefectThresholds` field.
public enum TrackFlag: String, Sendable, CaseIterable, Codable {
  /// Runs of clipped samples.
  case clipping
  /// DC offset above `dcOffsetDBFS` on some channel.
  case dc
  /// NaN or ±Inf samples (counted, measured as 0).
  case nonFinite = "non-finite"
  /// Float samples far beyond full scale (corrupt data; counted, measured as 0).
  case overRange = "over-range"
  /// More than `leadingSilenceSeconds` of leading silence.
  case leadingSilence = "leading-silence"
  /// More than `trailingSilenceSeconds` of trailing silence.
  case trailingSilence = "trailing-silence"
  /// Correlation under `minimumCorrelation` (0): phase-inverted or mono-incompatible.
  case phase
  /// L/R imbalance over `imbalanceDB`.
  case imbalance
  /// PLR under `minimumPLRDB`: over-compressed.
  case overCompressed = "over-compressed"
  /// True peak over `defaultCeilingDBTP` (0 dBTP): inter-sample overs that clip a DAC or a lossy encoder.
  case truePeakOver = "true-peak-over"
  /// No integrated loudness: silent, or shorter than 400 ms.
  case noLoudness = "no-loudness"
}

extension TrackAnalysis {
  /// The flags that apply under the default thresholds (`DefectThresholds.standard`), in declaration order.
  public var flags: [TrackFlag] { flags(thresholds: .standard) }

  /// The flags that apply under `t`, in declaration order.
  public func flags(thresholds t: DefectThresholds) -> [TrackFlag] {
    var f: [TrackFlag] = []
    if defects.clippedRuns > 0 { f.append(.clipping) }
    if let dc = defects.maxDCOffsetDBFS, dc > t.dcOffsetDBFS { f.append(.dc) }
    if defects.nonFiniteSamples > 0 { f.append(.nonFinite) }
    if (defects.overRangeSamples ?? 0) > 0 { f.append(.overRange) }
    if defects.leadingSilenceSeconds > t.leadingSilenceSeconds { f.append(.leadingSilence) }
    if defects.trailingSilenceSeconds > t.trailingSilenceSeconds { f.append(.trailingSilence) }
    if let c = stereo.correlation, c < t.minimumCorrelation { f.append(.phase) }
    if let b = stereo.balanceDB, abs(b) > t.imbalanceDB { f.append(.imbalance) }
    if let p = dynamics.plrDB, p < t.minimumPLRDB { f.append(.overCompressed) }
    if let tp = loudness.truePeakDBTP, tp > t.defaultCeilingDBTP { f.append(.truePeakOver) }
    if loudness.integratedLUFS == nil { f.append(.noLoudness) }
    return f
  }
}
