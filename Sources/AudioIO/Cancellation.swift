import Synchronization

/// The process-wide stop request: a signal handler (SIGINT, SIGTERM) only sets it; every worker that loops over
/// blocks (reading, rendering, writing, codec round trips) checks it once per block, stops, removes its temp
/// files and throws `AudioIOError.cancelled`. One atomic load per block: nothing in per-sample loops.
public enum Cancellation {
  /// The signal that asked to stop, 0 while none did.
  private static let requestedBy = Atomic<Int32>(0)

  /// Asks every worker to stop. Returns false when a stop was already requested (a second signal).
  @discardableResult
  public static func request(signal: Int32) -> Bool {
    requestedBy.compareExchange(expected: 0, desired: signal, ordering: .sequentiallyConsistent).exchanged
  }

  /// The signal that asked to stop, or nil.
  public static var signal: Int32? {
    let s = requestedBy.load(ordering: .relaxed)
    return s == 0 ? nil : s
  }

  /// Whether a stop was requested.
  public static var isRequested: Bool { requestedBy.load(ordering: .relaxed) != 0 }

  /// Throws `.cancelled` (naming `path`) once a stop was requested.
  @inline(__always)
  public static func check(_ path: String) throws(AudioIOError) {
    if requestedBy.load(ordering: .relaxed) != 0 { throw .cancelled(path: path) }
  }
}
