import AudioIO
import Foundation

/// Writes whole files so that the final name only ever holds complete content:
/// a hidden temp file in the same folder, fsync, then rename(2) over the final name.
public enum AtomicFile {
  /// Replaces (or creates) `path` with `data`.
  public static func write(_ data: Data, to path: String) throws {
    let (temp, fd) = TemporaryFiles.create(for: path)
    defer { TemporaryFiles.done(temp) }
    guard fd >= 0 else { throw ReportError.write(path: path, reason: String(cString: strerror(errno))) }
    var ok = true
    data.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
        if n <= 0 {
          ok = false
          return
        }
        offset += n
      }
    }
    let reason = String(cString: strerror(errno))
    ok = ok && fsync(fd) == 0
    close(fd)
    guard ok, rename(temp, path) == 0 else {
      unlink(temp)
      throw ReportError.write(path: path, reason: reason)
    }
  }

  /// Writes UTF-8 text.
  public static func write(_ text: String, to path: String) throws { try write(Data(text.utf8), to: path) }
}

/// A report file could not be written.
public enum ReportError: Error, Sendable, CustomStringConvertible {
  /// Writing `path` failed (the OS's reason); whatever was under that name is unchanged.
  case write(path: String, reason: String)
  /// The data could not be encoded (e.g. JSON of a non-finite number).
  case encode(reason: String)

  /// One line naming the file when there is one.
  public var description: String {
    switch self {
    case .write(let path, let reason): "\(path): cannot write: \(reason)"
    case .encode(let reason): "cannot encode the report: \(reason)"
    }
  }
}
