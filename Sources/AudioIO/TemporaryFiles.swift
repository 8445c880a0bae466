import Infrastructure
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Every temp file this process is writing, so that an interrupted run can remove them before it exits, and
/// a later run can remove those that a killed process (SIGKILL) left behind.
///
/// Temp files are hidden and named `.<final name>.<pid>.<random>.tmp` beside their final name: a reader of
/// the folder never mistakes one for a finished file, and the pid tells whether its writer is still alive.
/// Scratch files with no final name (codec round trips) go to the run folder, `$TMPDIR/albummaster-<pid>-XXXXXX/`,
/// removed when the run ends whatever way it ends (`removeRunFolder`), and by a later run if the process was killed.
/// A final name too long for that (file names stop at 255 bytes) is shortened to a prefix and a hash.
public enum TemporaryFiles {
  /// The longest file name Linux file systems take, in bytes.
  public static let maxNameBytes = 255
  /// The temp files being written; nil once `removeAll` ran (the process is exiting: no new temp file).
  private static let live = Mutex<Set<String>?>(Set<String>())
  /// The run folder once made (nil before), or why it could not be made.
  private static let run = Mutex<Result<String, AudioIOError>?>(nil)
  /// The prefix of run folders in `$TMPDIR`.
  static let runFolderPrefix = "albummaster-"

  /// The temp path for `finalPath`, registered until `done` is called with it. Prefer `create`: a file opened
  /// after `make` returns can escape a `removeAll` that runs in between.
  public static func make(for finalPath: String) -> String {
    let path = name(for: finalPath)
    live.withLock { _ = $0?.insert(path) }
    return path
  }

