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
    let name = URL(fileURLWithPath: album).standardizedFileURL.deletingPathExtension().lastPathComponent
    let folder = WriteGuard.reportFolder(reports: reports, album: name)
    // The album, if it is there, is an input like any other: the report folder must not lead into it.
    let console = Console(quiet: false, tableToStderr: false)
    do {
      try WriteGuard(albums: [], inputPaths: [album]).checkRun(reports: reports, albums: [name], output: nil, masters: false, json: nil)
    } catch {
      console.error(error.description)
      throw ExitCode.validationFailure
    }
    let jsonPath = (folder as NSString).appendingPathComponent("analysis.json")
    guard FileManager.default.fileExists(atPath: jsonPath) else {
      console.error("\(jsonPath): no saved analysis; run analyze, check or master first")
      throw Exit.trackFailures
    }
    do {
      try await ReportFolder.withLock(folder) { try regenerate(folder) }
    } catch let e as ExitCode {
      throw e
    } catch {
      console.error("\(error)")
      throw Exit.trackFailures
    }
  }

  private func regenerate(_ folder: String) throws {
    let jsonPath = (folder as NSString).appendingPathComponent("analysis.json")
    guard let data = FileManager.default.contents(atPath: jsonPath) else {
      FileHandle.standardError.write(Data("albummaster: error: \(jsonPath): no saved analysis; run analyze, check or master first\n".utf8))
      throw Exit.trackFailures
    }
    let doc: AnalysisDocument
    do {
      doc = try JSONReport.decode(AnalysisDocument.self, from: data)
    } catch {
      FileHandle.standardError.write(Data("albummaster: error: \(jsonPath): not an analysis.json: \(error)\n".utf8))
      throw Exit.trackFailures
    }
    let plan = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent("plan.json"))
      .flatMap { try? JSONReport.decode(AlbumPlan.self, from: $0) }
    let written = try AlbumAnalyzer.writeReports(doc: doc, plan: plan, to: folder)
    print("Wrote \(written.joined(separator: ", "))")
  }
}
