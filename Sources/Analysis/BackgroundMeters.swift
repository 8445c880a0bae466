import AudioIO
import Foundation
import Infrastructure

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
  /// What the meters measure.
  public enum Scope: Sendable {
    /// Everything `TrackAnalyzer` measures: `finish()`.
    case analysis
    /// Integrated loudness alone (libebur128's K-weighting and gating): `finishIntegratedLUFS()`.
    case integratedLoudness
    /// Integrated loudness and the median short-term PSR (the loudness and true-peak meters, nothing else):
    /// `finishLoudnessAndPSR()`. What the dynamics' measuring passes need, at about half the analysis's cost.
    case loudnessAndPSR
  }

  private enum Measured {
    case analysis(TrackAnalysis)
    case integratedLUFS(Double?)
    case loudnessAndPSR(Double?, Double?)
  }

  private let queue: BlockQueue
  private let worker: BackgroundThread<Measured>

  /// Starts the meters for audio of `info`'s rate and channels; the result is reported as `file`.
  public init(info: AudioFileInfo, file: String, scope: Scope = .analysis, capacity: Int = 16) {
    let queue = BlockQueue(capacity: capacity)
    self.queue = queue
    worker = BackgroundThread(name: "meters: \(file)") { () throws -> Measured in
      switch scope {
      case .analysis: return .analysis(try Self.runAnalysis(info: info, file: file, queue: queue))
      case .integratedLoudness: return .integratedLUFS(try Self.runLoudness(info: info, queue: queue))
      case .loudnessAndPSR:
        let (lufs, psr) = try Self.runLoudnessAndPSR(info: info, queue: queue)
        return .loudnessAndPSR(lufs, psr)
      }
    }
  }

  /// Queues interleaved frames; waits while the meters are `capacity` blocks behind.
  public func feed(_ block: [Float]) { queue.push(block) }

  /// Ends the stream, waits for the meters and returns the analysis (with `info` as given at the start:
  /// the caller puts the written file's header in).
  public func finish() throws(LoudnessMeterError) -> TrackAnalysis {
    guard case .analysis(let analysis) = try measured() else { preconditionFailure("started with scope .integratedLoudness") }
    return analysis
  }

  /// Ends the stream and returns the integrated loudness (`nil` when all of it is gated out).
  public func finishIntegratedLUFS() throws(LoudnessMeterError) -> Double? {
    try finishLoudnessAndPSR().lufs
  }

  /// Ends the stream and returns the integrated loudness and the median short-term PSR (`nil` when not
  /// measured: scope `.integratedLoudness`, or a track too short or silent).
  public func finishLoudnessAndPSR() throws(LoudnessMeterError) -> (lufs: Double?, psrDB: Double?) {
    switch try measured() {
    case .integratedLUFS(let lufs): return (lufs, nil)
    case .loudnessAndPSR(let lufs, let psr): return (lufs, psr)
    case .analysis(let analysis): return (analysis.loudness.integratedLUFS, analysis.dynamics.psrMedianDB)
    }
  }

  private func measured() throws(LoudnessMeterError) -> Measured { try closeAndJoin(queue, worker) }

  private static func runAnalysis(info: AudioFileInfo, file: String, queue: BlockQueue) throws(LoudnessMeterError) -> TrackAnalysis {
    var meters = try TrackMeters(info: info)
    try drain(queue, channels: info.channels) { (p, frames) in meters.add(p, frames: frames) }
    return try meters.result(file: file, info: info)
  }

  private static func runLoudnessAndPSR(info: AudioFileInfo, queue: BlockQueue) throws(LoudnessMeterError) -> (Double?, Double?) {
    var truePeak = try TruePeakMeter(
      channels: info.channels, sampleRateHz: info.sampleRate,
      blockFrames: ShortTermPSRMeter.blockFrames(sampleRateHz: info.sampleRate))
    let loudness = LoudnessThread(info: info)
    // As `TrackMeters.add`: the true peaks of each block reach the loudness thread before its samples.
    try drain(queue, channels: info.channels) { (p, frames) in
      truePeak.add(p, frames: frames)
      loudness.feedTruePeakBlocks(truePeak.takeBlockPeaks())
      loudness.feed(p, frames: frames)
    }
    _ = truePeak.finish()
    loudness.feedTruePeakBlocks(truePeak.takeBlockPeaks())
    let measured = try loudness.finish()
    return (measured.loudness.integratedLUFS, measured.shortTermPSR?.medianDB)
  }

  private static func runLoudness(info: AudioFileInfo, queue: BlockQueue) throws(LoudnessMeterError) -> Double? {
    var meter = try LoudnessMeter(
      channels: info.channels, sampleRateHz: info.sampleRate, channelMap: info.channelMap, integratedOnly: true)
    // Loudness does not depend on where the stream is cut: the blocks go in as they come, not copied into
    // `TrackAnalyzer.blockFrames`-frame blocks.
    try consume(queue) { block throws(LoudnessMeterError) in
      try block.withUnsafeBufferPointer { (p) throws(LoudnessMeterError) in
        try meter.add(p.baseAddress!, frames: block.count / info.channels)
      }
    }
    return meter.result(truePeaks: [], samplePeakDBFS: nil).integratedLUFS
  }

  /// Hands every queued block to `add` until the stream is closed; after a failure it abandons the queue, so the
  /// feeder never waits on a dead consumer.
  fileprivate static func consume(
    _ queue: BlockQueue, _ add: ([Float]) throws(LoudnessMeterError) -> Void
  ) throws(LoudnessMeterError) {
    while let block = queue.pop() {
      do { try add(block) } catch {
        queue.abandon()
        throw error
      }
    }
  }

  /// Hands the queued audio to `add` in `TrackAnalyzer.blockFrames`-frame blocks (the last one shorter),
  /// until the stream is closed. After a failure it abandons the queue, so the feeder never waits on a dead consumer.
  private static func drain(
    _ queue: BlockQueue, channels: Int, _ add: (UnsafeMutablePointer<Float>, Int) throws(LoudnessMeterError) -> Void
  ) throws(LoudnessMeterError) {
    let width = TrackAnalyzer.blockFrames * channels
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: width)
    defer { buffer.deallocate() }
    var filled = 0
    while var block = queue.pop() {
      var offset = 0
      while offset < block.count {
        let n = min(width - filled, block.count - offset)
        if filled == 0 && n == width {
          // A whole block lies in the queued one: fed from there, not copied (the meters may zero samples in it).
          do {
            try block.withUnsafeMutableBufferPointer { (b) throws(LoudnessMeterError) in
              try add(b.baseAddress! + offset, TrackAnalyzer.blockFrames)
            }
          } catch {
            queue.abandon()
            throw error
          }
          offset += n
          continue
        }
        block.withUnsafeBufferPointer { (buffer + filled).update(from: $0.baseAddress! + offset, count: n) }
        filled += n
        offset += n
        if filled == width {
          do { try add(buffer, TrackAnalyzer.blockFrames) } catch {
            queue.abandon()
            throw error
          }
          filled = 0
        }
      }
    }
    if filled > 0 { try add(buffer, filled / channels) }
  }
}

