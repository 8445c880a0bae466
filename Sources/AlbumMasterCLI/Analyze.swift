import AlbumMaster
import ArgumentParser
import AudioIO
import Foundation

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
  @OptionGroup var selection: AlbumSelection

  func run() async throws {
    try await Interruption.run {
      try await Self.run(try selection.selectAlbums(albums), common: common, judgement: .checks)
    }
  }

  /// The shared body of `analyze` and `check`: run the library, print its events and the summary.
  static func run(_ albums: [String], common: CommonOptions, judgement: AlbumBatch.Judgement) async throws {
    let console = Console(quiet: common.quiet, tableToStderr: common.json == "-", machineOutput: common.json != nil)
    ProgressDisplay.shared.configure(quiet: common.quiet)
    defer { ProgressDisplay.shared.end() }
    let outcome = try await console.run { () async throws(RunError) -> BatchOutcome in
      try await AlbumBatch.analyze(
        albums, reportsFolder: common.reports, jobs: common.jobCount, useCache: !common.force, jsonPath: common.json,
        judgement: judgement, onEvent: console.show)
    }
    if Cancellation.isRequested { return }
    console.summary(outcome.summary(reportsFolder: common.reports))
    try console.finish(outcome)
  }
}