  /// Creates and opens the temp file for `finalPath` (read-write, exclusive, close-on-exec, `mode`), registered
  /// until `done` is called with its path. Registering and creating happen under the lock `removeAll` takes, so
  /// no temp file is created behind its back; after it, creation fails with ECANCELED.
  /// - Returns: the path and the descriptor; the descriptor is -1 (with `errno` set) on failure.
  public static func create(for finalPath: String, mode: mode_t = 0o644) -> (path: String, fd: Int32) {
    let path = name(for: finalPath)
    return live.withLock { set -> (String, Int32) in
      guard set != nil else {
        errno = ECANCELED
        return (path, -1)
      }
      let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode)
      let saved = errno
      if fd >= 0 { set?.insert(path) }
      errno = saved
      return (path, fd)
    }
  }

  private static func name(for finalPath: String) -> String {
    let slash = finalPath.lastIndex(of: "/")
    let dir = slash.map { String(finalPath[..<$0]) } ?? "."
    let name = slash.map { String(finalPath[finalPath.index(after: $0)...]) } ?? finalPath
    return "\(dir)/.\(tempStem(name)).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
  }

  /// `name`, or when `.<name>.<pid>.<random>.tmp` could exceed 255 bytes, its first bytes (whole characters)
  /// and `~` with 16 hex digits of its FNV-1a hash: still recognisable, still distinct per final name.
  static func tempStem(_ name: String) -> String {
    // "." + "." + pid (10 digits at most) + "." + random (10) + ".tmp"
    let overhead = 1 + 1 + 10 + 1 + 10 + 4
    guard name.utf8.count + overhead > maxNameBytes else { return name }
    let hash = String(fnv1a64(name.utf8), radix: 16).leftPadded(to: 16)
    var prefix = ""
    for c in name {
      guard prefix.utf8.count + c.utf8.count <= maxNameBytes - overhead - 1 - 16 else { break }
      prefix.append(c)
    }
    return prefix + "~" + hash
  }

  /// The temp file was renamed or removed.
  public static func done(_ path: String) {
    live.withLock { _ = $0?.remove(path) }
  }

  /// Removes every temp file still being written, and refuses new ones from then on (the process is exiting).
  public static func removeAll() {
    live.withLock { set in
      for p in set ?? [] { unlink(p) }
      set = nil
    }
  }

  /// `$TMPDIR`, or /tmp.
  public static var systemFolder: String {
    if let t = getenv("TMPDIR"), t.pointee != 0 { return String(cString: t) }
    return "/tmp"
  }

  /// This run's private scratch folder, `$TMPDIR/albummaster-<pid>-XXXXXX/` (mode 0700), made on first use; the
  /// first use also removes the folders of dead runs.
  /// - Throws: `.writeFailed` naming `$TMPDIR` when no folder can be made there (full, read-only, missing).
  public static func runFolder() throws(AudioIOError) -> String {
    let result = run.withLock { made -> Result<String, AudioIOError> in
      if let made { return made }
      let base = systemFolder
      removeStaleRunFolders(in: base)
      var template = Array("\(base)/\(runFolderPrefix)\(getpid())-XXXXXX".utf8CString)
      let r: Result<String, AudioIOError> = template.withUnsafeMutableBufferPointer { buf in
        guard let start = buf.baseAddress, let p = mkdtemp(start) else {
          return .failure(.writeFailed(path: base, reason: "no temp folder for this run: \(String(cString: strerror(errno)))"))
        }
        return .success(String(cString: p))
      }
      made = r
      return r
    }
    return try result.get()
  }

  /// Removes the run folder and everything in it (every exit path calls this; a second call does nothing).
  public static func removeRunFolder() {
    let folder = run.withLock { made -> String? in
      guard case .success(let f) = made else { return nil }
      made = .failure(.writeFailed(path: f, reason: "the run is ending"))
      return f
    }
    guard let folder else { return }
    // A worker still running (the second signal exits without waiting for them) may create a file in the folder
    // while it is removed: a few more passes, a millisecond apart, catch it.
    for _ in 0..<5 {
      removeTree(folder)
      if access(folder, F_OK) != 0 { return }
      usleep(1_000)
    }
  }

  /// Removes temp files in `folder` (and, `depth` levels down, in its subfolders) whose writing process no longer
  /// exists (left by a SIGKILL). Symbolic links are never followed.
  /// - Returns: the paths removed.
  @discardableResult
  public static func removeStale(in folder: String, depth: Int = 0) -> [String] {
    var removed: [String] = []
    for (name, isDir) in entries(of: folder) {
      let path = "\(folder)/\(name)"
      if isDir {
        if depth > 0 { removed += removeStale(in: path, depth: depth - 1) }
        continue
      }
      guard name.hasPrefix("."), name.hasSuffix(".tmp") else { continue }
      let parts = name.split(separator: ".")
      guard parts.count >= 4, let pid = Int32(parts[parts.count - 3]), isDead(pid) else { continue }
      if unlink(path) == 0 { removed.append(path) }
    }
    return removed
  }

  /// Removes the run folders in `base` (`albummaster-<pid>-XXXXXX`) whose process no longer exists.
  /// - Returns: the folders removed.
  @discardableResult
  public static func removeStaleRunFolders(in base: String = systemFolder) -> [String] {
    var removed: [String] = []
    for (name, isDir) in entries(of: base) where isDir && name.hasPrefix(runFolderPrefix) {
      let rest = name.dropFirst(runFolderPrefix.count).split(separator: "-")
      // mkdtemp's suffix is six characters: other folders named albummaster-… are not ours.
      guard rest.count == 2, rest[1].count == 6, let pid = Int32(rest[0]), isDead(pid) else { continue }
      let path = "\(base)/\(name)"
      var st = stat()
      guard lstat(path, &st) == 0, st.st_uid == getuid() else { continue }  // only our own user's
      removeTree(path)
      removed.append(path)
    }
    return removed
  }

  private static func isDead(_ pid: Int32) -> Bool {
    pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH
  }

  /// The names in `folder` (without . and ..), each with whether it is a real folder (a link to one is not).
  private static func entries(of folder: String) -> [(name: String, isDir: Bool)] {
    guard let dir = opendir(folder) else { return [] }
    defer { closedir(dir) }
    var out: [(String, Bool)] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
      }
      if name == "." || name == ".." { continue }
      var isDir = entry.pointee.d_type == UInt8(DT_DIR)
      if entry.pointee.d_type == UInt8(DT_UNKNOWN) {
        var st = stat()
        isDir = lstat("\(folder)/\(name)", &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
      }
      out.append((name, isDir))
    }
    return out
  }

  /// Removes a folder this process made and everything below it, without following links.
  private static func removeTree(_ folder: String) {
    for (name, isDir) in entries(of: folder) {
      let path = "\(folder)/\(name)"
      if isDir { removeTree(path) } else { unlink(path) }
    }
    rmdir(folder)
  }
}

