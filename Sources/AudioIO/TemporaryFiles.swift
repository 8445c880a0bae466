import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Every temp file this process is writing, so that an interrupted run can remove them before it exits, and
/// a later run can remove those that a killed process (SIGKILL) left behind.
///
/// Temp files are hidden and named `.<final name>.<pid>.<random>.tmp` beside their final name: a reader of
/// the folder never mistakes one for a finished file, and the pid tells whether its writer is still alive.
/// A final name too long for that (file names stop at 255 bytes) is shortened to a prefix and a hash.
public enum TemporaryFiles {
  private static let live = Mutex(Set<String>())
  /// The longest file name Linux file systems take, in bytes.
  public static let maxNameBytes = 255

  /// The temp path for `finalPath`, registered until `done` is called with it.
  public static func make(for finalPath: String) -> String {
    let slash = finalPath.lastIndex(of: "/")
    let dir = slash.map { String(finalPath[..<$0]) } ?? "."
    let name = slash.map { String(finalPath[finalPath.index(after: $0)...]) } ?? finalPath
    let path = "\(dir)/.\(tempStem(name)).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
    live.withLock { _ = $0.insert(path) }
    return path
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
    live.withLock { _ = $0.remove(path) }
  }

  /// Removes every temp file still being written (for a signal handler: no locks beyond this one, no allocation
  /// of note).
  public static func removeAll() {
    let paths = live.withLock { s in
      let all = s
      s.removeAll()
      return all
    }
    for p in paths { unlink(p) }
  }

  /// Removes temp files in `folder` whose writing process no longer exists (left by a SIGKILL).
  /// - Returns: the names removed.
  @discardableResult
  public static func removeStale(in folder: String) -> [String] {
    guard let dir = opendir(folder) else { return [] }
    defer { closedir(dir) }
    var removed: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
      }
      guard name.hasPrefix("."), name.hasSuffix(".tmp") else { continue }
      let parts = name.split(separator: ".")
      guard parts.count >= 4, let pid = Int32(parts[parts.count - 3]) else { continue }
      if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH {
        unlink("\(folder)/\(name)")
        removed.append(name)
      }
    }
    return removed
  }
}

