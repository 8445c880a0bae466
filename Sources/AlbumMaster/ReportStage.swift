import AudioIO
import Foundation
import Matching
import QualityControl
import Reports

/// QA: the album's checks, the preset and codec safety, on the verified masters.
enum QAStage {
  /// Nil when no master was verified.
  static func run(_ run: AlbumContext, masters: [MasterResult], profile: AlbumProfile) async -> QAReport? {
    let verified = masters.compactMap(\.analysis)
    guard !verified.isEmpty else { return nil }
    return await AlbumChecker.check(
      tracks: verified, folder: run.mastersFolder, profile: profile, preset: run.options.preset,
      codec: run.options.preset != nil, jobs: run.options.jobs)
  }
}

/// Report: the album's report folder and its files.
enum ReportStage {
  /// Makes the report folder, sweeps what a killed run left, and writes plan.json and profile.json.
  /// - Returns: the paths written.
  static func begin(_ run: AlbumContext, plan: AlbumPlan) throws -> [String] {
    let folder = run.reportFolder
    try ReportFolder.create(folder, role: "the report folder")
    StaleFiles.sweep(reportsFolder: run.reportsFolder, album: run.album.name, output: run.options.outputFolder)
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
    return try AlbumAnalyzer.writeReports(doc: doc, plan: plan, to: run.reportFolder).filter { !written.contains($0) }
  }

  private static func write(_ data: Data, _ folder: String, _ name: String) throws -> String {
    let path = (folder as NSString).appendingPathComponent(name)
    try AtomicFile.write(data, to: path)
    return path
  }
}
