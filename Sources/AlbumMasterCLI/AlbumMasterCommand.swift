import AlbumMaster
import ArgumentParser
import AudioIO
import Foundation

/// Exit codes (architecture.md): 0 success, 1 QA failures, 2 unreadable or failed tracks, 64 usage, 74 stdout
/// could not be written, 130/143 interrupted (128 + SIGINT/SIGTERM).
enum Exit {
  static let trackFailures = ExitCode(2)
}

@main
struct AlbumMasterCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "albummaster",
    abstract: "Make the tracks of an album sound like one record, and check it before release.",
    discussion: """
      Exit codes: 0 success; 1 QA found failures; 2 one or more tracks could not be read or processed \
      (the others were); 64 usage error; 74 standard output could not be written; 130 or 143 interrupted \
      (SIGINT or SIGTERM; unfinished files are removed).
      """,
    subcommands: [Demo.self, Analyze.self, Master.self, Render.self, Check.self, Report.self, Generate.self])

  /// ArgumentParser's entry point, with the signal handlers installed before anything else.
  static func main() async {
    Interruption.install()
    await main(nil)
  }
}

/// Options shared by the album commands.
struct CommonOptions: ParsableArguments {
  @Option(name: .long, help: "Folder for reports; each album gets <reports>/<album>/.")
  var reports: String = "Reports"

  @Option(name: .long, help: "Tracks processed at once (default: the number of cores).")
  var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

  @Flag(name: .long, help: "No progress output; errors still go to stderr.")
  var quiet = false

  @Option(name: .long, help: "Also write the machine-readable result to FILE, or to stdout with '-' (the table then goes to stderr).")
  var json: String?

  @Flag(name: .long, help: "Redo everything: ignore cached analyses and masters.")
  var force = false

  @Option(name: .long, help: "Every subfolder of DIR that holds audio is an album (added to any ALBUM arguments).")
  var all: String?

  @Option(name: .long, help: "Take only shard I of N (0 <= I < N) of the albums, by a stable hash of their folder names; for splitting a catalogue across machines.")
  var shard: String?

  func validate() throws {
    guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    if let shard {
      guard parsedShard(shard) != nil else { throw ValidationError("--shard takes I/N with 0 <= I < N, e.g. 3/10") }
    }
  }

  func parsedShard(_ s: String) -> (index: Int, count: Int)? {
    let parts = s.split(separator: "/")
    guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else { return nil }
    return (i, n)
  }

  /// The albums to process: the arguments, then `--all`'s subfolders, then the shard's share. An unreadable
  /// `--all` folder is a usage error.
  func selectAlbums(_ arguments: [String]) throws -> [String] {
    var albums = arguments
    if let all {
      do {
        albums += try Catalogue.albums(under: all)
      } catch {
        throw ValidationError("--all \(all): \((error as NSError).localizedDescription)")
      }
    }
    if albums.isEmpty { throw ValidationError("give at least one ALBUM, or --all DIR") }
    if let shard, let (i, n) = parsedShard(shard) { albums = albums.filter { Catalogue.inShard($0, index: i, count: n) } }
    return albums
  }
}

extension CommonOptions {
  /// Finds the album at `path` and checks that the reports would not land inside it; on failure prints the
  /// one-line error and returns it for the `--json` result.
  func openAlbum(_ path: String, console: Console) -> Result<Album, AlbumError> {
    do throws(AlbumError) {
      let album = try Album.discover(path)
      try OutputPaths.checkOutside(album: album, output: reports)
      return .success(album)
    } catch {
      console.error(error.description)
      return .failure(error)
    }
  }
}

/// Terminal output: progress and tables, and one-line errors that always show.
struct Console {
  var quiet: Bool
  var tableToStderr: Bool

  /// After an interruption the workers' "interrupted" failures are not news: `Interruption` says it in one line.
  func progress(_ line: String) {
    if !quiet && !Cancellation.isRequested { ProgressDisplay.shared.print(line) }
  }

  func error(_ line: String) {
    if !Cancellation.isRequested { ProgressDisplay.shared.print("albummaster: error: \(line)", always: true) }
  }

  func table(_ text: String) {
    if tableToStderr {
      ProgressDisplay.shared.print(text, always: true)
    } else {
      ProgressDisplay.shared.clearLiveArea()
      StandardStreams.out(text)
    }
  }
}
