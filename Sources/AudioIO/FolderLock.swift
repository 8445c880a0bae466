#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An exclusive `flock(2)` on a lock file, held while the value lives; owns the descriptor.
///
/// Taken without waiting: a run that finds the lock held is refused rather than queued. The kernel drops the lock
/// when the process ends, however it ends, so a killed run never leaves a folder locked.
public struct FolderLock: ~Copyable {
  let descriptor: Int32

  /// Takes the lock on `path`, creating the (empty) lock file if needed.
  /// - Throws: `.busy` when another process holds it, `.failed` with the system's reason otherwise.
  public init(path: String) throws(FolderLockError) {
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o644)
    guard fd >= 0 else { throw .failed(path: path, reason: String(cString: strerror(errno))) }
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
      let busy = errno == EWOULDBLOCK
      let reason = String(cString: strerror(errno))
      close(fd)
      throw busy ? .busy(path: path) : .failed(path: path, reason: reason)
    }
    descriptor = fd
  }

  /// Lets the lock go now (it also goes when the value does).
  public consuming func release() {}

  deinit { close(descriptor) }
}

/// Why a `FolderLock` could not be taken.
public enum FolderLockError: Error, Sendable, Equatable {
  /// Another process holds the lock.
  case busy(path: String)
  /// The lock file could not be opened or locked.
  case failed(path: String, reason: String)
}

/// Output folders, created with a one-line reason when the system refuses.
public enum OutputFolder {
  /// Creates `path` and any missing parents (`mkdir -p`).
  /// - Throws: `.writeFailed` naming the part that could not be made and the system's reason
  ///   ("Not a directory" when a parent is a file, "Permission denied" for a read-only parent).
  public static func create(_ path: String) throws(AudioIOError) {
    var st = stat()
    if stat(path, &st) == 0 {
      guard (st.st_mode & S_IFMT) == S_IFDIR else { throw .writeFailed(path: path, reason: "not a folder") }
      return
    }
    let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    if let slash = trimmed.lastIndex(of: "/"), slash != trimmed.startIndex {
      try create(String(trimmed[..<slash]))
    }
    if mkdir(trimmed, 0o755) != 0 && errno != EEXIST {
      throw .writeFailed(path: trimmed, reason: String(cString: strerror(errno)))
    }
  }
}
