import Foundation

/// What a run of an external program did, and whether it was killed for taking too long.
public struct InstallProcessResult: Sendable {
  public var status: Int32
  public var stdout: String
  public var stderr: String
  public var timedOut: Bool
}

/// Runs `executable` with `arguments` (stdin from /dev/null, output through temp files so a full pipe cannot
/// block it) and kills it after `timeoutSeconds`, so that a hang fails the test instead of stalling the suite.
public func installRunProcess(_ executable: String, _ arguments: [String], timeoutSeconds: Double) throws -> InstallProcessResult {
  let out = TempFolder("proc")
  defer { out.remove() }
  guard FileManager.default.createFile(atPath: out.file("o"), contents: nil),
    FileManager.default.createFile(atPath: out.file("e"), contents: nil)
  else { throw CocoaError(.fileWriteUnknown) }
  let p = Process()
  p.executableURL = URL(fileURLWithPath: executable)
  p.arguments = arguments
  p.standardOutput = FileHandle(forWritingAtPath: out.file("o"))
  p.standardError = FileHandle(forWritingAtPath: out.file("e"))
  p.standardInput = FileHandle.nullDevice
  let done = DispatchSemaphore(value: 0)
  p.terminationHandler = { _ in done.signal() }
  try p.run()
  let timedOut = done.wait(timeout: .now() + timeoutSeconds) == .timedOut
  if timedOut {
    p.terminate()
    done.wait()
  }
  return InstallProcessResult(
    status: p.terminationStatus, stdout: String(decoding: fileBytes(out.file("o")), as: UTF8.self),
    stderr: String(decoding: fileBytes(out.file("e")), as: UTF8.self), timedOut: timedOut)
}
