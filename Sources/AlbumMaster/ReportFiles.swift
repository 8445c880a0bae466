/// The fixed names of the files a run writes into an album's report folder: one list, used both to write them
/// and by the write guard to refuse a run whose report would replace one of its own inputs (a `--profile` or
/// `--plan` read from the very report folder the run writes).
public enum ReportFile {
  /// The analysis document.
  public static let analysis = "analysis.json"
  /// The album's tonal profile.
  public static let profile = "profile.json"
  /// The per-track table.
  public static let tracks = "tracks.csv"
  /// The per-band table.
  public static let bands = "bands.csv"
  /// The QA verdicts (when a preset or masters were checked).
  public static let qa = "qa.csv"
  /// The HTML report.
  public static let index = "index.html"
  /// The mastering plan (after `master` or `render`).
  public static let plan = "plan.json"
  /// The sources' analysis and QA of an `analyze` or `check` run beside a master report (`SourceCheckReport`).
  public static let sourceAnalysis = "source-analysis.json"
  /// The QA verdicts of that run, beside the master's own qa.csv.
  public static let sourceQA = "source-qa.csv"
  /// Every name above, each once.
  public static let all = [analysis, profile, tracks, bands, qa, index, plan, sourceAnalysis, sourceQA]
}
