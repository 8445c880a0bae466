import AlbumMaster
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

  func run() async throws {
    try await Interruption.run { try body() }
  }

  private func body() throws {
    let name = URL(fileURLWithPath: album).standardizedFileURL.deletingPathExtension().lastPathComponent
    let folder = (reports as NSString).appendingPathComponent(name)
    let jsonPath = (folder as NSString).appendingPathComponent("analysis.json")
    guard let data = FileManager.default.contents(atPath: jsonPath) else {
      StandardStreams.err("albummaster: error: \(jsonPath): no saved analysis; run analyze, check or master first\n")
      throw Exit.trackFailures
    }
    let doc: AnalysisDocument
    do {
      doc = try JSONReport.decode(AnalysisDocument.self, from: data)
    } catch {
      StandardStreams.err("albummaster: error: \(jsonPath): not an analysis.json: \(error)\n")
      throw Exit.trackFailures
    }
    let plan = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent("plan.json"))
      .flatMap { try? JSONReport.decode(AlbumPlan.self, from: $0) }
    let written = try AlbumAnalyzer.writeReports(doc: doc, plan: plan, to: folder)
    StandardStreams.out("Wrote \(written.joined(separator: ", "))\n")
  }
}
