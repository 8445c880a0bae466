import AudioIO
import Foundation
import Matching
import Reports

/// `analyze` and `check` on an album whose report folder holds a master report (from `master` or `render`):
/// nothing the master wrote is replaced. The run's document goes beside it, in `source-analysis.json` (the
/// sources' analysis and QA) and `source-qa.csv`, and `index.html` is made again from the master's own
/// analysis.json and plan.json with a "QA of the sources" section added: the before/after, the players, the
/// masters' links and the catalogue's "mastered" stay. The next `master` replaces the whole report, these with it.
public enum SourceCheckReport {
  /// The files an `analyze` or `check` writes beside a master report.
  public static let sideFiles = [ReportFile.sourceAnalysis, ReportFile.sourceQA]

  /// Whether `folder` holds a master report: a plan.json (the first file every `master` and `render` writes),
  /// or an analysis.json with masters.
  public static func holdsMasterReport(_ folder: String) -> Bool { masterReport(in: folder).holds }

  /// Whether `folder` holds a master report, and its analysis.json when that can be read.
  private static func masterReport(in folder: String) -> (holds: Bool, doc: AnalysisDocument?) {
    let doc = document(path(folder, ReportFile.analysis))
    return (exists(path(folder, ReportFile.plan)) || doc?.masters != nil, doc)
  }

  /// The sources' document saved beside the master report in `folder`; nil when there is none or it cannot be read.
  public static func saved(in folder: String) -> AnalysisDocument? {
    document(path(folder, ReportFile.sourceAnalysis))
  }

  /// Writes the document of an `analyze` or `check` run into the album's report folder `folder` (which the
  /// caller has locked): the usual report files, or, when `folder` holds a master report, the side files and the
  /// master's page with the sources' section (no page when the master's analysis.json cannot be read).
  /// - Returns: the paths written, and whether a master report was found and kept.
  static func write(doc: AnalysisDocument, to folder: String) throws -> (written: [String], keptMaster: Bool) {
    let found = masterReport(in: folder)
    guard found.holds else { return (try AlbumAnalyzer.writeReports(doc: doc, to: folder), false) }
    var saved = doc
    saved.cache = nil  // as in analysis.json: the run's counters go to the `--json` result only
    var written = [try put(JSONReport.encode(saved), folder, ReportFile.sourceAnalysis)]
    if let qa = doc.qa {
      written.append(try put(Data(try CSVReport.qa(qa).utf8), folder, ReportFile.sourceQA))
    } else {
      try remove(path(folder, ReportFile.sourceQA))  // not left to describe an older run
    }
    if let master = found.doc {
      let plan = InputFile.contents(atPath: path(folder, ReportFile.plan)).flatMap { try? JSONReport.decode(AlbumPlan.self, from: $0) }
      let absolute = URL(fileURLWithPath: folder).standardizedFileURL.path
      let page = try HTMLReport.render(doc: master, plan: plan, reportFolder: absolute, sourceCheck: saved)
      written.append(try put(Data(page.utf8), folder, ReportFile.index))
    }
    return (written, true)
  }

  /// Removes the side files of `folder`: `master` replaces the report they were attached to.
  static func removeSideFiles(in folder: String) throws {
    for name in sideFiles { try remove(path(folder, name)) }
  }

  private static func path(_ folder: String, _ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

  /// Through InputFile: a FIFO or device planted in the report folder is not a document instead of a hang.
  private static func document(_ path: String) -> AnalysisDocument? {
    InputFile.contents(atPath: path).flatMap { try? JSONReport.decode(AnalysisDocument.self, from: $0) }
  }

  /// Whether anything, even a dangling symbolic link, is at `path`.
  private static func exists(_ path: String) -> Bool { (try? FileManager.default.attributesOfItem(atPath: path)) != nil }

  private static func put(_ data: Data, _ folder: String, _ name: String) throws -> String {
    let p = path(folder, name)
    try AtomicFile.write(data, to: p)
    return p
  }

  /// Removes the entry at `path` itself (a symbolic link, not what it points to); nothing there is fine.
  private static func remove(_ path: String) throws {
    guard exists(path) else { return }
    try FileManager.default.removeItem(atPath: path)
  }
}
