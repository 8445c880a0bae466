import AlbumMaster
import ArgumentParser
import AudioIO
import Foundation
import Matching

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
    version: albumMasterVersion,
    subcommands: [Demo.self, Analyze.self, Master.self, Render.self, Check.self, Report.self, Generate.self])

  /// ArgumentParser's entry point, with the signal handlers installed before anything else.
  static func main() async {
    Interruption.install()
    await main(nil)
  }
}

/// A bad flag or input document: one line on stderr and exit 64 (ArgumentParser's own errors add the usage text).
func usageError(_ e: InputError) -> ExitCode {
  StandardStreams.err("albummaster: error: \(e.description.escapedForTerminal)\n")
  return ExitCode(64)
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
    do throws(InputError) { try FlagChecks.jobs(jobs) } catch { throw usageError(error) }
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
        throw ValidationError("--all \(all.escapedForTerminal): \(error)")
      }
    }
    if albums.isEmpty { throw ValidationError("give at least one ALBUM, or --all DIR") }
    if let shard, let (i, n) = parsedShard(shard) { albums = albums.filter { Catalogue.inShard($0, index: i, count: n) } }
    return albums
  }
}

extension CommonOptions {
  /// Finds the album at `path`; on failure prints the one-line error and returns it for the `--json` result.
  func openAlbum(_ path: String, console: Console) -> Result<Album, AlbumError> {
    do throws(AlbumError) {
      return .success(try Album.discover(path))
    } catch {
      console.error(error.description)
      return .failure(error)
    }
  }

  /// The run's write guard, after checking every output of the run against every input (see `WriteGuard`).
  /// Every album found is protected, also one refused for sharing its folder name with another.
  /// A refusal is a usage error: its one line, then exit 64, before anything is written.
  func guardRun(
    albums: [Album], inputPaths: [String] = [], planWrittenBack: String? = nil, output: String? = nil, masters: Bool,
    temporaryFolder: String? = nil, console: Console
  ) throws -> WriteGuard {
    var writeGuard = WriteGuard(albums: albums, inputPaths: inputPaths)
    writeGuard.planWrittenBack = planWrittenBack
    var names: [String] = []
    for a in albums where !names.contains(a.name) { names.append(a.name) }
    do {
      try writeGuard.checkRun(
        reports: reports, albums: names, output: output, masters: masters, json: json == "-" ? nil : json,
        temporaryFolder: temporaryFolder)
    } catch {
      console.error(error.description)
      throw ExitCode.validationFailure
    }
    return writeGuard
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

  /// One line, whatever the names in it hold.
  func error(_ line: String) {
    if !Cancellation.isRequested { ProgressDisplay.shared.print("albummaster: error: \(line.escapedForTerminal)", always: true) }
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
