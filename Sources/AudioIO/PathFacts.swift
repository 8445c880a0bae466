#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What the file system says about a path, for the write guard: where it really leads, and what is there.
public enum PathFacts {
  /// `path` made absolute and resolved through every symlink, including the part that does not exist yet
  /// (appended as given, with `.` and `..` applied).
  public static func resolved(_ path: String) -> String {
    var absolute = path
    if !absolute.hasPrefix("/") {
      var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      let cwd = getcwd(&buffer, buffer.count).map { _ in String(cString: buffer) } ?? "/"
      absolute = cwd + "/" + path
    }
    var parts = absolute.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    var rest: [String] = []
    var base = "/"
    var hops = 0
    while true {
      let candidate = "/" + parts.joined(separator: "/")
      if let real = realpath(candidate, nil) {
        base = String(cString: real)
        free(real)
        break
      }
      // A dangling symlink still decides where a write lands (mkdir or open follow it): follow it by hand.
      if hops < 40, let target = linkTarget(candidate) {
        hops += 1
        let parent = parts.dropLast().joined(separator: "/")
        let next = target.hasPrefix("/") ? target : "/" + parent + "/" + target
        parts = next.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        continue
      }
      guard let last = parts.popLast() else { break }
      rest.insert(last, at: 0)
    }
    var out = base == "/" ? [] : base.split(separator: "/").map(String.init)
    for c in rest {
      if c == "." { continue }
      if c == ".." { _ = out.popLast() } else { out.append(c) }
    }
    return "/" + out.joined(separator: "/")
  }

  /// What the symlink at `path` holds; nil if it is not one.
  static func linkTarget(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let n = readlink(path, &buffer, buffer.count - 1)
    guard n > 0 else { return nil }
    return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// The kind of file at `path`, following symlinks.
  public enum Kind: Sendable, Equatable {
    /// Nothing there (or unreadable), a regular file, a folder, or anything else (device, FIFO, socket).
    case missing, regular, folder, other
  }

  /// What `path` leads to (following symlinks).
  public static func kind(_ path: String) -> Kind {
    var st = stat()
    guard stat(path, &st) == 0 else { return .missing }
    switch st.st_mode & S_IFMT {
    case S_IFREG: return .regular
    case S_IFDIR: return .folder
    default: return .other
    }
  }

  /// A file's identity: what a bind mount, a hard link or another name for it shares with it.
  public struct FileID: Sendable, Hashable {
    /// `st_dev`: the filesystem the file lives on.
    public var device: UInt64
    /// `st_ino`: the file within that filesystem.
    public var inode: UInt64
  }

  /// The identity of what `path` leads to (following symlinks); nil if nothing is there.
  public static func identity(_ path: String) -> FileID? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
  }

  /// Whether `path` itself is a symlink.
  public static func isSymlink(_ path: String) -> Bool {
    var st = stat()
    return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
  }

  /// The standard stream (1 or 2) that `path` leads to, if it is the very file one is writing to.
  public static func standardStream(_ path: String) -> Int32? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    for fd: Int32 in [1, 2] {
      var s = stat()
      if fstat(fd, &s) == 0 && s.st_dev == st.st_dev && s.st_ino == st.st_ino { return fd }
    }
    return nil
  }

  /// Writes `bytes` straight into what `path` leads to, or into standard stream `stream`: for a target that
  /// cannot be replaced by a rename (a FIFO, a terminal, a pipe, `/dev/null`, this process's own stdout).
  /// - Throws: `.writeFailed` with the system's reason.
  public static func writeDirectly(_ bytes: [UInt8], to path: String, stream: Int32? = nil) throws(AudioIOError) {
    let fd = stream ?? open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY)
    guard fd >= 0 else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
    defer { if stream == nil { close(fd) } }
    var offset = 0
    while offset < bytes.count {
      let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
      offset += n
    }
  }
}
