import ArgumentParser
import AudioIO
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT and SIGTERM stop the run cleanly. The signal only sets `Cancellation`; every worker stops at its next
/// block, removes its temp file and returns `.cancelled`; once they have all returned, `run` prints one line and
/// exits with 128 + the signal, as shells expect. No exit happens while workers run (exiting under running
/// threads crashed one run in 40). A second signal while stopping removes the registered temp files and the run
/// folder and exits at once with `_exit` (no teardown to race with the workers).
enum Interruption {
  nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
  /// The line printed on an interruption.
  static let message = "albummaster: interrupted; unfinished files removed\n"

  /// Runs a command's body with the signal handlers in place, then maps what happened to the exit: 128 + signal
  /// after an interruption; 74 when stdout could not be written; otherwise what `body` returned or threw. The
  /// run folder (codec round trips) is removed on every path.
  static func run(_ body: () async throws -> Void) async throws {
    install()
    defer { TemporaryFiles.removeRunFolder() }
    var failure: (any Error)?
    if !Cancellation.isRequested {  // a signal during parsing: nothing to start
      do { try await body() } catch { failure = error }
    }
    if let sig = Cancellation.signal {
      TemporaryFiles.removeAll()  // nothing should be registered by now; a belt to the braces
      StandardStreams.err(message)
      throw ExitCode(128 + sig)
    }
    if let reason = StandardStreams.outputFailure {
      StandardStreams.err("albummaster: error: standard output: \(reason)\n")
      throw ExitCode(StandardStreams.outputFailedExit)
    }
    if let failure { throw failure }
  }

  /// Installs the handlers (once): first thing in `main`, so that a signal during start-up is handled too.
  static func install() {
    guard sources.isEmpty else { return }
    StandardStreams.guardDescriptors()
    // A file-size limit (ulimit -f, a full quota) then fails the write with EFBIG, which is reported per track,
    // instead of killing the process with SIGXFSZ before it can clean up. Likewise a reader gone from a pipe
    // fails the write with EPIPE (exit 74) instead of killing the process with its temp files in place.
    signal(SIGXFSZ, SIG_IGN)
    signal(SIGPIPE, SIG_IGN)
    for sig in [SIGINT, SIGTERM] {
      signal(sig, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
      source.setEventHandler {
        if Cancellation.request(signal: sig) { return }
        // A second signal: stop now.
        TemporaryFiles.removeAll()
        TemporaryFiles.removeRunFolder()
        StandardStreams.err(message)
        _exit(128 + sig)
      }
      source.resume()
      sources.append(source)
    }
    // Exits that bypass `run` (ArgumentParser's own) still remove the run folder.
    atexit { TemporaryFiles.removeRunFolder() }
  }
}
