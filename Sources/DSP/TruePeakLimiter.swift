#if canImport(Glibc)
  import Glibc
#endif

/// Settings of the true-peak limiter.
public struct LimiterSettings: Sendable, Hashable, Codable {
  /// The highest true peak allowed, in dBTP.
  public var ceilingDBTP: Double
  /// Held below the ceiling to absorb the small error of applying a varying gain at the base rate.
  public var marginDB: Double = 0.1
  /// Attack ramp (two cascaded box filters of this length each); also the look-ahead.
  public var attackSeconds: Double = 0.0015
  /// Time constant of the return to unity gain.
  public var releaseSeconds: Double = 0.06

  public init(ceilingDBTP: Double) { self.ceilingDBTP = ceilingDBTP }
}

/// What the limiter did to a stream.
public struct LimiterStats: Sendable, Hashable, Codable {
  /// The deepest gain reduction, in dB (0 when it never acted).
  public var maxGainReductionDB: Double
  /// Share of the frames it reduced, 0…1.
  public var limitedShare: Double

  public init(maxGainReductionDB: Double, limitedShare: Double) {
    self.maxGainReductionDB = maxGainReductionDB
    self.limitedShare = limitedShare
  }
}

/// A look-ahead true-peak limiter with one gain for all channels (the image does not move).
///
/// Peaks are found on the signal interpolated exactly as libebur128 measures it (49-tap Hann-windowed sinc,
/// 4× below 96 kHz, 2× below 192 kHz, the samples themselves above). Per frame m the gain needed is
/// r[m] = min(1, ceiling / peak around m). The applied gain is built so that it never exceeds r anywhere
/// within ±16 frames:
/// 1. h[n] = min r over [n − 16, n + 16 + 2·attack]: a look-ahead minimum, spread both ways;
/// 2. two box filters of `attack` frames each: a smooth ramp, each output an average of h values whose
///    windows all cover [n − 16, n + 16], so it stays ≤ r there and is flat across the interpolation kernel
///    at a peak;
/// 3. release: the gain may rise only exponentially, which can only lower it further.
/// Output frame counts equal input frame counts; the look-ahead delay is removed.
public struct TruePeakLimiter {
  public let channels: Int
  private let ceiling: Float
  private let factor: Int
  /// Polyphase coefficients (phases 1…factor−1) and their delay-line offsets.
  private let phaseCoefficients: [[Float]]
  private let phaseOffsets: [[Int]]
  /// Input samples per interpolated value: the history kept per channel.
  private let history: Int
  /// Delay of the interpolator in input samples: phase f at input i is the value at time i − delay + f/factor.
  private let interpolatorDelay: Int
  private let boundFactor: Float
  private let spread = 16
  private let boxLength: Int
  private let lookAhead: Int
  private let releaseCoefficient: Double

  private var channelHistory: [[Float]]
  private var framesIn = 0
  // Monotonic deque of (index, r) for the sliding minimum.
  private var dequeIndex: [Int] = []
  private var dequeValue: [Float] = []
  private var dequeHead = 0
  private var box1: BoxFilter
  private var box2: BoxFilter
  private var boxesPrimed = false
  private var gainPrevious = 1.0
  private var delayLine: [Float] = []
  private var delayHead = 0
  private var framesOut = 0
  private var minGain = 1.0
  private var limitedFrames = 0

