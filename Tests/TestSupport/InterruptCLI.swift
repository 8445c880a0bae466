import Foundation

/// How a run of the binary that was sent a signal ended.
public struct InterruptedRun: Sendable {
  /// The exit status, or 128 + the signal when a signal killed it (as a shell reports it).
  public var status: Int32
  /// Whether a signal killed it (a crash, or the signal itself when not handled).
  public var killedBySignal: Bool
  /// Whether it was still running `timeoutSeconds` after the signal (then it was killed).
  public var timedOut: Bool
  public var stderr: String
}

/// Runs the binary with `arguments` and `environment` added to this process's, sends each of `signals` after
/// `afterSeconds` (the next ones 10 ms apart, unless it has ended), and waits at most `timeoutSeconds` for it to
/// end: a hang is a result, never a stuck suite.
public func runCLIInterrupted(
  _ arguments: [String], environment: [String: String] = [:], signals: [Int32], afterSeconds: Double,
  timeoutSeconds: Double = 60
) throws -> InterruptedRun {
  let out = TempFolder("interrupt-cli")
  defer { out.remove() }
  guard FileManager.default.createFile(atPath: out.file("e"), contents: nil) else { throw CocoaError(.fileWriteUnknown) }
  let p = Process()
  p.executableURL = URL(fileURLWithPath: albummasterPath)
  p.arguments = arguments
  p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
  p.standardInput = FileHandle.nullDevice
  p.standardOutput = FileHandle.nullDevice
  p.standardError = FileHandle(forWritingAtPath: out.file("e"))
  try p.run()
  usleep(useconds_t(max(0, afterSeconds) * 1e6))
  for (i, sig) in signals.enumerated() where p.isRunning {
    if i > 0 { usleep(10_000) }
    kill(p.processIdentifier, sig)
  }
  let deadline = Date().addingTimeInterval(timeoutSeconds)
  while p.isRunning && Date() < deadline { usleep(2_000) }
  let timedOut = p.isRunning
  if timedOut { kill(p.processIdentifier, SIGKILL) }
  p.waitUntilExit()
  let killed = p.terminationReason == .uncaughtSignal
  return InterruptedRun(
    status: killed ? 128 + p.terminationStatus : p.terminationStatus, killedBySignal: killed, timedOut: timedOut,
    stderr: String(decoding: fileBytes(out.file("e")), as: UTF8.self))
}

/// Hidden temp files (`.*.tmp`) anywhere below `path`.
public func interruptLeftoverTempFiles(_ path: String) -> [String] {
  guard let e = FileManager.default.enumerator(atPath: path) else { return [] }
  return e.compactMap { $0 as? String }.filter {
    let name = ($0 as NSString).lastPathComponent
    return name.hasPrefix(".") && name.hasSuffix(".tmp")
  }
}
