import AlbumMaster
import AudioIO
import ArgumentParser
import Foundation
import Matching
import Reports

struct Report: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Regenerate index.html and the CSV files from a saved analysis.json, without touching audio.")

  @Argument(help: "The album (folder or file) whose report to regenerate; its folder name names the report.")
  var album: String

  @Option(help: "Folder for reports.")
  var reports: String = "Reports"

  /// Errors go through the console: one escaped line each.
  private static let console = Console(quiet: false, tableToStderr: false)

  func run() async throws {
    try await Interruption.run { try await body() }
  }

  private func body() async throws {
    let name = Album.name(ofPath: album)
    let folder = WriteGuard.reportFolder(reports: reports, album: name)
    // The album, if it is there, is an input like any other: the report folder must not lead into it.
    do {
      try WriteGuard(albums: [], inputPaths: [album]).checkRun(reports: reports, albums: [name], output: nil, masters: false, json: nil)
    } catch {
      Self.console.error(error.description)
      throw ExitCode.validationFailure
    }
    let jsonPath = (folder as NSString).appendingPathComponent(ReportFile.analysis)
    guard FileManager.default.fileExists(atPath: jsonPath) else {
      Self.console.error("\(jsonPath): no saved analysis; run analyze, check or master first")
      throw Exit.trackFailures
    }
    do {
      try await ReportFolder.withLock(folder) { try regenerate(folder) }
    } catch let e as ExitCode {
      throw e
    } catch {
      Self.console.error("\(error)")
      throw Exit.trackFailures
    }
  }

  private func regenerate(_ folder: String) throws {
    let jsonPath = (folder as NSString).appendingPathComponent(ReportFile.analysis)
    // Through InputFile: a FIFO or device planted in the report folder fails instead of hanging the read.
    guard let bytes = try? InputFile(path: jsonPath).readAll() else {
      Self.console.error("\(jsonPath): no saved analysis; run analyze, check or master first")
      throw Exit.trackFailures
    }
    let doc: AnalysisDocument
    do {
      doc = try JSONReport.decode(AnalysisDocument.self, from: Data(bytes))
    } catch {
      Self.console.error("\(jsonPath): not an analysis.json: \(error)")
      throw Exit.trackFailures
    }
    let planBytes = try? InputFile(path: (folder as NSString).appendingPathComponent(ReportFile.plan)).readAll()
    let plan = planBytes.flatMap { try? JSONReport.decode(AlbumPlan.self, from: Data($0)) }
    let written = try AlbumAnalyzer.writeReports(doc: doc, plan: plan, to: folder)
    StandardStreams.err("Wrote \(written.joined(separator: ", ").escapedForTerminal)\n")
  }
}
