import CEBUR128
import DSP

/// True peak per channel through libebur128's interpolator (49-tap windowed sinc, 4× below 96 kHz,
/// 2× below 192 kHz, none above), computed exactly but only where it can matter.
///
/// The signal is split into 10 ms segments. For each, `TruePeakInterpolator` computes the same
/// interpolation in vectorized Float, which differs from libebur128's Double sums by under 2·10⁻⁶ of
/// K·max|x| (K = the largest sum of |coefficients| of one polyphase branch: 1.864 at 4×, 2.307 at 2×;
/// the Float work is skipped outright when K·max|x| ≤ the peak so far). A segment whose estimate, plus a
/// margin of 2·10⁻⁵·K·max|x| (ten times that error), stays under its channel's true peak found so far
/// cannot raise it, so libebur128 does not interpolate it. Before a segment that follows a skipped one,
/// the preceding `historyFrames` samples (13 at 4×, 25 at 2×) are fed in a separate call whose output is
/// ignored: the interpolator's
/// history is then exactly what continuous feeding would have left, and the segment's outputs
/// (`ebur128_prev_true_peak`) are bit-identical to continuous feeding. The reported peak is therefore
/// libebur128's own maximum. The state maps every channel `EBUR128_UNUSED`, so it does not repeat the
/// K-weighting of the loudness meter.
///
/// With `blockFrames`, it also reports the true peak of every block of that many frames (the 100 ms blocks of the
/// short-term PSR), taken from the Float interpolation: a segment is interpolated in Float when it could raise
/// its block's peak so far, as well as its channel's. A value is counted in the block of the input frame it is
/// computed at, `delayFrames` (6 at 4×) after the instant it stands for.
public struct TruePeakMeter: ~Copyable {
  private var state: UnsafeMutablePointer<ebur128_state>
  /// Interleaved channels per frame.
  public let channels: Int
  /// Input samples each interpolated value depends on: libebur128's interpolator delay, (49 + factor − 1) / factor
  /// (13 at 4×, 25 at 2×), which is the estimator's history. All of it must be fed before a segment that follows a
  /// skipped one: with 13 at 2× libebur128 kept 12 samples from before the gap and read 96 kHz masters up to
  /// 0.25 dB high.
  let historyFrames: Int
  /// Frames the Float estimate decides on at a time: a piece whose bound is under the largest value found so far
  /// in its segment is not interpolated (1 ms at 48 kHz).
  static let pieceFrames = 48
  /// The Float estimate that decides which segments libebur128 interpolates.
  private var estimator: TruePeakInterpolator
  private var estimate: [Float]
  /// 10 ms.
  let segmentFrames: Int
  /// Feed everything (for tests that prove the skipping exact).
  let exhaustive: Bool
  /// Interleaved: the last `historyFrames` frames fed or skipped, then the pending segment.
  private var pending: [Float]
  private var pendingFrames = 0
  private var history: [Float]
  private var historyCount = 0
  /// Whether the interpolator's history matches the signal right before `pending` (nothing skipped since).
  private var continuous = true
  private var peak: [Double]
  private var framesTotal: Int64 = 0
  private(set) var framesInterpolated: Int64 = 0
  /// Frames per block whose peaks are reported; 0 for none.
  private let blockFrames: Int
  private var blockFramesDone = 0
  private var blockPeak: Float = 0
  private var finishedBlockPeaks: [Float] = []
  /// Per part of the current segment that lies in one block: its peak over the channels so far.
  private var partPeaks: [Float] = []

  /// Creates a meter. `exhaustive` interpolates every sample (the reference the skipping is tested against).
  /// `blockFrames` > 0 also measures the true peak of every block of that many frames (`takeBlockPeaks`).
  public init(channels: Int, sampleRateHz: Int, exhaustive: Bool = false, blockFrames: Int = 0) throws(LoudnessMeterError) {
    guard let st = ebur128_init(UInt32(channels), UInt(sampleRateHz), Int32(EBUR128_MODE_TRUE_PEAK.rawValue)) else {
      throw LoudnessMeterError(call: "ebur128_init", code: -1)
    }
    for c in 0..<channels { ebur128_set_channel(st, UInt32(c), Int32(EBUR128_UNUSED.rawValue)) }
    state = st
    self.channels = channels
    self.exhaustive = exhaustive
    estimator = TruePeakInterpolator(channels: channels, sampleRateHz: sampleRateHz)
    historyFrames = estimator.historyFrames
    segmentFrames = max(historyFrames, sampleRateHz / 100)
    estimate = Array(repeating: 0, count: segmentFrames)
    pending = Array(repeating: 0, count: segmentFrames * channels)
    history = Array(repeating: 0, count: historyFrames * channels)
    peak = Array(repeating: 0, count: channels)
    self.blockFrames = max(0, blockFrames)
  }

  deinit {
    var p: UnsafeMutablePointer<ebur128_state>? = state
    ebur128_destroy(&p)
  }

  /// Feeds `frames` interleaved, finite frames.
  public mutating func add(_ samples: UnsafePointer<Float>, frames: Int) {
    var offset = 0
    while offset < frames {
      let n = min(frames - offset, segmentFrames - pendingFrames)
      pending.withUnsafeMutableBufferPointer {
        ($0.baseAddress! + pendingFrames * channels).update(from: samples + offset * channels, count: n * channels)
      }
      pendingFrames += n
      offset += n
      if pendingFrames == segmentFrames { flushSegment() }
    }
  }

