import AlbumMaster
import ArgumentParser
import Foundation
import Reports

struct Analyze: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure every track: loudness, true peak, spectrum, stereo, dynamics and defects.",
    discussion: """
      Writes <reports>/<album>/analysis.json, profile.json, tracks.csv and bands.csv, and prints a table. \
      An ALBUM is a folder of tracks, or a single audio file.
      """)

  @Argument(help: "Album folders (or single audio files).")
  var albums: [String]

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
    let console = Console(quiet: common.quiet, tableToStderr: common.json == "-")
    var result = Result(albums: [], failures: [])
    var failed = false
    for path in albums {
      let album: Album
      do {
        album = try Album.discover(path)
        try OutputPaths.checkOutside(album: album, output: common.reports)
      } catch {
        console.error(error.description)
        result.failures.append(.init(file: path, error: error.reason))
        failed = true
        continue
      }
      console.progress("Analysing \(album.name): \(album.files.count) track\(album.files.count == 1 ? "" : "s")")
      let analysis = await AlbumAnalyzer.analyze(album, jobs: common.jobs) { event in
        if case .failed(let f) = event { console.error("\(album.path(of: f.file)): \(f.error)") }
      }
      failed = failed || !analysis.failures.isEmpty
      let folder = (common.reports as NSString).appendingPathComponent(album.name)
      do {
        let written = try AlbumAnalyzer.writeReports(analysis, to: folder)
        console.table(TextTable.render(tracks: analysis.tracks, failures: analysis.failures))
        console.progress("Wrote \(written.joined(separator: ", "))")
      } catch {
        console.error("\(error)")
        failed = true
      }
      result.albums.append(analysis.document)
    }
    if let json = common.json {
      let data = try JSONReport.encode(result)
      if json == "-" {
        FileHandle.standardOutput.write(data)
      } else {
        try AtomicFile.write(data, to: json)
      }
    }
    if failed { throw Exit.trackFailures }
  }
}
