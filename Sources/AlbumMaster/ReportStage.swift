import AudioIO
import Foundation
import Matching
import QualityControl
import Reports

/// QA: the album's checks, the preset and codec safety, on the verified masters.
enum QAStage {
  /// The true-peak check holds the masters to the ceiling they were made for (the lower of it and a preset's).
  /// Nil when no master was verified.
  static func run(_ run: AlbumContext, masters: [MasterResult], plan: AlbumPlan) async -> QAReport? {
    let verified = masters.compactMap(\.analysis)
    guard !verified.isEmpty else { return nil }
    var thresholds = QAThresholds.standard
    // An edited plan may give tracks their own ceilings: the highest of them, so none is held to another's.
    if let made = plan.tracks.filter(\.limiter).map(\.ceilingDBTP).max() {
      thresholds.defaultCeilingDBTP = min(thresholds.defaultCeilingDBTP, made)
    }
    let emit = run.onEvent
    // The limiting check: each master's limiter against its plan's budget.
    let budgets = Dictionary(plan.tracks.compactMap { t in t.dynamics.map { (t.file, $0.maxLimitingDB) } }, uniquingKeysWith: { a, _ in a })
    var limiting: [String: LimiterLoad] = [:]
    for m in masters {
      guard let budget = budgets[m.file], let p99 = m.render.limiterP99GainReductionDB else { continue }
      limiting[m.analysis?.file ?? m.file] = LimiterLoad(
        p99GainReductionDB: p99, budgetDB: budget, over1DBShare: m.render.limiterOver1DBShare ?? 0,
        over3DBShare: m.render.limiterOver3DBShare ?? 0)
    }
    return await AlbumChecker.check(
      tracks: verified, folder: run.mastersFolder, profile: plan.profile, preset: run.options.preset,
      thresholds: thresholds, codec: run.options.preset != nil, jobs: run.options.jobs, limiting: limiting
    ) { emit(.track($0)) }
  }
}

/// Report: the album's report folder and its files.
enum ReportStage {
  /// Makes the report folder, sweeps what a killed run left and the sources' check of the report it replaces,
  /// and writes plan.json and profile.json.
  /// - Returns: the paths written.
  static func begin(_ run: AlbumContext, plan: AlbumPlan) throws -> [String] {
    let folder = run.reportFolder
    try ReportFolder.create(folder, role: "the report folder")
    StaleFiles.sweep(reportsFolder: run.reportsFolder, album: run.album.name, output: run.options.outputFolder)
    // An earlier `analyze` or `check` of the sources was attached to the report this run replaces.
    try SourceCheckReport.removeSideFiles(in: folder)
    return [
      try write(JSONReport.encode(plan), folder, ReportFile.plan),
      try write(JSONReport.encode(plan.profile), folder, ReportFile.profile),
    ]
  }

  /// Writes analysis.json (with the masters and QA), the CSVs and index.html.
  /// - Returns: the paths written that `written` does not hold yet.
  static func finish(
    _ run: AlbumContext, analysis: AlbumAnalysis, plan: AlbumPlan, masters: [MasterResult], qa: QAReport?,
    written: [String]
  ) throws -> [String] {
    var doc = analysis.document
    doc.masters = run.options.planOnly ? nil : masters
    doc.qa = qa
    // plan.json again, as the renders settled it: rendering it gives the same masters.
    let planPath = try write(JSONReport.encode(plan), run.reportFolder, ReportFile.plan)
    return try ([planPath] + AlbumAnalyzer.writeReports(doc: doc, plan: plan, to: run.reportFolder)).filter { !written.contains($0) }
  }

  private static func write(_ data: Data, _ folder: String, _ name: String) throws -> String {
    let path = (folder as NSString).appendingPathComponent(name)
    try AtomicFile.write(data, to: path)
    return path
  }
}
