import AlbumMaster
import ArgumentParser
import AudioIO
import Foundation
import Matching
import Reports

/// Exit codes (architecture.md): 0 success, 1 QA failures, 2 unreadable or failed tracks (`RunStatus`), 64 usage,
/// 74 stdout could not be written, 130/143 interrupted (128 + SIGINT/SIGTERM).
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
  @Option(name: .long, help: ArgumentHelp("Folder for reports; each album gets DIR/<album>/.", valueName: "DIR"))
  var reports: String = "Reports"

  @Option(name: [.short, .long], parsing: .unconditional, help: ArgumentHelp("Tracks processed at once (default: the number of cores).", valueName: "N"))
  var jobs: Int?

  /// `--jobs`, or the number of cores.
  var jobCount: Int { jobs ?? ProcessInfo.processInfo.activeProcessorCount }

  @Flag(name: [.short, .long], help: "No progress output; errors still go to stderr.")
  var quiet = false

  @Option(name: .long, help: ArgumentHelp("Also write the machine-readable result to FILE, or to stdout with '-' (the table then goes to stderr).", valueName: "FILE"))
  var json: String?

  @Flag(name: .long, help: "Redo everything: ignore cached analyses and masters.")
  var force = false

  @Option(name: .long, help: ArgumentHelp("Every subfolder of DIR that holds audio is an album (added to any ALBUM arguments).", valueName: "DIR"))
  var all: String?

  @Option(name: .long, help: ArgumentHelp("Take only shard I of N (0 <= I < N) of the albums, by a stable hash of their folder names; for splitting a catalogue across machines.", valueName: "I/N"))
  var shard: String?

  func validate() throws {
    do throws(InputError) { try FlagChecks.jobs(jobCount) } catch { throw usageError(error) }
    if let shard {
      guard parsedShard(shard) != nil else { throw ValidationError("--shard takes I/N with 0 <= I < N, e.g. 3/10") }
    }
  }

  func parsedShard(_ s: String) -> (index: Int, count: Int)? {
    let parts = s.split(separator: "/")
    guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else { return nil }
    return (i, n)
  }

  /// The albums to process (`AlbumBatch.select`); a problem is a usage error.
  func selectAlbums(_ arguments: [String]) throws -> [String] {
    do throws(InputError) {
      return try AlbumBatch.select(arguments, all: all, shard: shard.flatMap(parsedShard))
    } catch {
      throw ValidationError(error.problem.hasPrefix("give at least") ? error.problem : error.description.escapedForTerminal)
    }
  }

  /// Puts the shared options into a request.
  func fill(_ request: inout MasterRequest) {
    request.reportsFolder = reports
    request.jobs = jobCount
    request.useCache = !force
    request.jsonPath = json
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

  /// Shows one event of a run.
  @Sendable func show(_ event: RunEvent) {
    switch event {
    case .track(let e): ProgressDisplay.shared.handle(e)
    case .albumStarted(_, _, _, let units):
      progress(event.message.escapedForTerminal)
      ProgressDisplay.shared.begin(units: units)
    case .albumFinished(let run):
      if let outcome = run.outcome {
        table(outcome.table(planOnly: run.document?.masters == nil))
      } else if let doc = run.document {
        table(TextTable.render(tracks: doc.tracks, failures: doc.failures))
      }
      if let qa = run.document?.qa { table(TextTable.render(qa: qa)) }
      progress(event.message.escapedForTerminal)
    case let e where e.isError: error(e.message)
    default: progress(event.message.escapedForTerminal)
    }
  }

  /// Runs a batch; a request it refuses is a usage error (one line, exit 64).
  func run(_ body: () async throws(RunError) -> BatchOutcome) async throws -> BatchOutcome {
    do throws(RunError) {
      return try await body()
    } catch {
      self.error(error.description)
      throw ExitCode.validationFailure
    }
  }

  /// Prints the `--json` result asked for on stdout, and exits as the run's status says.
  func finish(_ outcome: BatchOutcome) throws {
    if let data = outcome.resultForStandardOutput { StandardStreams.out(data) }
    if outcome.status != .ok { throw ExitCode(outcome.status.rawValue) }
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
