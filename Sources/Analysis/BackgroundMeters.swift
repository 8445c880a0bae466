import AudioIO
import Foundation

/// `TrackMeters` on a thread of their own, fed through a short queue: a master is analysed while the
/// renderer writes it, on another core, instead of being read back afterwards.
///
/// The feeding side never waits unless the meters fall `capacity` blocks behind, so memory stays a few
/// blocks whatever the length. The meters get exactly the blocks `TrackAnalyzer` would read from the file
/// (`TrackAnalyzer.blockFrames` frames, the last one shorter), so the result is the file's analysis.
///
/// A Foundation thread rather than a task: the renderer feeding it is synchronous and blocks while the queue
/// is full, and a blocked task could starve the meters of a cooperative thread (with 2 cores, a deadlock).
/// The libebur128 states are created, used and freed on that thread only.
public final class BackgroundMeters: @unchecked Sendable {
  private let condition = NSCondition()
  private var queue: [[Float]] = []
  private var closed = false
  private var outcome: Result<TrackAnalysis, LoudnessMeterError>?
  private let capacity: Int

  /// Starts the meters for audio of `info`'s rate and channels; the result is reported as `file`.
  public init(info: AudioFileInfo, file: String, capacity: Int = 8) {
    self.capacity = capacity
    let thread = Thread { [self] in
      let result = Result { () throws(LoudnessMeterError) in try self.run(info: info, file: file) }
      condition.lock()
      outcome = result
      condition.broadcast()
      condition.unlock()
    }
    thread.name = "meters: \(file)"
    thread.start()
  }

  /// Queues interleaved frames; waits while the meters are `capacity` blocks behind.
  public func feed(_ block: [Float]) {
    guard !block.isEmpty else { return }
    condition.lock()
    while queue.count >= capacity && outcome == nil { condition.wait() }
    queue.append(block)
    condition.broadcast()
    condition.unlock()
  }

  /// Ends the stream, waits for the meters and returns the analysis (with `info` as given at the start:
  /// the caller puts the written file's header in).
  public func finish() throws(LoudnessMeterError) -> TrackAnalysis {
    condition.lock()
    closed = true
    condition.broadcast()
    while outcome == nil { condition.wait() }
    let result = outcome!
    condition.unlock()
    return try result.get()
  }

  /// The next queued block, or nil once the stream is closed and drained.
  private func next() -> [Float]? {
    condition.lock()
    defer { condition.unlock() }
    while queue.isEmpty && !closed { condition.wait() }
    if queue.isEmpty { return nil }
    let block = queue.removeFirst()
    condition.broadcast()
    return block
  }

  private func run(info: AudioFileInfo, file: String) throws(LoudnessMeterError) -> TrackAnalysis {
    var meters = try TrackMeters(info: info)
    let width = TrackAnalyzer.blockFrames * info.channels
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: width)
    defer { buffer.deallocate() }
    var filled = 0
    var failure: LoudnessMeterError? = nil
    while let block = next() {
      if failure != nil { continue }  // drain, so the feeder never waits on a dead consumer
      var offset = 0
      while offset < block.count {
        let n = min(width - filled, block.count - offset)
        block.withUnsafeBufferPointer { (buffer + filled).update(from: $0.baseAddress! + offset, count: n) }
        filled += n
        offset += n
        if filled == width {
          do { try meters.add(buffer, frames: TrackAnalyzer.blockFrames) } catch { failure = error }
          filled = 0
        }
      }
    }
    if let failure { throw failure }
    if filled > 0 { try meters.add(buffer, frames: filled / info.channels) }
    return meters.result(file: file, info: info)
  }
}
