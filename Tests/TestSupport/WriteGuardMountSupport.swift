import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Runs `mount --bind source target` (the suite runs as root, on CI too) and returns mount's exit status and
/// message: a test that needs the mount fails, never skips, when it cannot be made.
public func writeGuardBindMount(_ source: String, at target: String) throws -> (status: Int32, message: String) {
  let r = try ProcessRun(["--bind", source, target], executable: "/bin/mount").wait(timeoutSeconds: 30)
  return (r.status, r.stderr)
}

/// Unmounts `target` (lazily, so a test's cleanup never hangs on a busy mount).
public func writeGuardUnmount(_ target: String) {
  _ = try? ProcessRun(["-l", target], executable: "/bin/umount").wait(timeoutSeconds: 30)
}

/// Runs `script` with bash under a deadline: for pipelines (`albummaster … --json /dev/stdout | wc -c`) that
/// ProcessRun's file-backed stdout cannot show.
public func writeGuardShell(_ script: String, timeoutSeconds: Double = 60) throws -> ProcessOutcome {
  try ProcessRun(["-c", script], executable: "/bin/bash").wait(timeoutSeconds: timeoutSeconds)
}

/// `path` quoted for a bash script.
public func writeGuardShellQuoted(_ path: String) -> String {
  "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
