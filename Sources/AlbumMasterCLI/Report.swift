import AlbumMaster
import ArgumentParser
import AudioIO
import Foundation

struct Report: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Regenerate index.html and the CSV files from a saved analysis.json, without touching audio.")

  @Argument(help: "The album (folder or file) whose report to regenerate; its folder name names the report.")
  var album: String

  @Option(help: "Folder for reports.")
  var reports: String = "Reports"

  func run() async throws {
    try await Interruption.run {
      let console = Console(quiet: false, tableToStderr: false)
      do throws(RegenerationError) {
        let written = try await ReportRegeneration.regenerate(albumPath: album, reportsFolder: reports)
        StandardStreams.err("Wrote \(written.joined(separator: ", ").escapedForTerminal)\n")
      } catch {
        console.error(error.description)
        if case .refused = error { throw ExitCode.validationFailure }
        throw ExitCode(RunStatus.failed.rawValue)
      }
    }
  }
}
