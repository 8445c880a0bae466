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
  /// Coefficients of phases 1…factor−1 (phase 0 is the sample itself) and their delay-line offsets.
  private let phaseCoefficients: [[Float]]
  private let phaseOffsets: [[Int]]
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
    phaseCoefficients = coefficients
    phaseOffsets = offsets
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
    if line.count < historyFrames + frames { line = Array(repeating: 0, count: historyFrames + frames) }
    let h = historyFrames, delay = delayFrames, stride = channels
    var blockMax: Float = 0
    var interpolated = false
    let factor = factor, bound = boundFactor, coefficients = phaseCoefficients, offsets = phaseOffsets
    line.withUnsafeMutableBufferPointer { b in
      channelHistory[c].withUnsafeBufferPointer { hist in
        for i in 0..<h {
          b[i] = hist[i]
          blockMax = max(blockMax, abs(hist[i]))
        }
      }
      var src = samples + c
      for i in 0..<frames {
        b[h + i] = src.pointee
        src += stride
      }
      let base = b.baseAddress! + h
      blockMax = max(blockMax, VectorMath.maxMagnitude(base, count: frames))
      if factor > 1 && blockMax * bound > threshold {
        interpolated = true
        Self.interpolatePeaks(
          base, frames: frames, delay: delay, coefficients: coefficients, offsets: offsets, into: peaks,
          bound: bound, interpolateAbove: threshold)
      } else {
        let x0 = base - delay
        for i in 0..<frames { peaks[i] = max(peaks[i], abs(x0[i])) }
      }
      channelHistory[c].withUnsafeMutableBufferPointer { hist in
        for i in 0..<h { hist[i] = b[frames + i] }
      }
    }
    return (blockMax, interpolated)
  }

  /// peaks[i] = max(peaks[i], |x[i − delay]|, |phase f at i| for every f), 16 frames at a time with the
  /// sums in registers. Each phase value is summed tap by tap in the same order as a scalar loop would.
  /// The phases of 16 frames are skipped, as for a whole block, when `bound` · max|x| over the samples they
  /// depend on is ≤ `interpolateAbove`: music leaves most groups well under the level that matters.
  private static func interpolatePeaks(
    _ base: UnsafePointer<Float>, frames: Int, delay: Int, coefficients: [[Float]], offsets: [[Int]],
    into peaks: UnsafeMutablePointer<Float>, bound: Float, interpolateAbove threshold: Float
  ) {
    typealias V = SIMD16<Float>
    let raw = UnsafeRawPointer(base)
    let peaksRaw = UnsafeMutableRawPointer(peaks)
    // Group i…i+15 reads x[i − reach]…x[i + 15] (reach: the longest offset, 12 at 4×, 24 at 2×).
    let reach = offsets.joined().max() ?? 0
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
      for f in 1..<coefficients.count {
        let cs = coefficients[f], os = offsets[f]
        var a = V()
        for t in 0..<cs.count {
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
      for f in 1..<coefficients.count {
        let cs = coefficients[f], os = offsets[f]
        var a: Float = 0
        for t in 0..<cs.count { a += cs[t] * base[i - os[t]] }
        m = max(m, abs(a))
      }
      peaks[i] = max(peaks[i], m)
      i += 1
    }
  }
}
