import DSP

/// The thresholds of the pre-release checks, with the defaults of measurements.md: the one table that both the
/// track flags (`TrackAnalysis.flags`, hints in tables and CSV) and delivery QA (`QualityChecks`, as
/// `QAThresholds`) read.
public struct DefectThresholds: Sendable, Hashable, Codable {
  /// A DC offset above this, on any channel, is flagged.
  public var dcOffsetDBFS = -60.0
  /// More leading silence than this is flagged.
  public var leadingSilenceSeconds = 2.0
  /// More trailing silence than this is flagged.
  public var trailingSilenceSeconds = 5.0
  /// A first or last sample at or above this is a click.
  public var clickDBFS = -30.0
  /// A correlation below this means a channel is inverted or the mix collapses in mono.
  public var minimumCorrelation = 0.0
  /// An L/R imbalance over this (either way) is flagged.
  public var imbalanceDB = 1.5
  /// A peak-to-loudness ratio under this is over-compressed.
  public var minimumPLRDB = 6.0
  /// A median short-term PSR under this is a master denser than a floor (QA `psr-floor`), dB; a preset may set
  /// its own.
  public var minimumPSRDB = 8.0
  /// A track further than this from the album's median loudness is an outlier.
  public var loudnessOutlierLU = 3.0
  /// A tonal deviation over this is an outlier.
  public var tonalOutlierDB = 3.0
  /// A step between consecutive tracks larger than this is a jump.
  public var jumpLU = 6.0
  /// Seconds at each end of a track compared for jumps.
  public var jumpWindowSeconds = 30.0
  /// The true-peak limit every track must hold: 0 dBTP by default (overs clip converters and encoders); for
  /// masters, the ceiling they were made for. A preset's ceiling applies when it is lower.
  public var defaultCeilingDBTP = 0.0

  /// The defaults.
  public init() {}

  /// The defaults, which the track flags use.
  public static let standard = DefectThresholds()

  /// Whether a track that starts or ends at `levelDBFS` (its first or last frame's largest |x|) clicks: the
  /// `click` check's condition, and where the renderer fades.
  public func isClick(levelDBFS: Double?) -> Bool { (levelDBFS ?? -.infinity) >= clickDBFS }

  /// `isClick` for a frame's largest |x| (linear; 0 is silence and never clicks).
  public func isClick(framePeak: Float) -> Bool { isClick(levelDBFS: Decibels.fromAmplitude(Double(framePeak))) }
}
