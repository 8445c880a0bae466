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

/// Runs the binary with `arguments` (see `ProcessRun`). A run that is still going after 10 minutes is killed and
/// thrown as an error: a hang fails its test instead of stalling the suite.
public func runCLI(_ arguments: [String], withoutFileOverride: Bool = false) throws -> CLIResult {
  guard let r = try runCLI(arguments, timeoutSeconds: 600, withoutFileOverride: withoutFileOverride) else {
    throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "albummaster \(arguments) still ran after 600 s"])
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
