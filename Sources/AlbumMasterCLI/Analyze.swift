import AlbumMaster
import ArgumentParser
import AudioIO
import Foundation
import QualityControl
import Reports

struct Analyze: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure every track: loudness, true peak, spectrum, stereo, dynamics and defects.",
    discussion: """
      Writes <reports>/<album>/analysis.json, profile.json, tracks.csv and bands.csv, and prints a table. \
      An ALBUM is a folder of tracks, or a single audio file.
      """)

  @Argument(help: "Album folders (or single audio files).")
  var albums: [String] = []

  @OptionGroup var common: CommonOptions

  /// The `--json` result: every album's document plus album-level failures (missing path, no audio).
  struct Result: Encodable {
    var schemaVersion = AnalysisDocument.currentSchemaVersion
    var albums: [AnalysisDocument]
    var failures: [Failure]
    struct Failure: Encodable {
      var file: String
      var error: String
    }
  }

  func run() async throws {
    try await Interruption.run { try await body() }
  }

  private func body() async throws {
    let outcome = try await Self.analyzeAll(try common.selectAlbums(albums), common: common) { analysis in
      QualityChecks.run(tracks: analysis.tracks, profile: analysis.profile, preset: nil)
    }
    if outcome.broken { throw Exit.trackFailures }
  }

  /// Analyses every album, lets `qa` judge each, writes the reports and the `--json` result. Each album's report
  /// folder is locked while it is worked on; one that another run holds fails that album (exit 2).
  /// - Returns: the QA reports, and whether any track or album could not be read.
  /// - Throws: `ExitCode.validationFailure` when the write guard refuses an output (nothing is written).
  static func analyzeAll(
    _ albums: [String], common: CommonOptions, temporaryFolder: String? = nil, qa: (AlbumAnalysis) async -> QAReport?
  ) async throws -> (reports: [QAReport], broken: Bool) {
    let console = Console(quiet: common.quiet, tableToStderr: common.json == "-")
    ProgressDisplay.shared.configure(quiet: common.quiet)
    defer { ProgressDisplay.shared.end() }
    var result = Result(albums: [], failures: [])
    var failed = false
    var reports: [QAReport] = []
    var found: [Album] = []
    for path in albums {
      switch common.openAlbum(path, console: console) {
      case .success(let a): found.append(a)
      case .failure(let error):
        result.failures.append(.init(file: path, error: error.reason))
        failed = true
      }
    }
    let writeGuard = try common.guardRun(albums: found, masters: false, temporaryFolder: temporaryFolder, console: console)
    for album in found {
      let folder = WriteGuard.reportFolder(reports: common.reports, album: album.name)
      StaleFiles.sweep(reportsFolder: common.reports, album: album.name)
      do {
        try await ReportFolder.withLock(folder) {
          try await analyzeOne(album, folder: folder, common: common, console: console, qa: qa, result: &result, reports: &reports, failed: &failed)
        }
        if Cancellation.isRequested { break }
      } catch {
        console.error("\(error)")
        failed = true
      }
    }
    if Cancellation.isRequested { return (reports, true) }
    if !result.albums.isEmpty, let index = try? Catalogue.writeIndex(reportsFolder: common.reports) {
      console.progress("Catalogue: \(index)")
    }
    if let json = common.json {
      do {
        let data = try JSONReport.encode(result)
        if json == "-" {
          StandardStreams.out(data)
        } else {
          try writeGuard.writeResult(data, to: json)
        }
      } catch {
        console.error("\(error)")
        failed = true
      }
    }
    return (reports, failed)
  }

  /// One album, its report folder locked: analysis, QA, reports, its lines on the console.
  static func analyzeOne(
    _ album: Album, folder: String, common: CommonOptions, console: Console, qa: (AlbumAnalysis) async -> QAReport?,
    result: inout Result, reports: inout [QAReport], failed: inout Bool
  ) async throws {
    console.progress("Analysing \(album.name.escapedForTerminal): \(album.files.count) track\(album.files.count == 1 ? "" : "s")")
    let cache = ResultCache(reportFolder: folder, readable: !common.force)
    ProgressDisplay.shared.begin(units: album.files.count)
    let analysis = await AlbumAnalyzer.analyze(album, jobs: common.jobs, cache: cache) { event in
      ProgressDisplay.shared.handle(event)
      if case .failed(let f) = event { console.error("\(album.path(of: f.file)): \(f.error)") }
    }
    if Cancellation.isRequested { return }  // an interrupted analysis writes no reports
    failed = failed || !analysis.failures.isEmpty
    var doc = analysis.document
    doc.qa = await qa(analysis)
    if Cancellation.isRequested { return }
    if let r = doc.qa { reports.append(r) }
    do {
      let written = try AlbumAnalyzer.writeReports(doc: doc, to: folder)
      console.table(TextTable.render(tracks: analysis.tracks, failures: analysis.failures))
      if let r = doc.qa { console.table(TextTable.render(qa: r)) }
      console.progress("Wrote \(written.joined(separator: ", ").escapedForTerminal)")
    } catch {
      console.error("\(error)")
      failed = true
    }
    result.albums.append(doc)
  }
}
