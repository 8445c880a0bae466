#if canImport(Glibc)
import Glibc
#endif
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

  /// ArgumentParser's entry point, with the signal handlers installed before anything else. Errors end through
  /// `fail`, which knows the command they belong to.
  static func main() async {
    Interruption.install()
    let arguments = Array(CommandLine.arguments.dropFirst())
    var command: any ParsableCommand
    do {
      command = try await asyncParseAsRoot(arguments)
    } catch {
      fail(error, command: UsageProblem.command(in: arguments), arguments: arguments)
    }
    do {
      if var c = command as? any AsyncParsableCommand { try await c.run() } else { try command.run() }
    } catch {
      fail(error, command: type(of: command), arguments: arguments)
    }
  }

  /// A usage problem (a parser error or a `ValidationError`, exit 64) in the short form: one error line, the
  /// usage line of the command it belongs to (not the top level's), a hint to its --help. Everything else (help,
  /// --version, an exit code after a printed line) goes through ArgumentParser as before.
  static func fail(_ error: any Error, command: any ParsableCommand.Type, arguments: [String]) -> Never {
    let text = message(for: error)
    let code = exitCode(for: error)
    guard !text.isEmpty, code != .success else { exit(withError: error) }
    guard code == .validationFailure else {
      // Any other error with a message (`generate` or `demo` cannot write): the one-line form of every other
      // error, not ArgumentParser's "Error: …"; the exit code stays ArgumentParser's.
      let line = text.split(separator: "\n").first.map(String.init) ?? text
      StandardStreams.err("albummaster: error: \(line.escapedForTerminal)\n")
      Foundation.exit(code.rawValue)
    }
    StandardStreams.err(UsageProblem(message: text, command: command, arguments: arguments).rendered)
    Foundation.exit(ExitCode.validationFailure.rawValue)
  }
}

/// An ArgumentParser error message turned into AlbumMaster's form, with did-you-mean suggestions from the
/// one rule of `TerminalText.suggestion`: an unknown command or option is named with the nearest real one, or
/// none when nothing is close (ArgumentParser's own guess would offer `--force` for `check --format`).
struct UsageProblem {
  var message: String
  var command: any ParsableCommand.Type
  var arguments: [String]

  private var isTopLevel: Bool { ObjectIdentifier(command) == ObjectIdentifier(AlbumMasterCommand.self) }

  /// The subcommand `arguments` name (the first word that is a subcommand), else the top level.
  static func command(in arguments: [String]) -> any ParsableCommand.Type {
    guard let first = arguments.first(where: { !$0.hasPrefix("-") }) else { return AlbumMasterCommand.self }
    return AlbumMasterCommand.configuration.subcommands.first { $0._commandName == first } ?? AlbumMasterCommand.self
  }

  /// The error line, the command's usage line and the hint, each ending in a newline.
  var rendered: String {
    let name = isTopLevel ? "albummaster" : "albummaster \(command._commandName)"
    var usage = AlbumMasterCommand.usageString(for: command)
    if !usage.hasPrefix("Usage:") { usage = "Usage: " + usage }
    return "albummaster: error: \(line.escapedForTerminal)\n\(usage)\n  See '\(name) --help'.\n"
  }

  /// The one error line.
  var line: String {
    let first = message.split(separator: "\n").first.map(String.init) ?? message
    if let typed = quoted(first, after: "Unknown option '") {
      let stem = typed.drop { $0 == "-" }
      let hint = typed.hasPrefix("--") ? TerminalText.suggestion(for: String(stem), among: longOptions()) : nil
      return "unknown option '\(typed)'" + (hint.map { "; did you mean '--\($0)'?" } ?? "")
    }
    // "Unexpected argument 'mastr'", or "2 unexpected arguments: 'mastr', 'Albums/Demo'".
    let unexpected = quoted(first, after: "Unexpected argument '")
      ?? first.range(of: "unexpected arguments: '").flatMap { quoted(String(first[$0.lowerBound...]), after: "unexpected arguments: '") }
    if isTopLevel, let typed = unexpected, typed == arguments.first {
      let names = AlbumMasterCommand.configuration.subcommands.map { $0._commandName }
      return "unknown command '\(typed)'" + (TerminalText.suggestion(for: typed, among: names).map { "; did you mean '\($0)'?" } ?? "")
    }
    return first.prefix(1).lowercased() + first.dropFirst()
  }

  /// The text between `prefix` and the next quote.
  private func quoted(_ text: String, after prefix: String) -> String? {
    guard text.hasPrefix(prefix) else { return nil }
    let rest = text.dropFirst(prefix.count)
    return rest.firstIndex(of: "'").map { String(rest[..<$0]) }
  }

  /// The command's long option names without dashes, from ArgumentParser's own description of it.
  private func longOptions() -> [String] {
    struct Dump: Decodable {
      struct Command: Decodable { var arguments: [Argument]? }
      struct Argument: Decodable { var names: [Name]? }
      struct Name: Decodable { var kind: String, name: String }
      var command: Command
    }
    let dump = try? JSONDecoder().decode(Dump.self, from: Data(command._dumpHelp().utf8))
    let names = (dump?.command.arguments ?? []).flatMap { $0.names ?? [] }.filter { $0.kind == "long" }.map(\.name)
    return names + ["help"] + (isTopLevel ? ["version"] : [])
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

  func validate() throws {
    do throws(InputError) { try FlagChecks.jobs(jobCount) } catch { throw usageError(error) }
  }

  /// Puts the shared options into a request.
  func fill(_ request: inout MasterRequest) {
    request.reportsFolder = reports
    request.jobs = jobCount
    request.useCache = !force
    request.jsonPath = json
  }
}

/// Which albums a command that takes many runs on: its arguments, `--all` and `--shard` (not for `render`,
/// which takes one album).
struct AlbumSelection: ParsableArguments {
  @Option(name: .long, help: ArgumentHelp("Every subfolder of DIR that holds audio is an album (added to any ALBUM arguments).", valueName: "DIR"))
  var all: String?

  @Option(name: .long, help: ArgumentHelp("Take only shard I of N (0 <= I < N) of the albums, by a stable hash of their folder names; for splitting a catalogue across machines.", valueName: "I/N"))
  var shard: String?

  func validate() throws {
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
}

/// Terminal output: progress and tables, and one-line errors that always show.
struct Console {
  var quiet: Bool
  var tableToStderr: Bool
  /// A run that writes JSON (`--json`): its output stays plain, never coloured.
  var machineOutput = false

  /// Whether text for `fd` gets colour (`TerminalColour.enabled`).
  func paints(_ fd: Int32) -> Bool {
    TerminalColour.enabled(
      isTerminal: isatty(fd) == 1, environment: ProcessInfo.processInfo.environment, machineOutput: machineOutput)
  }

  /// `text` with its verdict words coloured when `fd` is a person's terminal.
  func styled(_ text: String, for fd: Int32) -> String { paints(fd) ? TerminalColour.highlight(text) : text }

  /// The closing summary (stderr, coloured on a terminal).
  func summary(_ text: String) { progress(styled(text, for: STDERR_FILENO)) }

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
      // Quiet, no "Analysing X" line names the album: its tables get a heading of their own.
      if quiet, let name = run.document?.album.name { table("\(name.escapedForTerminal):\n") }
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
      ProgressDisplay.shared.print(styled(text, for: STDERR_FILENO), always: true)
    } else {
      ProgressDisplay.shared.clearLiveArea()
      StandardStreams.out(styled(text, for: STDOUT_FILENO))
    }
  }
}