/// What `LoudnessThread` measured: the loudness (without peaks), the gating-block energies and the short-term PSR.
struct LoudnessThreadResult {
  var loudness: LoudnessStats
  var blockEnergies: [Double]
  var shortTermPSR: ShortTermPSR?
}

/// A `LoudnessMeter` on a thread of its own, fed copies of the blocks through a short queue, and the true peaks
/// of 100 ms blocks for the short-term PSR through a locked list. Its libebur128 state is created, used and freed
/// on that thread. Dropped unfinished (the caller failed), it abandons the queue, so the thread ends.
final class LoudnessThread: @unchecked Sendable {
  private let queue: BlockQueue
  private let peaks: PeakRelay
  private let worker: BackgroundThread<LoudnessThreadResult>
  private let channels: Int

  init(info: AudioFileInfo, capacity: Int = 16) {
    let queue = BlockQueue(capacity: capacity)
    let peaks = PeakRelay()
    self.queue = queue
    self.peaks = peaks
    channels = info.channels
    worker = BackgroundThread(name: "loudness") { () throws -> LoudnessThreadResult in
      var meter = try LoudnessMeter(channels: info.channels, sampleRateHz: info.sampleRate, channelMap: info.channelMap)
      try BackgroundMeters.consume(queue) { block throws(LoudnessMeterError) in
        // The peaks of this block's audio were handed over before it was queued.
        meter.addTruePeakBlocks(peaks.take())
        try block.withUnsafeBufferPointer { (p) throws(LoudnessMeterError) in
          try meter.add(p.baseAddress!, frames: block.count / info.channels)
        }
      }
      meter.addTruePeakBlocks(peaks.take())
      return LoudnessThreadResult(
        loudness: meter.result(truePeaks: [], samplePeakDBFS: nil), blockEnergies: meter.gatingBlockEnergies,
        shortTermPSR: meter.shortTermPSR)
    }
  }

  deinit { queue.abandon() }

  /// Queues a copy of `frames` interleaved frames; waits while the meter is `capacity` blocks behind.
  func feed(_ p: UnsafePointer<Float>, frames: Int) {
    queue.push(Array(UnsafeBufferPointer(start: p, count: frames * channels)))
  }

  /// Hands over the true peaks of the next 100 ms blocks (`LoudnessMeter.addTruePeakBlocks`): before the audio
  /// they were measured on is fed, or before `finish`.
  func feedTruePeakBlocks(_ blockPeaks: [Float]) {
    if !blockPeaks.isEmpty { peaks.append(blockPeaks) }
  }

  /// Ends the stream and returns what the meter measured.
  func finish() throws(LoudnessMeterError) -> LoudnessThreadResult { try closeAndJoin(queue, worker) }
}

/// Block peaks from the feeding thread to the loudness thread. The feeder hands over a block's peaks before the
/// block itself, so the list holds at most what the queue holds.
private final class PeakRelay: @unchecked Sendable {
  private let lock = NSLock()
  private var peaks: [Float] = []

  func append(_ p: [Float]) {
    lock.lock()
    peaks += p
    lock.unlock()
  }

  /// Everything handed over so far, in order.
  func take() -> [Float] {
    lock.lock()
    defer { lock.unlock() }
    let p = peaks
    peaks.removeAll(keepingCapacity: true)
    return p
  }
}

/// Ends `queue`'s stream and waits for the meter thread reading it; passes on the error libebur128 reported.
private func closeAndJoin<T>(_ queue: BlockQueue, _ worker: BackgroundThread<T>) throws(LoudnessMeterError) -> T {
  queue.close()
  do {
    return try worker.join()
  } catch let e as LoudnessMeterError {
    throw e
  } catch {
    preconditionFailure("the meters throw LoudnessMeterError only: \(error)")
  }
}
