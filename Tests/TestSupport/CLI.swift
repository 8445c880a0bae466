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
  guard let r = try WriteGuardRun(arguments, withoutFileOverride: withoutFileOverride).wait(timeoutSeconds: .infinity) else {
    throw CocoaError(.executableLoad)
  }
  return r
}

/// Every file below `path` with its bytes, for "nothing changed" checks.
public func snapshot(_ path: String) -> [String: Data] {
  var out: [String: Data] = [:]
  if let e = FileManager.default.enumerator(atPath: path) {
    for case let f as String in e { out[f] = fileBytes((path as NSString).appendingPathComponent(f)) }
  }
  return out
}
