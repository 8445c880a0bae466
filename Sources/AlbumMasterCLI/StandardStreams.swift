#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// stdout and stderr through write(2), never a trap: Foundation's `FileHandle.write(Data)` traps on a write
/// error on Linux (a full device, a closed descriptor, a reader gone).
///
/// The first failed stdout write is remembered and later ones are skipped; the command then ends with one line
/// on stderr and exit 74 (`Interruption.run`). A failed stderr write is dropped: there is nowhere to say so.
enum StandardStreams {
  /// Why stdout failed, once it has.
  private static let outFailure = Mutex<String?>(nil)

  /// Exit code when stdout cannot be written (sysexits' EX_IOERR).
  static let outputFailedExit: Int32 = 74

  /// A closed stdin, stdout or stderr gets /dev/null in its place before any file is opened: otherwise the
  /// first file opened (a report's temp file) would take that number and the table would be written into it.
  /// A closed stdout still counts as a failure (exit 74).
  static func guardDescriptors() {
    for fd in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
      let opened = open("/dev/null", O_RDWR)
      if opened >= 0 && opened != fd {
        dup2(opened, fd)
        close(opened)
      }
      if fd == STDOUT_FILENO { outFailure.withLock { $0 = "closed (Bad file descriptor)" } }
    }
  }

  /// Writes `data` to stdout; on an error records it and writes nothing more.
  static func out(_ data: Data) {
    outFailure.withLock { failure in
      guard failure == nil else { return }
      if let reason = writeAll(STDOUT_FILENO, data) { failure = reason }
    }
  }

  /// Writes `text` to stdout.
  static func out(_ text: String) { out(Data(text.utf8)) }

  /// Writes `text` to stderr, best effort.
  static func err(_ text: String) { _ = writeAll(STDERR_FILENO, Data(text.utf8)) }

  /// Why stdout failed, or nil.
  static var outputFailure: String? { outFailure.withLock { $0 } }

  /// Writes every byte; returns the error's text on failure.
  private static func writeAll(_ fd: Int32, _ data: Data) -> String? {
    data.withUnsafeBytes { raw -> String? in
      guard let base = raw.baseAddress else { return nil }
      var offset = 0
      while offset < raw.count {
        let n = write(fd, base + offset, raw.count - offset)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return n == 0 ? "nothing written" : String(cString: strerror(errno)) }
        offset += n
      }
      return nil
    }
  }
}