  private mutating func flushSegment() {
    let frames = pendingFrames
    guard frames > 0 else { return }
    framesTotal += Int64(frames)
    // Block peaks need the Float estimate even when libebur128 is fed everything.
    let may = exhaustive && blockFrames == 0 ? true : mayRaisePeak(frames: frames)
    if exhaustive || may {
      if !continuous {
        history.withUnsafeBufferPointer { h in
          _ = ebur128_add_frames_float(state, h.baseAddress! + (historyFrames - historyCount) * channels, historyCount)
        }
      }
      pending.withUnsafeBufferPointer { _ = ebur128_add_frames_float(state, $0.baseAddress!, frames) }
      framesInterpolated += Int64(frames)
      for c in 0..<channels {
        var p = 0.0
        ebur128_prev_true_peak(state, UInt32(c), &p)
        peak[c] = max(peak[c], p)
      }
      continuous = true
    } else {
      continuous = false
    }
    // Remember the last frames for the next segment's history.
    let keep = min(historyFrames, frames)
    history.withUnsafeMutableBufferPointer { h in
      let base = h.baseAddress!
      let shift = historyFrames - keep
      if shift > 0 { base.update(from: base + keep * channels, count: shift * channels) }
      pending.withUnsafeBufferPointer { p in
        (base + shift * channels).update(from: p.baseAddress! + (frames - keep) * channels, count: keep * channels)
      }
    }
    historyCount = min(historyFrames, historyCount + frames)
    pendingFrames = 0
  }

  /// Whether some channel's estimate over the segment, with its margin, reaches that channel's peak so far.
  /// Every channel's estimator history advances, whatever the answer. With blocks, the estimate also goes
  /// into the block peaks.
  private mutating func mayRaisePeak(frames: Int) -> Bool {
    var may = false
    let parts = blockFrames > 0 ? startBlockParts(frames: frames) : 0
    for c in 0..<channels {
      let peakSoFar = peak[c]
      // A segment within one block that cannot beat the block's peak so far needs no interpolation for it;
      // one that starts a block or straddles two always does.
      var threshold = Float(peakSoFar)
      if parts > 0 { threshold = min(threshold, parts == 1 && blockFramesDone > 0 ? max(blockPeak, partPeaks[0]) : 0) }
      let (maxAbs, interpolated) = pending.withUnsafeBufferPointer { p in
        estimate.withUnsafeMutableBufferPointer { e in
          for i in 0..<frames { e[i] = 0 }
          // Below the threshold the bound alone proves a piece harmless: no Float interpolation. Only maxima are
          // wanted (the channel's, the block's), so the threshold rises to the largest value found so far,
          // piece by piece (unless the segment straddles two blocks, which need one maximum each).
          return estimator.accumulatePeaks(
            p.baseAddress!, frames: frames, channel: c, into: e.baseAddress!,
            pieceFrames: parts <= 1 ? Self.pieceFrames : frames, interpolateAbove: threshold)
        }
      }
      // Not interpolated (with oversampling): every value is under the threshold, so under the block's peak.
      if parts > 0 && (interpolated || estimator.factor == 1) { foldIntoParts(frames: frames) }
      // K·max|x| under the peak: nothing here can raise it (the estimate then holds the samples only).
      guard !may, maxAbs * estimator.boundFactor > Float(peakSoFar) else { continue }
      var m: Float = 0
      estimate.withUnsafeBufferPointer { e in for i in 0..<frames { m = max(m, e[i]) } }
      let margin = 2e-5 * Double(estimator.boundFactor) * Double(maxAbs)
      if Double(m) + margin >= peakSoFar { may = true }
    }
    if parts > 0 { commitBlockParts(frames: frames) }
    return may
  }

  /// Splits the coming segment into its parts in successive blocks and clears their peaks; returns how many.
  private mutating func startBlockParts(frames: Int) -> Int {
    var parts = 0, done = blockFramesDone, start = 0
    while start < frames {
      let n = min(frames - start, blockFrames - done)
      start += n
      done = (done + n) % blockFrames
      parts += 1
    }
    if partPeaks.count < parts { partPeaks = Array(repeating: 0, count: parts) }
    for i in 0..<parts { partPeaks[i] = 0 }
    return parts
  }

  /// Raises each part's peak to this channel's estimate over it.
  private mutating func foldIntoParts(frames: Int) {
    var part = 0, done = blockFramesDone, start = 0
    estimate.withUnsafeBufferPointer { e in
      while start < frames {
        let n = min(frames - start, blockFrames - done)
        partPeaks[part] = max(partPeaks[part], VectorMath.maxMagnitude(e.baseAddress! + start, count: n))
        start += n
        done = (done + n) % blockFrames
        part += 1
      }
    }
  }

  /// Puts the segment's part peaks into their blocks and closes the blocks it completes.
  private mutating func commitBlockParts(frames: Int) {
    var part = 0, start = 0
    while start < frames {
      let n = min(frames - start, blockFrames - blockFramesDone)
      blockPeak = max(blockPeak, partPeaks[part])
      start += n
      blockFramesDone += n
      part += 1
      if blockFramesDone == blockFrames {
        finishedBlockPeaks.append(blockPeak)
        blockPeak = 0
        blockFramesDone = 0
      }
    }
  }

  /// True peak per channel (linear), after interpolating whatever segment is still pending.
  public mutating func finish() -> [Double] {
    flushSegment()
    return peak
  }

  /// The true peaks (linear, the maximum over the channels) of the blocks completed since the last call, in
  /// order; a block still open at the end of the stream is never reported.
  public mutating func takeBlockPeaks() -> [Float] {
    defer { finishedBlockPeaks.removeAll(keepingCapacity: true) }
    return finishedBlockPeaks
  }

  /// Share of frames that were interpolated (1 with `exhaustive`).
  public var interpolatedShare: Double { framesTotal > 0 ? Double(framesInterpolated) / Double(framesTotal) : 0 }
}