  /// Creates a limiter for `channels` at `sampleRateHz`.
  public init(settings: LimiterSettings, channels: Int, sampleRateHz: Int) {
    self.channels = channels
    ceiling = Float(pow(10, (settings.ceilingDBTP - settings.marginDB) / 20))
    factor = sampleRateHz < 96_000 ? 4 : sampleRateHz < 192_000 ? 2 : 1
    let taps = 49
    var coefficients = [[Float]](repeating: [], count: factor)
    var offsets = [[Int]](repeating: [], count: factor)
    var l1 = [Double](repeating: 0, count: factor)
    if factor > 1 {
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
    history = factor > 1 ? (taps + factor - 1) / factor : 1
    interpolatorDelay = factor > 1 ? (taps - 1) / 2 / factor : 0
    boundFactor = Float((l1.max() ?? 1) * 1.001) > 1 ? Float((l1.max() ?? 1) * 1.001) : 1
    boxLength = max(1, Int(settings.attackSeconds * Double(sampleRateHz)))
    lookAhead = spread + 2 * (boxLength - 1)
    releaseCoefficient = exp(-1 / (settings.releaseSeconds * Double(sampleRateHz)))
    channelHistory = Array(repeating: Array(repeating: 0, count: history), count: channels)
    box1 = BoxFilter(length: boxLength)
    box2 = BoxFilter(length: boxLength)
  }

  /// Frames between input and output.
  public var latencyFrames: Int { interpolatorDelay + lookAhead }

  /// Limits `frames` interleaved frames and appends the frames that are ready to `out`.
  public mutating func process(_ samples: UnsafePointer<Float>, frames: Int, into out: inout [Float]) {
    delayLine.append(contentsOf: UnsafeBufferPointer(start: samples, count: frames * channels))
    let peaks = framePeaks(samples, frames: frames)
    for i in 0..<frames {
      let m = framesIn + i - interpolatorDelay
      if m < 0 { continue }
      let p = peaks[i]
      pushR(p > ceiling ? ceiling / p : 1, at: m)
    }
    framesIn += frames
    emit(into: &out)
  }

  /// Pushes the last frames through and appends them, so that output frames equal input frames.
  public mutating func finish(into out: inout [Float]) {
    let target = framesIn, before = framesOut
    let tail = latencyFrames + 1
    var scratch: [Float] = []
    let zeros = [Float](repeating: 0, count: tail * channels)
    zeros.withUnsafeBufferPointer { process($0.baseAddress!, frames: tail, into: &scratch) }
    out.append(contentsOf: scratch.prefix((target - before) * channels))
    framesOut = target
  }

  /// What the limiter did so far.
  public var stats: LimiterStats {
    LimiterStats(
      maxGainReductionDB: minGain < 1 ? -20 * log10(minGain) : 0,
      limitedShare: framesOut > 0 ? Double(limitedFrames) / Double(framesOut) : 0)
  }

  /// Per input frame i: the largest |value| over channels of the interpolated points at time
  /// (i − delay) … (i − delay) + (factor − 1)/factor.
  private mutating func framePeaks(_ samples: UnsafePointer<Float>, frames: Int) -> [Float] {
    var peaks = [Float](repeating: 0, count: frames)
    let h = history
    for c in 0..<channels {
      var buf = [Float](repeating: 0, count: h + frames)
      var blockMax: Float = 0
      buf.withUnsafeMutableBufferPointer { b in
        for i in 0..<h {
          b[i] = channelHistory[c][i]
          blockMax = max(blockMax, abs(b[i]))
        }
        var src = samples + c
        for i in 0..<frames {
          b[h + i] = src.pointee
          blockMax = max(blockMax, abs(src.pointee))
          src += channels
        }
      }
      // Nothing here can come near the ceiling: skip the interpolation (its output is ≤ K·max|x|).
      if factor == 1 || blockMax * boundFactor <= ceiling {
        buf.withUnsafeBufferPointer { b in
          for i in 0..<frames {
            let j = h + i - interpolatorDelay
            peaks[i] = max(peaks[i], abs(j >= 0 ? b[j] : 0))
          }
        }
      } else {
        // One multiply-add pass per tap over the whole block: contiguous, so the compiler vectorizes it.
        var acc = [Float](repeating: 0, count: frames)
        buf.withUnsafeBufferPointer { b in
          peaks.withUnsafeMutableBufferPointer { pk in
            acc.withUnsafeMutableBufferPointer { a in
              let base = b.baseAddress! + h
              let x0 = base - interpolatorDelay
              for i in 0..<frames { pk[i] = max(pk[i], abs(x0[i])) }
              for f in 1..<factor {
                a.update(repeating: 0)
                let cs = phaseCoefficients[f], os = phaseOffsets[f]
                for t in 0..<cs.count {
                  let coefficient = cs[t]
                  let src = base - os[t]
                  for i in 0..<frames { a[i] += coefficient * src[i] }
                }
                for i in 0..<frames { pk[i] = max(pk[i], abs(a[i])) }
              }
            }
          }
        }
      }
      channelHistory[c] = Array(buf[(buf.count - h)...])
    }
    return peaks
  }

  /// Feeds r[m]; when the window [n − spread, n + lookAhead] is complete, produces h[n] and the gain.
  private mutating func pushR(_ r: Float, at m: Int) {
    while dequeIndex.count > dequeHead && dequeValue[dequeValue.count - 1] >= r {
      dequeIndex.removeLast()
      dequeValue.removeLast()
    }
    dequeIndex.append(m)
    dequeValue.append(r)
    let n = m - lookAhead
    if n < 0 { return }
    while dequeIndex[dequeHead] < n - spread { dequeHead += 1 }
    if dequeHead > 4096 {
      dequeIndex.removeFirst(dequeHead)
      dequeValue.removeFirst(dequeHead)
      dequeHead = 0
    }
    let h = Double(dequeValue[dequeHead])
    if !boxesPrimed {
      // Before the start the ramp holds the first window's minimum: it covers every r the first frames see.
      box1.prime(h)
      box2.prime(h)
      boxesPrimed = true
    }
    let g2 = box2.push(box1.push(h))
    let released = gainPrevious + (1 - gainPrevious) * (1 - releaseCoefficient)
    let g = min(g2, released)
    gainPrevious = g
    gains.append(Float(g))
  }

  private var gains: [Float] = []

  /// Applies ready gains to the delayed audio.
  private mutating func emit(into out: inout [Float]) {
    guard !gains.isEmpty else { return }
    let n = gains.count
    out.reserveCapacity(out.count + n * channels)
    for i in 0..<n {
      let g = gains[i]
      if Double(g) < minGain { minGain = Double(g) }
      if g < 0.99999 { limitedFrames += 1 }
      for c in 0..<channels { out.append(delayLine[delayHead + i * channels + c] * g) }
    }
    delayHead += n * channels
    framesOut += n
    gains.removeAll(keepingCapacity: true)
    if delayHead > 65_536 * channels {
      delayLine.removeFirst(delayHead)
      delayHead = 0
    }
  }
}

/// A running mean over the last `length` values, in Double.
struct BoxFilter {
  let length: Int
  private var ring: [Double]
  private var next = 0
  private var sum = 0.0

  init(length: Int) {
    self.length = length
    ring = Array(repeating: 1, count: length)
    sum = Double(length)
  }

  mutating func prime(_ value: Double) {
    for i in 0..<length { ring[i] = value }
    sum = value * Double(length)
  }

  mutating func push(_ value: Double) -> Double {
    sum += value - ring[next]
    ring[next] = value
    next += 1
    if next == length {
      next = 0
      sum = ring.reduce(0, +)  // no drift over hours
    }
    return sum / Double(length)
  }
}
