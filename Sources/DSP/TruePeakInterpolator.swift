#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// libebur128's true-peak interpolation (49-tap Hann-windowed sinc; 4× below 96 kHz, 2× below 192 kHz, the
/// samples themselves above), computed per channel in Float with loops the compiler vectorizes.
///
/// libebur128 sums in Double with Double coefficients; here both are Float, so a value differs from
/// libebur128's by at most about 13 · 2⁻²⁴ · Σ|c|·max|x| (under 2·10⁻⁶ of `boundFactor` · max|x|). That is
/// close enough to find peaks for the limiter, and to tell the true-peak meter where libebur128 need not look.
public struct TruePeakInterpolator {
  /// Interleaved channels per frame.
  public let channels: Int
  /// Oversampling factor: 4, 2 or 1.
  public let factor: Int
  /// Input samples each interpolated value depends on: the history kept per channel.
  public let historyFrames: Int
  /// Phase f at input frame i is the value at time i − delayFrames + f/factor.
  public let delayFrames: Int
  /// The largest Σ|c| over the polyphase branches (1.864 at 4×, 2.307 at 2×, 1 without interpolation).
  public let polyphaseL1: Double
  /// `polyphaseL1` plus 0.1 % for Float rounding: |any value| ≤ boundFactor · max|x| over its history.
  public let boundFactor: Float
  /// Coefficients of phases 1…factor−1 (phase 0 is the sample itself) and their delay-line offsets, phase after
  /// phase in one flat array each (no array per phase to retain in the inner loop); phase f starts at
  /// `phaseStarts[f − 1]` and ends where the next starts (the last at the end).
  private let phaseCoefficients: [Float]
  private let phaseOffsets: [Int]
  private let phaseStarts: [Int]
  /// The longest offset (12 at 4×, 24 at 2×): the farthest sample back an interpolated value reads.
  private let reach: Int
  private var channelHistory: [[Float]]
  private var line: [Float] = []

  /// Creates an interpolator for `channels` at `sampleRateHz`, with silent history.
  public init(channels: Int, sampleRateHz: Int) {
    self.channels = channels
    factor = sampleRateHz < 96_000 ? 4 : sampleRateHz < 192_000 ? 2 : 1
    let taps = 49
    var coefficients = [[Float]](repeating: [], count: factor)
    var offsets = [[Int]](repeating: [], count: factor)
    var l1 = [Double](repeating: 0, count: factor)
    if factor > 1 {
      // libebur128's interp_create, coefficient for coefficient (it drops those under 1e-6; none lie in 1e-9…1e-6).
      for j in 0..<taps {
        let m = Double(j) - Double(taps - 1) / 2
        var c = 1.0
        if abs(m) > 1e-9 { c = sin(m * .pi / Double(factor)) / (m * .pi / Double(factor)) }
        c *= 0.5 * (1 - cos(2 * .pi * Double(j) / Double(taps - 1)))
        if abs(c) > 1e-9 {
          coefficients[j % factor].append(Float(c))
          offsets[j % factor].append(j / factor)
          l1[j % factor] += abs(c)
        }
      }
    }
    phaseCoefficients = Array(coefficients.dropFirst().joined())
    phaseOffsets = Array(offsets.dropFirst().joined())
    var starts: [Int] = [], taken = 0
    for f in 1..<factor {
      starts.append(taken)
      taken += coefficients[f].count
    }
    phaseStarts = starts
    reach = offsets.joined().max() ?? 0
    historyFrames = factor > 1 ? (taps + factor - 1) / factor : 1
    delayFrames = factor > 1 ? (taps - 1) / 2 / factor : 0
    polyphaseL1 = factor > 1 ? (l1.max() ?? 1) : 1  // l1 has one sum per phase: never empty here
    boundFactor = Float(polyphaseL1 * 1.001)
    channelHistory = Array(repeating: Array(repeating: 0, count: historyFrames), count: channels)
  }

  /// Channel `channel` of `frames` interleaved frames: `peaks[i]` becomes max(`peaks[i]`, the largest |value|
  /// of the points interpolated at input frame i). The phases between samples are skipped when none can
  /// exceed `interpolateAbove` (`boundFactor` · max|x| ≤ it); then only the samples themselves count.
  /// Returns max|x| over the block and the history before it, and whether it interpolated.
  @discardableResult
  public mutating func accumulatePeaks(
    _ samples: UnsafePointer<Float>, frames: Int, channel c: Int, into peaks: UnsafeMutablePointer<Float>,
    interpolateAbove threshold: Float
  ) -> (maxAbs: Float, interpolated: Bool) {
    accumulatePeaks(samples, frames: frames, channel: c, into: peaks, pieceFrames: frames, interpolateAbove: threshold)
  }

