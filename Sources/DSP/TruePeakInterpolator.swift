#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// libebur128's true-peak interpolation (49-tap Hann-windowed sinc; 4× below 96 kHz, 2× below 192 kHz, the
/// samples themselves above), computed per channel in Float with loops the compiler vectorizes; or, with
/// `init(channels:interSampleAtRateHz:refined:)`, the accurate inter-sample peak (`InterSamplePeak`).
///
/// libebur128 sums in Double with Double coefficients; here both are Float, so a value differs from
/// libebur128's by at most about 13 · 2⁻²⁴ · Σ|c|·max|x| (under 2·10⁻⁶ of `boundFactor` · max|x|). That is
/// close enough to find peaks for the limiter, and to tell the true-peak meter where libebur128 need not look.
public struct TruePeakInterpolator {
  /// Interleaved channels per frame.
  public let channels: Int
  /// Oversampling factor of the grid always computed: 4, 2 or 1 for BS.1770; `InterSamplePeak.oversamplingFactor`
  /// for the accurate detector.
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
  /// Phases always computed; the rest only where the coarse maximum times `gridBound` exceeds the threshold.
  private let coarsePhases: Int
  private let gridBound: Float
  /// Taps of every phase when all phases read offsets 0..<n (the accurate kernel), else 0: such phases are summed
  /// a few at a time from each loaded vector of samples.
  private let uniformTaps: Int
  /// The screen of the accurate kernel (`InterSamplePeak.screenTaps`): the middle taps of each coarse phase are
  /// summed first, a few more at each level, and a group is not interpolated once `gridBound` · (|partial sum| +
  /// the level's `farL1` · max|x|) stays under the threshold at every coarse phase (the taps left out add at most
  /// `farL1` · max|x|; a finer point is within `gridBound` of the coarse points and samples around it). Music near
  /// the limit passes the L1 bound but seldom these. Empty: no screen.
  private let screenLevels: [ScreenLevel]
  /// The screen's partial sums, one per coarse phase.
  private var screenSums: [SIMD16<Float>]

  /// Taps lo..<hi of every coarse phase; the rest sum to at most `farL1` (largest over the phases, plus 10⁻⁴ for
  /// Float rounding: a 48-term sum errs by under 10⁻⁵ of L1 · max|x|).
  struct ScreenLevel {
    var lo: Int
    var hi: Int
    var farL1: Float
  }
  /// The longest offset (12 at 4×, 24 at 2×, 47 for the accurate kernel): the farthest sample back a value reads.
  private let reach: Int
  private var channelHistory: [[Float]]
  private var line: [Float] = []

  /// Creates an interpolator for `channels` at `sampleRateHz` with libebur128's filter (BS.1770), with silent history.
  /// `delayFrames` (when larger than the filter's own delay) delays its output to line up with another detector's.
  public init(channels: Int, sampleRateHz: Int, delayFrames: Int = 0) {
    let factor = sampleRateHz < 96_000 ? 4 : sampleRateHz < 192_000 ? 2 : 1
    let taps = 49
    var phases = [(coefficients: [Float], offsets: [Int])](repeating: ([], []), count: factor)
    if factor > 1 {
      // libebur128's interp_create, coefficient for coefficient (it drops those under 1e-6; none lie in 1e-9…1e-6).
      for j in 0..<taps {
        let m = Double(j) - Double(taps - 1) / 2
        var c = 1.0
        if abs(m) > 1e-9 { c = sin(m * .pi / Double(factor)) / (m * .pi / Double(factor)) }
        c *= 0.5 * (1 - cos(2 * .pi * Double(j) / Double(taps - 1)))
        if abs(c) > 1e-9 {
          phases[j % factor].coefficients.append(Float(c))
          phases[j % factor].offsets.append(j / factor)
        }
      }
    }
    let ownDelay = factor > 1 ? (taps - 1) / 2 / factor : 0, extra = max(0, delayFrames - ownDelay)
    let shifted = phases.dropFirst().map { (coefficients: $0.coefficients, offsets: $0.offsets.map { $0 + extra }) }
    self.init(
      channels: channels, factor: factor, phases: shifted, coarsePhases: factor - 1,
      historyFrames: (factor > 1 ? (taps + factor - 1) / factor : 1) + extra, delayFrames: ownDelay + extra)
  }

