/// Why a file could not be read or written. Every message names the file.
public enum AudioIOError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The file could not be opened at all (missing, permission, I/O).
  case openFailed(path: String, reason: String)
  /// The bytes are not a format libsndfile can decode, or the layout is outside the supported limits.
  case unsupportedFormat(path: String, reason: String)
  /// Decoding stopped early: a truncated or corrupt file.
  case readFailed(path: String, reason: String)
  /// The file decodes to zero frames.
  case empty(path: String)
  /// A master could not be written.
  case writeFailed(path: String, reason: String)
  /// The run was interrupted (SIGINT, SIGTERM) while this file was being read or written.
  case cancelled(path: String)

  /// The path the error is about.
  public var path: String {
    switch self {
    case .openFailed(let p, _), .unsupportedFormat(let p, _), .readFailed(let p, _), .empty(let p),
      .writeFailed(let p, _), .cancelled(let p):
      p
    }
  }

  /// The same error about `path` instead (a temp file named by what it holds).
  public func naming(_ path: String) -> AudioIOError {
    switch self {
    case .openFailed(_, let r): .openFailed(path: path, reason: r)
    case .unsupportedFormat(_, let r): .unsupportedFormat(path: path, reason: r)
    case .readFailed(_, let r): .readFailed(path: path, reason: r)
    case .empty: .empty(path: path)
    case .writeFailed(_, let r): .writeFailed(path: path, reason: r)
    case .cancelled: .cancelled(path: path)
    }
  }

  /// The reason, without the path; one line.
  public var reason: String {
    switch self {
    case .openFailed(_, let r): "cannot open: \(r)"
    case .unsupportedFormat(_, let r): "not a supported audio file: \(r)"
    case .readFailed(_, let r): "read error: \(r)"
    case .empty: "the file holds no audio frames"
    case .writeFailed(_, let r): "cannot write: \(r)"
    case .cancelled: "interrupted"
    }
  }

  /// `path: reason` on one line: control characters in the name or the reason are escaped.
  public var description: String { "\(path): \(reason)".escapedForTerminal }
}
