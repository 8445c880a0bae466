import Analysis
import Rendering

/// Whether a master met its plan (written to analysis.json as `ok`, `missed` or `unverified`).
public enum MasterVerdict: String, Codable, Sendable, Hashable {
  /// Loudness within 0.3 LU of the plan and no true peak over the ceiling.
  case ok
  /// Loudness off by more than 0.3 LU, or a true peak over the ceiling.
  case missed
  /// Rendered with `--no-verify`: not measured.
  case unverified
}

/// One master: how it was made and what it measures (the "after" of before/after).
public struct MasterResult: Codable, Sendable, Hashable {
  /// The source file, relative to the album.
  public var file: String
  /// The master's path, relative to the album's report folder when it lies inside it.
  public var master: String
  /// The loudness the plan asked for; `nil` for a silent track.
  @NullCoded public var plannedLUFS: Double?
  /// The true-peak ceiling of the track's plan, dBTP: the verdict holds the master to it.
  public var ceilingDBTP: Double
  /// Passes over the source needed to land the loudness within 0.05 LU: renders, plus one measuring pass
  /// (nothing written) first when the limiter was expected to take loudness, and the renders a lossy decode over
  /// the ceiling asked for (`render.codecCeiling`). 1 when the first render landed.
  public var attempts: Int
  /// What the render did (format, stages, limiter, applied gain).
  public var render: RenderReport
  /// The master analysed with the same code as the source, tonal deviation against the album profile;
  /// `nil` when rendered with `--no-verify`.
  @NullCoded public var analysis: TrackAnalysis?
  /// `ok`; `missed` when loudness is off by more than 0.3 LU or the true peak is over the ceiling;
  /// `unverified` when rendered with `--no-verify`.
  public var verdict: MasterVerdict
  /// Why, when missed.
  @NullCoded public var message: String?
  /// Set in memory while a run tells cached masters from rendered ones; never written.
  public var reused: Bool?
  /// album.yaml's delivery variants of this track, as rendered (a lossy one with its `codecCeiling`); `nil`
  /// without variants.
  @NullCoded public var variants: [RenderReport]? = nil

  private enum CodingKeys: String, CodingKey {
    case file, master, plannedLUFS, ceilingDBTP, attempts, render, analysis, verdict, message
    case variants
  }

  /// A result; `analysis` nil when not verified, `message` nil unless missed.
  public init(
    file: String, master: String, plannedLUFS: Double?, ceilingDBTP: Double, attempts: Int, render: RenderReport,
    analysis: TrackAnalysis?, verdict: MasterVerdict, message: String?
  ) {
    self.file = file
    self.master = master
    self.plannedLUFS = plannedLUFS
    self.ceilingDBTP = ceilingDBTP
    self.attempts = attempts
    self.render = render
    self.analysis = analysis
    self.verdict = verdict
    self.message = message
  }
}
