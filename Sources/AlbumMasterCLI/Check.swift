import AlbumMaster
import ArgumentParser
import Foundation
import Matching
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
  @OptionGroup var selection: AlbumSelection

  @Option(help: "Delivery preset: \(DeliveryPreset.all.map(\.name).joined(separator: ", ")).")
  var preset: String?

  @Flag(help: "Fail on warnings too.")
  var strict = false

  @Flag(name: .customLong("no-codec"), help: "Skip the codec-safety check (encoding each track to MP3 and Opus).")
  var noCodec = false

  func run() async throws {
    try await Interruption.run {
      let p: DeliveryPreset?
      do throws(InputError) { p = try MasterRequest.preset(named: preset) } catch { throw usageError(error) }
      try await Analyze.run(
        try selection.selectAlbums(albums), common: common, judgement: .qa(preset: p, codec: !noCodec, strict: strict))
    }
  }
}
