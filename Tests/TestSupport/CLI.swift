import Foundation

/// What a run of the `albummaster` binary did.
public struct CLIResult: Sendable {
  public var status: Int32
  public var stdout: String
  public var stderr: String
  /// Non-empty stderr lines that are error messages.
  public var errorLines: [String] { stderr.split(separator: "\n").map(String.init).filter { $0.contains("error:") } }
}

/// The built `albummaster` executable: it sits beside the test bundle in the build products folder.
public var albummasterPath: String {
  let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
  var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
  // On Linux the test binary is `<products>/AlbumMasterPackageTests.xctest`.
  if dir.lastPathComponent.hasSuffix(".xctest") { dir.deleteLastPathComponent() }
  return dir.appendingPathComponent("albummaster").path
}

/// Runs the binary with `arguments`. With `withoutFileOverride`, a root process loses CAP_DAC_OVERRIDE and
/// CAP_DAC_READ_SEARCH first (via setpriv), so that file permissions bind it as they bind a user.
public func runCLI(_ arguments: [String], withoutFileOverride: Bool = false) throws -> CLIResult {
  let out = TempFolder("cli-out")
  defer { out.remove() }
  let p = Process()
  if withoutFileOverride && geteuid() == 0 {
    p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
    p.arguments = ["--bounding-set", "-dac_override,-dac_read_search", "--", albummasterPath] + arguments
  } else {
    p.executableURL = URL(fileURLWithPath: albummasterPath)
    p.arguments = arguments
  }
  guard FileManager.default.createFile(atPath: out.file("o"), contents: nil),
    FileManager.default.createFile(atPath: out.file("e"), contents: nil)
  else { throw CocoaError(.fileWriteUnknown) }
  p.standardOutput = FileHandle(forWritingAtPath: out.file("o"))
  p.standardError = FileHandle(forWritingAtPath: out.file("e"))
  p.standardInput = FileHandle.nullDevice
  try p.run()
  p.waitUntilExit()
  return CLIResult(
    status: p.terminationStatus, stdout: String(decoding: fileBytes(out.file("o")), as: UTF8.self),
    stderr: String(decoding: fileBytes(out.file("e")), as: UTF8.self))
}

/// Every file below `path` with its bytes, for "nothing changed" checks.
public func snapshot(_ path: String) -> [String: Data] {
  var out: [String: Data] = [:]
  if let e = FileManager.default.enumerator(atPath: path) {
    for case let f as String in e { out[f] = fileBytes((path as NSString).appendingPathComponent(f)) }
  }
  return out
}
