import AlbumMaster
import ArgumentParser
import Foundation
import QualityControl

struct Check: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Pre-release QA: every check, a delivery preset, and codec safety; the exit code gates a pipeline.",
    discussion: """
      Writes analysis.json (with the QA), tracks.csv, bands.csv and qa.csv. Exit 0 on pass (warnings allowed), \
      1 on any failure (with --strict, on any warning too), 2 when a file could not be read.
      """)

  @Argument(help: "Album folders (or single audio files).")
  var albums: [String] = []

  @OptionGroup var common: CommonOptions

  @Option(help: "Delivery preset: \(DeliveryPreset.all.map(\.name).joined(separator: ", ")).")
  var preset: String?

  @Flag(help: "Fail on warnings too.")
  var strict = false

  @Flag(name: .customLong("no-codec"), help: "Skip the codec-safety check (encoding each track to MP3 and Opus).")
  var noCodec = false

  func validate() throws {
    if let preset, DeliveryPreset.named(preset) == nil {
      throw ValidationError("unknown preset '\(preset)'; choose from \(DeliveryPreset.all.map(\.name).joined(separator: ", "))")
    }
  }

  func run() async throws {
    try await Interruption.run { try await body() }
  }

  private func body() async throws {
    let p = preset.flatMap(DeliveryPreset.named)
    let jobs = common.jobs, codec = !noCodec
    let outcome = try await Analyze.analyzeAll(
      try common.selectAlbums(albums), common: common, temporaryFolder: codec ? NSTemporaryDirectory() : nil
    ) { analysis in
      await AlbumChecker.check(
        tracks: analysis.tracks, folder: analysis.album.path, profile: analysis.profile, preset: p, codec: codec, jobs: jobs)
    }
    if outcome.broken { throw Exit.trackFailures }
    let worst = outcome.reports.map(\.verdict).max() ?? .pass
    if worst == .fail || (strict && worst == .warn) { throw ExitCode(1) }
  }
}
