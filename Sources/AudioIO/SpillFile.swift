import Foundation
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Float samples kept for a second pass in a temp file that has no name: it is unlinked as soon as it is open,
/// so nothing is left behind whatever happens to the process, and its pages live in the kernel's cache, not
/// in this process's memory.
///
/// Best effort: when a write fails (a full disk), the file stops taking samples and `isComplete` stays false;
/// the caller then computes the samples again. Written by one thread, then read by one thread.
public final class SpillFile: @unchecked Sendable {
  private let fd: Int32
  private var failed = false
  /// Samples written so far.
  public private(set) var count = 0
  /// The most samples the file takes; past it, writing stops (as for a failure).
  public let capacity: Int
  private var closedForWriting = false

  /// Opens an unnamed file in `folder` for at most `capacity` samples. Returns nil when the folder takes no file.
  public init?(folder: String, capacity: Int) {
    let (path, fd) = TemporaryFiles.create(for: folder + "/spill", mode: 0o600)
    if fd >= 0 { unlink(path) }
    TemporaryFiles.done(path)
    guard fd >= 0 else { return nil }
    self.fd = fd
    self.capacity = capacity
  }

  /// Closing frees the file's pages (tens of milliseconds for a long track): off the caller's path.
  deinit {
    let fd = fd
    Thread.detachNewThread { close(fd) }
  }

  /// Appends `samples`; on a failure, or past `capacity`, the file is marked incomplete and takes no more.
  public func append(_ samples: UnsafeBufferPointer<Float>) {
    guard !failed, !closedForWriting, let base = samples.baseAddress, !samples.isEmpty else { return }
    guard count + samples.count <= capacity else {
      failed = true
      return
    }
    var done = 0
    let bytes = samples.count * MemoryLayout<Float>.size
    while done < bytes {
      let n = pwrite(fd, UnsafeRawPointer(base) + done, bytes - done, off_t((count * MemoryLayout<Float>.size) + done))
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else {
        failed = true
        return
      }
      done += n
    }
    count += samples.count
  }

  /// Ends writing: after a complete stream, `isComplete` is true and the samples can be read.
  public func finishWriting() { closedForWriting = true }

  /// Whether every sample of the stream is in the file.
  public var isComplete: Bool { closedForWriting && !failed }

  /// Whether nothing has been written yet: a stream can be recorded.
  public var isEmpty: Bool { count == 0 && !closedForWriting && !failed }

  /// Reads up to `into.count` samples from sample `offset`; returns how many (0 at the end).
  public func read(at offset: Int, into buffer: UnsafeMutableBufferPointer<Float>) throws(AudioIOError) -> Int {
    try Cancellation.check("(spill file)")
    let wanted = min(buffer.count, count - offset)
    guard wanted > 0, let base = buffer.baseAddress else { return 0 }
    var done = 0
    let bytes = wanted * MemoryLayout<Float>.size
    while done < bytes {
      let n = pread(fd, UnsafeMutableRawPointer(base) + done, bytes - done, off_t(offset * MemoryLayout<Float>.size + done))
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else {
        let reason = n == 0 ? "ended before the samples written" : String(cString: strerror(errno))
        throw AudioIOError.readFailed(path: "(spill file)", reason: reason)
      }
      done += n
    }
    return wanted
  }
}
