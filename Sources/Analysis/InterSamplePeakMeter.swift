import DSP

/// The accurate inter-sample peak per channel (`InterSamplePeak`): the largest |value| of the signal interpolated
/// with `InterSamplePeak`'s kernel on a grid of `InterSamplePeak.measureFactor` (16) points per sample, or
/// `InterSamplePeak.oversamplingFactor` where that is finer (8 and 11.025 kHz).
///
/// Cost: a piece of 48 frames is interpolated only where `boundFactor`·max|x| could beat the channel's peak so far
/// (raised to the piece's own largest sample, which the peak is at least),
/// and then on the coarse grid of `oversamplingFactor`; the 16× points only where the coarse grid times
/// `InterSamplePeak.gridBound` could. Every value left out is under the peak found so far, so the maximum is the
/// exact maximum over the whole grid, whatever the block sizes.
public struct InterSamplePeakMeter {
  /// Interleaved channels per frame.
  public let channels: Int
  /// Frames the threshold rises after (1 ms at 48 kHz).
  static let pieceFrames = 48
  private var detector: TruePeakInterpolator
  private var peaks: [Float]
  private var scratch: [Float] = []

  /// A meter for `channels` at `sampleRateHz`, with silent history.
  public init(channels: Int, sampleRateHz: Int) {
    self.channels = channels
    detector = TruePeakInterpolator(channels: channels, interSampleAtRateHz: sampleRateHz, refined: true)
    peaks = Array(repeating: 0, count: channels)
  }

  /// Feeds `frames` interleaved, finite frames.
  public mutating func add(_ samples: UnsafePointer<Float>, frames: Int) {
    guard frames > 0 else { return }
    if scratch.count < frames { scratch = Array(repeating: 0, count: frames) }
    for c in 0..<channels {
      let found = scratch.withUnsafeMutableBufferPointer { s in
        let p = s.baseAddress!  // frames > 0: never empty
        for i in 0..<frames { p[i] = 0 }
        _ = detector.accumulatePeaks(
          samples, frames: frames, channel: c, into: p, pieceFrames: Self.pieceFrames, interpolateAbove: peaks[c],
          samplesBound: true)
        return VectorMath.maxMagnitude(p, count: frames)
      }
      peaks[c] = max(peaks[c], found)
    }
  }

  /// Peak per channel (linear), after the kernel's tail past the last sample (silence follows the stream).
  public mutating func finish() -> [Double] {
    let tail = [Float](repeating: 0, count: detector.historyFrames * channels)
    tail.withUnsafeBufferPointer { if let p = $0.baseAddress { add(p, frames: detector.historyFrames) } }
    return peaks.map(Double.init)
  }
}
