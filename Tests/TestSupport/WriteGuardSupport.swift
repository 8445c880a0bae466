import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Makes a FIFO at `path`.
public func writeGuardMakeFIFO(_ path: String) throws {
  guard mkfifo(path, 0o644) == 0 else { throw CocoaError(.fileWriteUnknown) }
}

/// Every entry below `path` with its bytes (regular files) or its kind (a symlink's target, a FIFO), without
/// ever opening anything but a regular file: for "inputs unchanged" checks on albums holding FIFOs or links to
/// devices, which `snapshot` would block on.
public func writeGuardSnapshot(_ path: String) -> [String: Data] {
  var out: [String: Data] = [:]
  let names = FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []
  for f in names {
    let full = (path as NSString).appendingPathComponent(f)
    var st = stat()
    guard lstat(full, &st) == 0 else { continue }
    switch st.st_mode & S_IFMT {
    case S_IFREG: out[f] = fileBytes(full)
    case S_IFLNK: out[f] = Data(("link:" + ((try? FileManager.default.destinationOfSymbolicLink(atPath: full)) ?? "")).utf8)
    case S_IFDIR: out[f] = Data("folder".utf8)
    default: out[f] = Data("mode:\(st.st_mode)".utf8)
    }
  }
  return out
}
