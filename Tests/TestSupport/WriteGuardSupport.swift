import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A running `albummaster` process with a deadline: a regression that hangs (a FIFO, /dev/zero, a lock) is
/// killed and reported as a timeout instead of hanging the suite.
public final class WriteGuardRun: @unchecked Sendable {
  private let process = Process()
  private let out = TempFolder("cli-guard-out")
  private let started = Date()

  /// Starts the binary with `arguments` (stdout and stderr to files, stdin from /dev/null).
  public init(_ arguments: [String], withoutFileOverride: Bool = false) throws {
    if withoutFileOverride && geteuid() == 0 {
      process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
      process.arguments = ["--bounding-set", "-dac_override,-dac_read_search", "--", albummasterPath] + arguments
    } else {
      process.executableURL = URL(fileURLWithPath: albummasterPath)
      process.arguments = arguments
    }
    guard FileManager.default.createFile(atPath: out.file("o"), contents: nil),
      FileManager.default.createFile(atPath: out.file("e"), contents: nil)
    else { throw CocoaError(.fileWriteUnknown) }
    process.standardOutput = FileHandle(forWritingAtPath: out.file("o"))
    process.standardError = FileHandle(forWritingAtPath: out.file("e"))
    process.standardInput = FileHandle.nullDevice
    try process.run()
  }

  /// Waits at most `timeoutSeconds` (from the start); on timeout kills the process and returns nil.
  public func wait(timeoutSeconds: Double) -> CLIResult? {
    defer { out.remove() }
    while process.isRunning && Date().timeIntervalSince(started) < timeoutSeconds { usleep(20_000) }
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      return nil
    }
    process.waitUntilExit()
    return CLIResult(
      status: process.terminationStatus, stdout: String(decoding: fileBytes(out.file("o")), as: UTF8.self),
      stderr: String(decoding: fileBytes(out.file("e")), as: UTF8.self))
  }
}

/// Runs the binary with a deadline; nil when it had to be killed.
public func writeGuardRunCLI(_ arguments: [String], timeoutSeconds: Double = 60, withoutFileOverride: Bool = false) throws -> CLIResult? {
  try WriteGuardRun(arguments, withoutFileOverride: withoutFileOverride).wait(timeoutSeconds: timeoutSeconds)
}

/// Hidden temp files (`.*.tmp`) anywhere below `path`: a finished run leaves none.
public func writeGuardTempFiles(_ path: String) -> [String] {
  (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []).filter {
    let name = ($0 as NSString).lastPathComponent
    return name.hasPrefix(".") && name.hasSuffix(".tmp")
  }
}

/// Makes a FIFO at `path`.
public func writeGuardMakeFIFO(_ path: String) throws {
  guard mkfifo(path, 0o644) == 0 else { throw CocoaError(.fileWriteUnknown) }
}

/// Every entry below `path` with its bytes (regular files) or its kind (a symlink's target, a FIFO), without
/// ever opening anything but a regular file: for "inputs unchanged" checks on albums holding FIFOs or links to
/// devices, which `snapshot` would block on.
public func writeGuardSnapshot(_ path: String) -> [String: Data] {
  var out: [String: Data] = [:]
  let names = FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []
  for f in names {
    let full = (path as NSString).appendingPathComponent(f)
    var st = stat()
    guard lstat(full, &st) == 0 else { continue }
    switch st.st_mode & S_IFMT {
    case S_IFREG: out[f] = fileBytes(full)
    case S_IFLNK: out[f] = Data(("link:" + ((try? FileManager.default.destinationOfSymbolicLink(atPath: full)) ?? "")).utf8)
    case S_IFDIR: out[f] = Data("folder".utf8)
    default: out[f] = Data("mode:\(st.st_mode)".utf8)
    }
  }
  return out
}