  /// Creates the accurate inter-sample peak detector for `channels` at `sampleRateHz` (`InterSamplePeak`'s kernel
  /// on a grid of `InterSamplePeak.oversamplingFactor` points per sample), with silent history. `refined` adds
  /// the points of the `InterSamplePeak.measureFactor` grid, computed only for frames where the coarse grid,
  /// times `InterSamplePeak.gridBound`, exceeds the threshold; elsewhere a frame keeps its coarse maximum.
  public init(channels: Int, interSampleAtRateHz sampleRateHz: Int, refined: Bool) {
    let factor = InterSamplePeak.oversamplingFactor(sampleRateHz: sampleRateHz)
    let fine = InterSamplePeak.measureFactor
    var positions = (1..<factor).map { Double($0) / Double(factor) }
    let coarse = positions.count
    if refined && factor < fine {
      positions += (1..<fine).filter { $0 * factor % fine != 0 }.map { Double($0) / Double(fine) }
    }
    // Phase φ at input frame i is the value at i − taps/2 + φ: Σ over o of x[i − o] · kernel(o − taps/2 + φ).
    let taps = InterSamplePeak.kernelTaps
    let phases = positions.map { phi in
      (coefficients: (0..<taps).map { Float(InterSamplePeak.kernel(Double($0 - taps / 2) + phi)) }, offsets: Array(0..<taps))
    }
    self.init(
      channels: channels, factor: factor, phases: phases, coarsePhases: coarse, historyFrames: taps, delayFrames: taps / 2,
      gridBound: InterSamplePeak.gridBound(factor: factor), screenTaps: InterSamplePeak.screenTaps)
  }

