import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// How a child process ended.
public struct ProcessOutcome: Sendable {
  /// The exit status, or 128 + the signal when a signal killed it (as a shell reports it).
  public var status: Int32
  public var stdout: String
  public var stderr: String
  /// Whether a signal ended it (a crash, an unhandled signal, or the kill after a timeout).
  public var killedBySignal: Bool
  /// Whether it was still running at the deadline and had to be killed.
  public var timedOut: Bool

  /// The same run as a `CLIResult` (status, stdout, stderr).
  public var cli: CLIResult { CLIResult(status: status, stdout: stdout, stderr: stderr) }
}

/// A running child process with a deadline: a regression that hangs (a FIFO, /dev/zero, a lock, a browser) is
/// killed and reported as a timeout instead of stalling the suite. Output goes through temp files, so a full pipe
/// cannot block the child; stdin is /dev/null. The one process runner of the test suite.
public final class ProcessRun: @unchecked Sendable {
  private let process = Process()
  private let out = TempFolder("process-run")
  private let started = Date()

  /// Starts `executable` (default: the built `albummaster`) with `arguments` and `environment` added to this
  /// process's. With `withoutFileOverride`, a root process loses CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH first
  /// (via setpriv), so that file permissions bind it as they bind a user. `currentDirectory` is the child's
  /// working folder (default: this process's), for relative paths.
  public init(
    _ arguments: [String], executable: String = albummasterPath, environment: [String: String] = [:],
    withoutFileOverride: Bool = false, currentDirectory: String? = nil
  ) throws {
    if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    if withoutFileOverride && geteuid() == 0 {
      process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
      process.arguments = ["--bounding-set", "-dac_override,-dac_read_search", "--", executable] + arguments
    } else {
      process.executableURL = URL(fileURLWithPath: executable)
      process.arguments = arguments
    }
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    }
    guard FileManager.default.createFile(atPath: out.file("o"), contents: nil),
      FileManager.default.createFile(atPath: out.file("e"), contents: nil)
    else { throw CocoaError(.fileWriteUnknown) }
    process.standardOutput = FileHandle(forWritingAtPath: out.file("o"))
    process.standardError = FileHandle(forWritingAtPath: out.file("e"))
    process.standardInput = FileHandle.nullDevice
    try process.run()
  }

  /// Whether the child is still running.
  public var isRunning: Bool { process.isRunning }

  /// Sends `signal` to the child if it is still running.
  public func send(_ signal: Int32) {
    if process.isRunning { kill(process.processIdentifier, signal) }
  }

  /// Waits at most `timeoutSeconds` from the start; past it the child is killed (SIGKILL) and `timedOut` is set.
  public func wait(timeoutSeconds: Double) -> ProcessOutcome {
    defer { out.remove() }
    while process.isRunning && Date().timeIntervalSince(started) < timeoutSeconds { usleep(2_000) }
    let timedOut = process.isRunning
    if timedOut { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    let killed = process.terminationReason == .uncaughtSignal
    return ProcessOutcome(
      status: killed ? 128 + process.terminationStatus : process.terminationStatus,
      stdout: String(decoding: fileBytes(out.file("o")), as: UTF8.self),
      stderr: String(decoding: fileBytes(out.file("e")), as: UTF8.self), killedBySignal: killed, timedOut: timedOut)
  }
}

/// Runs the binary with a deadline; nil when it had to be killed.
public func runCLI(_ arguments: [String], timeoutSeconds: Double, withoutFileOverride: Bool = false) throws -> CLIResult? {
  let outcome = try ProcessRun(arguments, withoutFileOverride: withoutFileOverride).wait(timeoutSeconds: timeoutSeconds)
  return outcome.timedOut ? nil : outcome.cli
}

/// Runs the binary with `arguments`, sends each of `signals` after `afterSeconds` (the next ones 10 ms apart,
/// unless it has ended), and waits at most `timeoutSeconds` after that: a hang is a result, never a stuck suite.
public func runCLIInterrupted(
  _ arguments: [String], environment: [String: String] = [:], signals: [Int32], afterSeconds: Double,
  timeoutSeconds: Double = 60
) throws -> ProcessOutcome {
  let run = try ProcessRun(arguments, environment: environment)
  usleep(useconds_t(max(0, afterSeconds) * 1e6))
  for (i, sig) in signals.enumerated() where run.isRunning {
    if i > 0 { usleep(10_000) }
    run.send(sig)
  }
  return run.wait(timeoutSeconds: max(0, afterSeconds) + timeoutSeconds)
}

/// Hidden temp files (`.*.tmp`) anywhere below `path`: a finished run leaves none.
public func hiddenTempFiles(_ path: String) -> [String] {
  (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []).filter {
    let name = ($0 as NSString).lastPathComponent
    return name.hasPrefix(".") && name.hasSuffix(".tmp")
  }
}