  /// `accumulatePeaks` piece after piece of `pieceFrames` frames, as that many calls would, with the threshold of
  /// each piece raised to the largest value found so far (after a piece that interpolated, its largest peak): for
  /// a caller that wants only the maximum over the frames. The channel is copied out of the interleaved frames once
  /// for all the pieces. Returns max|x| over the frames and the history before them, and whether any piece
  /// interpolated.
  public mutating func accumulatePeaks(
    _ samples: UnsafePointer<Float>, frames: Int, channel c: Int, into peaks: UnsafeMutablePointer<Float>,
    pieceFrames: Int, interpolateAbove threshold: Float
  ) -> (maxAbs: Float, interpolated: Bool) {
    if line.count < historyFrames + frames { line = Array(repeating: 0, count: historyFrames + frames) }
    let h = historyFrames, piece = max(1, pieceFrames), channels = channels
    let factor = factor, bound = boundFactor, delay = delayFrames, reach = reach
    let coefficients = phaseCoefficients, offsets = phaseOffsets, starts = phaseStarts
    var maxAbs: Float = 0, interpolated = false, running = threshold
    line.withUnsafeMutableBufferPointer { b in
      channelHistory[c].withUnsafeBufferPointer { hist in
        for i in 0..<h { b[i] = hist[i] }
      }
      VectorMath.deinterleave(samples, channels: channels, channel: c, frames: frames, into: b.baseAddress! + h)
      var start = 0
      while start < frames {
        let n = min(piece, frames - start)
        // A piece's history is the samples before it: the end of the previous piece, or the channel's history.
        let pieceMax = VectorMath.maxMagnitude(b.baseAddress! + start, count: h + n)
        maxAbs = max(maxAbs, pieceMax)
        let base = b.baseAddress! + h + start
        if factor > 1 && pieceMax * bound > running {
          interpolated = true
          coefficients.withUnsafeBufferPointer { cs in
            offsets.withUnsafeBufferPointer { os in
              starts.withUnsafeBufferPointer { starts in
                Self.interpolatePeaks(
                  base, frames: n, delay: delay, reach: reach, coefficients: cs, offsets: os, starts: starts,
                  into: peaks + start, bound: bound, interpolateAbove: running)
              }
            }
          }
          if start + n < frames { running = max(running, VectorMath.maxMagnitude(peaks + start, count: n)) }
        } else {
          let x0 = base - delay, out = peaks + start
          for i in 0..<n { out[i] = max(out[i], abs(x0[i])) }
        }
        start += n
      }
      channelHistory[c].withUnsafeMutableBufferPointer { hist in
        for i in 0..<h { hist[i] = b[frames + i] }
      }
    }
    return (maxAbs, interpolated)
  }

  /// peaks[i] = max(peaks[i], |x[i − delay]|, |phase f at i| for every f), 16 frames at a time with the
  /// sums in registers. Each phase value is summed tap by tap in the same order as a scalar loop would.
  /// The phases of 16 frames are skipped, as for a whole block, when `bound` · max|x| over the samples they
  /// depend on is ≤ `interpolateAbove`: music leaves most groups well under the level that matters.
  @inline(__always)
  private static func interpolatePeaks(
    _ base: UnsafePointer<Float>, frames: Int, delay: Int, reach: Int, coefficients cs: UnsafeBufferPointer<Float>,
    offsets os: UnsafeBufferPointer<Int>, starts: UnsafeBufferPointer<Int>, into peaks: UnsafeMutablePointer<Float>,
    bound: Float, interpolateAbove threshold: Float
  ) {
    typealias V = SIMD16<Float>
    let raw = UnsafeRawPointer(base)
    let peaksRaw = UnsafeMutableRawPointer(peaks)
    // Group i…i+15 reads x[i − reach]…x[i + 15].
    let phases = starts.count, end = cs.count
    let limit = V(repeating: threshold)
    var i = 0
    while i + 16 <= frames {
      var m = raw.loadUnaligned(fromByteOffset: (i - delay) * 4, as: V.self).magnitudes
      do {
        var window = raw.loadUnaligned(fromByteOffset: i * 4, as: V.self).magnitudes
        let far = raw.loadUnaligned(fromByteOffset: (i - reach) * 4, as: V.self).magnitudes
        window.replace(with: far, where: far .> window)
        if reach > 16 {
          let middle = raw.loadUnaligned(fromByteOffset: (i - 16) * 4, as: V.self).magnitudes
          window.replace(with: middle, where: middle .> window)
        }
        if !any(window * bound .> limit) {
          var old = peaksRaw.loadUnaligned(fromByteOffset: i * 4, as: V.self)
          old.replace(with: m, where: m .> old)
          peaksRaw.storeBytes(of: old, toByteOffset: i * 4, as: V.self)
          i += 16
          continue
        }
      }
      for f in 0..<phases {
        var a = V()
        for t in starts[f]..<(f + 1 < phases ? starts[f + 1] : end) {
          a += cs[t] * raw.loadUnaligned(fromByteOffset: (i - os[t]) * 4, as: V.self)
        }
        let am = a.magnitudes
        m.replace(with: am, where: am .> m)
      }
      var old = peaksRaw.loadUnaligned(fromByteOffset: i * 4, as: V.self)
      old.replace(with: m, where: m .> old)
      peaksRaw.storeBytes(of: old, toByteOffset: i * 4, as: V.self)
      i += 16
    }
    while i < frames {
      var m = abs(base[i - delay])
      for f in 0..<phases {
        var a: Float = 0
        for t in starts[f]..<(f + 1 < phases ? starts[f + 1] : end) { a += cs[t] * base[i - os[t]] }
        m = max(m, abs(a))
      }
      peaks[i] = max(peaks[i], m)
      i += 1
    }
  }
}