  /// Phases 1… (phase 0 is the sample itself); the first `coarsePhases` always, the others where the coarse
  /// grid times `gridBound` exceeds the threshold.
  private init(
    channels: Int, factor: Int, phases: [(coefficients: [Float], offsets: [Int])], coarsePhases: Int,
    historyFrames: Int, delayFrames: Int, gridBound: Float = .infinity, screenTaps: [Int] = []
  ) {
    self.channels = channels
    self.factor = factor
    phaseCoefficients = Array(phases.map(\.coefficients).joined())
    phaseOffsets = Array(phases.map(\.offsets).joined())
    var starts: [Int] = [], taken = 0
    for p in phases {
      starts.append(taken)
      taken += p.coefficients.count
    }
    phaseStarts = starts
    self.coarsePhases = coarsePhases
    self.gridBound = gridBound
    let n = phases.first?.offsets.count ?? 0
    let coarse = coarsePhases
    screenSums = Array(repeating: SIMD16<Float>(), count: max(1, coarse))
    let uniform = phases.allSatisfy { $0.offsets == Array(0..<n) } ? n : 0
    uniformTaps = uniform
    screenLevels = screenTaps.filter { $0 < n && uniform > 0 }.sorted().map { taps in
      let lo = (n - taps) / 2, hi = lo + taps
      let far = phases.prefix(coarse).map { p in
        p.coefficients.enumerated().reduce(0.0) { sum, e in (lo..<hi).contains(e.offset) ? sum : sum + Double(abs(e.element)) }
      }
      return ScreenLevel(lo: lo, hi: hi, farL1: Float((far.max() ?? 0) + 1e-4))
    }
    reach = phaseOffsets.max() ?? 0
    self.historyFrames = historyFrames
    self.delayFrames = delayFrames
    // Phase 0 (the sample itself) sums to 1.
    let l1 = phases.map { $0.coefficients.reduce(0.0) { $0 + Double(abs($1)) } }
    polyphaseL1 = max(1, l1.max() ?? 1)
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
  /// interpolated. `samplesBound`: each piece's threshold is also raised to its own largest |sample| (history
  /// included), for a caller that wants the maximum over the whole stream, which no sample exceeds: the points under
  /// it are not interpolated (the samples themselves still come out, delayed, as every frame's value).
  public mutating func accumulatePeaks(
    _ samples: UnsafePointer<Float>, frames: Int, channel c: Int, into peaks: UnsafeMutablePointer<Float>,
    pieceFrames: Int, interpolateAbove threshold: Float, samplesBound: Bool = false
  ) -> (maxAbs: Float, interpolated: Bool) {
    if line.count < historyFrames + frames { line = Array(repeating: 0, count: historyFrames + frames) }
    let h = historyFrames, piece = max(1, pieceFrames), channels = channels
    let factor = factor, bound = boundFactor, delay = delayFrames, reach = reach
    let coefficients = phaseCoefficients, offsets = phaseOffsets, starts = phaseStarts
    let coarse = coarsePhases, grid = gridBound, uniform = uniformTaps
    let levels = screenLevels
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
        if samplesBound { running = max(running, pieceMax) }
        let base = b.baseAddress! + h + start
        if factor > 1 && pieceMax * bound > running {
          interpolated = true
          coefficients.withUnsafeBufferPointer { cs in
            offsets.withUnsafeBufferPointer { os in
              starts.withUnsafeBufferPointer { starts in
                levels.withUnsafeBufferPointer { levels in
                screenSums.withUnsafeMutableBufferPointer { sums in
                Self.interpolatePeaks(
                  base, frames: n, delay: delay, reach: reach, coefficients: cs, offsets: os, starts: starts,
                  coarsePhases: coarse, gridBound: grid, uniformTaps: uniform, screen: levels, sums: sums.baseAddress!,
                  into: peaks + start, bound: bound, interpolateAbove: running)
                }
                }
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
    offsets os: UnsafeBufferPointer<Int>, starts: UnsafeBufferPointer<Int>, coarsePhases coarse: Int, gridBound grid: Float,
    uniformTaps: Int, screen: UnsafeBufferPointer<ScreenLevel>,
    sums: UnsafeMutablePointer<SIMD16<Float>>, into peaks: UnsafeMutablePointer<Float>, bound: Float, interpolateAbove threshold: Float
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
        var back = 16
        while back < reach {  // [i − reach, i + 15] in steps of 16
          let middle = raw.loadUnaligned(fromByteOffset: (i - back) * 4, as: V.self).magnitudes
          window.replace(with: middle, where: middle .> window)
          back += 16
        }
        var skip = !any(window * bound .> limit)
        // The lanes of `window` hold the maxima of the group's whole window: wmax bounds every sample read.
        if !skip && !screen.isEmpty, case let wmax = VectorMath.largest(window), wmax * grid <= threshold {
          skip = screenPasses(
            base + i, maxAbs: wmax, coefficients: cs, taps: uniformTaps, coarsePhases: coarse, gridBound: grid,
            screen: screen, sums: sums, threshold: threshold)
        }
        if skip {
          var old = peaksRaw.loadUnaligned(fromByteOffset: i * 4, as: V.self)
          old.replace(with: m, where: m .> old)
          peaksRaw.storeBytes(of: old, toByteOffset: i * 4, as: V.self)
          i += 16
          continue
        }
      }
      if uniformTaps > 0 {
        // Two phases per pass over the taps, sharing each loaded vector (three would spill registers); each sum keeps
        // the tap order.
        let x = base + i, taps = uniformTaps
        var f = 0
        while f < phases {
          // The finer phases only where the coarse grid leaves room for a peak over the threshold between its points.
          if f == coarse && !any(m * grid .> limit) { break }
          let k = min(2, (f < coarse ? coarse : phases) - f)
          let c0 = cs.baseAddress! + f * taps
          if k == 2 {
            let c1 = c0 + taps
            var a0 = V(), a1 = V()
            for t in 0..<taps {
              let v = UnsafeRawPointer(x - t).loadUnaligned(as: V.self)
              a0 += c0[t] * v
              a1 += c1[t] * v
            }
            m.replace(with: a0.magnitudes, where: a0.magnitudes .> m)
            m.replace(with: a1.magnitudes, where: a1.magnitudes .> m)
          } else {
            var a0 = V()
            for t in 0..<taps { a0 += c0[t] * UnsafeRawPointer(x - t).loadUnaligned(as: V.self) }
            m.replace(with: a0.magnitudes, where: a0.magnitudes .> m)
          }
          f += k
        }
      } else {
        for f in 0..<phases {
          if f == coarse && !any(m * grid .> limit) { break }
          var a = V()
          for t in starts[f]..<(f + 1 < phases ? starts[f + 1] : end) {
            a += cs[t] * raw.loadUnaligned(fromByteOffset: (i - os[t]) * 4, as: V.self)
          }
          let am = a.magnitudes
          m.replace(with: am, where: am .> m)
        }
      }
      var old = peaksRaw.loadUnaligned(fromByteOffset: i * 4, as: V.self)
      old.replace(with: m, where: m .> old)
      peaksRaw.storeBytes(of: old, toByteOffset: i * 4, as: V.self)
      i += 16
    }
    while i < frames {
      var m = abs(base[i - delay])
      for f in 0..<phases {
        if f == coarse && !(m * grid > threshold) { break }
        var a: Float = 0
        for t in starts[f]..<(f + 1 < phases ? starts[f + 1] : end) { a += cs[t] * base[i - os[t]] }
        m = max(m, abs(a))
      }
      peaks[i] = max(peaks[i], m)
      i += 1
    }
  }

  /// The screen (`screenLevels`) for the 16 frames from `x`: whether every coarse phase, and so every finer point,
  /// stays at or under `threshold`, judged from the middle taps level after level (partial sums kept in `sums`)
  /// and `maxAbs`, the largest |sample| the group's phases read.
  @inline(__always)
  private static func screenPasses(
    _ x: UnsafePointer<Float>, maxAbs wmax: Float, coefficients cs: UnsafeBufferPointer<Float>, taps: Int,
    coarsePhases coarse: Int, gridBound grid: Float, screen: UnsafeBufferPointer<ScreenLevel>,
    sums: UnsafeMutablePointer<SIMD16<Float>>, threshold: Float
  ) -> Bool {
    typealias V = SIMD16<Float>
    var lo = taps / 2, hi = lo
    for level in screen {
      var largest = V()
      for f in 0..<coarse {
        let c0 = cs.baseAddress! + f * taps
        var a = lo == hi ? V() : sums[f]
        for t in level.lo..<lo { a += c0[t] * UnsafeRawPointer(x - t).loadUnaligned(as: V.self) }
        for t in hi..<level.hi { a += c0[t] * UnsafeRawPointer(x - t).loadUnaligned(as: V.self) }
        sums[f] = a
        largest.replace(with: a.magnitudes, where: a.magnitudes .> largest)
      }
      if (VectorMath.largest(largest) + wmax * level.farL1) * grid <= threshold { return true }
      (lo, hi) = (level.lo, level.hi)
    }
    return false
  }
}
