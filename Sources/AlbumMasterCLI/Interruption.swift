import AudioIO
import Dispatch
import Foundation

/// SIGINT and SIGTERM stop the run cleanly: every temp file being written is removed (no partial file ever
/// has a final name anyway), a line says so, and the exit code is 128 + the signal, as shells expect.
enum Interruption {
  nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

  static func install() {
    guard sources.isEmpty else { return }
    // A file-size limit (ulimit -f, a full quota) then fails the write with EFBIG, which is reported per track,
    // instead of killing the process with SIGXFSZ before it can clean up.
    signal(SIGXFSZ, SIG_IGN)
    for sig in [SIGINT, SIGTERM] {
      signal(sig, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
      source.setEventHandler {
        TemporaryFiles.removeAll()
        FileHandle.standardError.write(Data("albummaster: interrupted; unfinished files removed\n".utf8))
        exit(128 + sig)
      }
      source.resume()
      sources.append(source)
    }
  }
}
