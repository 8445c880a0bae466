import DSP

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One input file, opened once and checked on its descriptor: the hasher and the decoder then read that same
/// descriptor, so what was checked is what is read.
///
/// The open is non-blocking, so a FIFO (with no writer) cannot hang it; `fstat` then refuses anything but a
/// regular file (FIFOs, devices such as `/dev/zero` through a symlink, folders, sockets), and only then is
/// `O_NONBLOCK` cleared. Owns the descriptor; closes it when it goes away.
public struct InputFile: ~Copyable {
  /// The path as given.
  public let path: String
  /// Size in bytes at the time of the open.
  public let sizeBytes: Int64
  let descriptor: Int32

  /// Opens `path` read-only and checks that it is a regular file.
  /// - Throws: `.openFailed` naming the file: the system's reason, or "not a regular file (a FIFO)" and the like.
  public init(path: String) throws(AudioIOError) {
    let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
    guard fd >= 0 else { throw .openFailed(path: path, reason: String(cString: strerror(errno))) }
    var st = stat()
    guard fstat(fd, &st) == 0 else {
      let reason = String(cString: strerror(errno))
      close(fd)
      throw .openFailed(path: path, reason: reason)
    }
    let type = st.st_mode & S_IFMT
    guard type == S_IFREG else {
      close(fd)
      throw .openFailed(path: path, reason: "not a regular file (\(Self.kind(type)))")
    }
    let flags = fcntl(fd, F_GETFL)
    guard flags >= 0, fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0 else {
      let reason = String(cString: strerror(errno))
      close(fd)
      throw .openFailed(path: path, reason: reason)
    }
    self.path = path
    self.descriptor = fd
    self.sizeBytes = Int64(st.st_size)
  }

  deinit { close(descriptor) }

  static func kind(_ type: mode_t) -> String {
    switch type {
    case S_IFIFO: "a FIFO"
    case S_IFCHR: "a character device"
    case S_IFBLK: "a block device"
    case S_IFDIR: "a folder"
    case S_IFSOCK: "a socket"
    default: "not a file"
    }
  }

  /// Calls `body` with the file's bytes from the start, 1 MiB at a time. Reads with `pread`, so the
  /// descriptor's offset stays where a decoder expects it.
  /// - Throws: `.readFailed` when the system cannot read.
  public func forEachChunk(_ body: (UnsafeRawBufferPointer) -> Void) throws(AudioIOError) {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
    defer { buffer.deallocate() }
    var offset: off_t = 0
    while true {
      let n = pread(descriptor, buffer.baseAddress, buffer.count, offset)
      if n == 0 { return }
      if n < 0 {
        if errno == EINTR { continue }
        throw .readFailed(path: path, reason: String(cString: strerror(errno)))
      }
      body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
      offset += off_t(n)
    }
  }

  /// Every byte of the file (for small documents: a profile, a plan), or `nil` once it holds more than
  /// `maxBytes` (a file that grew after it was opened is still refused, and never read whole).
  public func readAll(maxBytes: Int = .max) throws(AudioIOError) -> [UInt8]? {
    guard sizeBytes <= maxBytes else { return nil }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Int(max(0, sizeBytes)))
    var over = false
    try forEachChunk { chunk in
      guard !over else { return }
      if bytes.count + chunk.count > maxBytes { over = true } else { bytes.append(contentsOf: chunk) }
    }
    return over ? nil : bytes
  }

  /// Lower-case hex SHA-256 of the file's bytes (the cache's key), streamed.
  public func sha256Hex() throws(AudioIOError) -> String {
    var hasher = SHA256.Hasher()
    try forEachChunk { hasher.update($0) }
    return SHA256.hex(digest: hasher.finalize())
  }

  /// The SHA-256 of the regular file at `path`; `nil` if it cannot be opened as one or read.
  public static func sha256Hex(ofFile path: String) -> String? {
    guard let file = try? InputFile(path: path) else { return nil }
    return try? file.sha256Hex()
  }

  /// A new descriptor of the same open file, rewound to the start, for a decoder that closes what it is given.
  func duplicateAtStart() throws(AudioIOError) -> Int32 {
    let fd = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
    guard fd >= 0 else { throw .openFailed(path: path, reason: String(cString: strerror(errno))) }
    guard lseek(fd, 0, SEEK_SET) == 0 else {
      let reason = String(cString: strerror(errno))
      close(fd)
      throw .openFailed(path: path, reason: reason)
    }
    return fd
  }
}
