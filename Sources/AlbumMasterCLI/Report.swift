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
    let name = Album.name(ofPath: album)
    let folder = (reports as NSString).appendingPathComponent(name)
    let jsonPath = (folder as NSString).appendingPathComponent("analysis.json")
    guard let data = FileManager.default.contents(atPath: jsonPath) else {
      Self.console.error("\(jsonPath): no saved analysis; run analyze, check or master first")
      throw Exit.trackFailures
    }
    let doc: AnalysisDocument
    do {
      doc = try JSONReport.decode(AnalysisDocument.self, from: data)
    } catch {
      Self.console.error("\(jsonPath): not an analysis.json: \(error)")
      throw Exit.trackFailures
    }
    let plan = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent("plan.json"))
      .flatMap { try? JSONReport.decode(AlbumPlan.self, from: $0) }
    let written = try AlbumAnalyzer.writeReports(doc: doc, plan: plan, to: folder)
    print("Wrote \(written.joined(separator: ", ").escapedForTerminal)")
  }
}
