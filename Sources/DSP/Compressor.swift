#if canImport(Glibc)
  import Glibc
#endif

/// Settings of one feed-forward compressor: the wideband one, or one band of one component of the multiband one.
///
/// The gain computer is the soft-knee curve of Giannoulis, Massberg and Reiss (2012), eq. 4, on the detector level
/// in dB; `amount` scales the resulting gain change in dB (reduction and makeup alike), so 0 is no processing.
public struct CompressorSettings: Sendable, Hashable, Codable {
  /// Threshold of the detector level, in dB re full scale (see `Compressor` for the level's definition).
  public var thresholdDBFS: Double
  /// Input dB over output dB above the knee (≥ 1).
  public var ratio: Double = 2
  /// Width of the soft knee, centred on the threshold, in dB (0: hard knee).
  public var kneeDB: Double = 6
  /// Time constant of the gain's fall (more reduction), in ms.
  public var attackMS: Double = 20
  /// Time constant of the gain's return (less reduction), in ms.
  public var releaseMS: Double = 200
  /// Time constant of the RMS detector (a one-pole on the mean square), in ms.
  public var detectorMS: Double = 5
  /// Gain added after the reduction, in dB.
  public var makeupGainDB: Double = 0
  /// Share of the gain change applied, 0…1: the applied gain in dB is amount × (makeup − reduction).
  public var amount: Double = 1
  /// The most gain reduction the static curve gives, in dB (a range control); `nil`: no limit.
  public var rangeDB: Double? = nil
  /// How far the detector runs ahead of the audio, in ms (`nil` or 0: none): the audio is delayed by as much, so
  /// the gain has fallen by the time a transient that raised it passes. `Compressor.latencyFrames` frames.
  public var lookaheadMS: Double? = nil

  /// Settings with the defaults above and the given threshold.
  public init(thresholdDBFS: Double) { self.thresholdDBFS = thresholdDBFS }

  /// Whether these settings can never change a sample (the stage can then be skipped).
  public var isIdentity: Bool { amount == 0 || (ratio == 1 && makeupGainDB == 0) }

  /// The static gain of the soft-knee curve at a detector level, in dB (≤ 0; makeup and amount not included).
  public func staticGainDB(levelDB x: Double) -> Double {
    let over = x - thresholdDBFS
    if 2 * over <= -kneeDB { return 0 }
    let floor = -(rangeDB ?? .infinity)
    if 2 * over >= kneeDB { return max(floor, over * (1 / ratio - 1)) }
    let t = over + kneeDB / 2
    return max(floor, (1 / ratio - 1) * t * t / (2 * kneeDB))
  }

  /// The thresholds a compressor runs with, dBFS.
  public static let thresholdRangeDBFS: ClosedRange<Double> = -150...30

  /// Why these settings cannot be run (one line, naming the field), or nil when they can.
  public var problem: String? {
    func bad(_ name: String, _ value: Double, _ range: ClosedRange<Double>) -> String? {
      value.isFinite && range.contains(value) ? nil : "compressor \(name) must be within \(range.lowerBound)…\(range.upperBound) (got \(value))"
    }
    return bad("thresholdDBFS", thresholdDBFS, Self.thresholdRangeDBFS) ?? bad("ratio", ratio, 1...100) ?? bad("kneeDB", kneeDB, 0...40)
      ?? bad("attackMS", attackMS, 0.1...10_000) ?? bad("releaseMS", releaseMS, 0.1...10_000)
      ?? bad("detectorMS", detectorMS, 0.1...10_000) ?? bad("makeupGainDB", makeupGainDB, -40...40)
      ?? bad("amount", amount, 0...1) ?? rangeDB.flatMap { bad("rangeDB", $0, 0...60) }
      ?? lookaheadMS.flatMap { bad("lookaheadMS", $0, 0...50) }
  }
}

/// Settings a compressor or multiband compressor cannot run with.
public struct DynamicsSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
  /// One line naming the field and what is wrong with it.
  public let description: String
  /// Wraps a one-line description.
  public init(_ description: String) { self.description = description }
}

/// A dynamics block that changes interleaved frames in place, block by block, the same for any split.
public protocol InPlaceDynamics: ~Copyable {
  /// Interleaved channels per frame.
  var channels: Int { get }
  /// Whether it can change a sample; when false `process` returns at once and the stage can be skipped.
  var isActive: Bool { get }
  /// Frames the output lags the input by (0 when inactive).
  var latencyFrames: Int { get }
  /// Processes `frames` interleaved frames at `samples` in place.
  mutating func process(_ samples: UnsafeMutablePointer<Float>, frames: Int)
}

extension InPlaceDynamics where Self: ~Copyable {
  /// Processes the first `frames` interleaved frames of `block` in place.
  public mutating func process(_ block: inout [Float], frames: Int, channels: Int) {
    precondition(channels == self.channels && block.count >= frames * channels, "block matches the block's channels")
    guard isActive, frames > 0 else { return }
    block.withUnsafeMutableBufferPointer { process($0.baseAddress!, frames: frames) }
  }

  /// Processes `block` of a stream and keeps the stream aligned with its input: the first `latencyFrames` frames
  /// that come out are dropped (`dropFrames` counts those still to drop: start it at `latencyFrames`), and with
  /// `final` as many zero frames are run through after the block, so the delayed end comes out. Over a whole
  /// stream, frames out = frames in.
  public mutating func processAligned(_ block: inout [Float], dropFrames: inout Int, final: Bool) {
    guard isActive else { return }
    if final && latencyFrames > 0 { block += [Float](repeating: 0, count: latencyFrames * channels) }
    let frames = block.count / channels
    guard frames > 0 else { return }
    block.withUnsafeMutableBufferPointer { process($0.baseAddress!, frames: frames) }
    if dropFrames > 0 {
      let drop = min(dropFrames, frames)
      block.removeFirst(drop * channels)
      dropFrames -= drop
    }
  }
}

/// What a compressor did to a stream.
public struct CompressorStats: Sendable, Hashable, Codable {
  /// The deepest gain reduction, in dB (0 when it never acted; makeup not included).
  public var maxGainReductionDB: Double
  /// Length of each entry of `gainReductionDB`, in seconds (about 0.1).
  public var intervalSeconds: Double
  /// Per interval from the start, the deepest gain reduction in it, in dB (the last one may be partial).
  public var gainReductionDB: [Double]
}

/// A feed-forward RMS compressor with one gain for all channels, streaming over interleaved blocks.
///
/// The signal is cut into control segments of K frames (the power of two ≤ 1.5 ms: 64 frames at 44.1/48 kHz), aligned
/// to the first frame of the stream, so the output does not depend on how it is split into blocks. Per segment:
/// 1. detector: the sum over channels of x², as BS.1770 sums channels, smoothed per frame by a one-pole of time
///    constant `detectorMS` and averaged over the segment; level = 10·log10 of it (a full-scale sine on one
///    channel reads −3.01 dB, on two channels 0 dB), so a threshold set from LUFS lines up up to K-weighting and
///    −0.691 dB. Smoothing per frame before the segment's mean keeps the x² of high tones (e.g. a 5.3 kHz
///    difference tone) from aliasing onto the segment rate as a slow wobble of the gain: the one-pole and the mean
///    together take it 90 dB down, the mean alone 45. Both are weighted sums of the segment, computed in closed form;
/// 2. gain computer: the soft-knee static curve (`CompressorSettings.staticGainDB`);
/// 3. smoothing in dB, branching (Giannoulis et al. 2012, §3.2): g ← t + α·(g − t) with α = exp(−K/(τ·fs)),
///    τ = attack when the target t is below g, else release. After a step of the static gain, the gain in dB
///    covers 1 − 1/e of the step in τ (and approaches it as exp(−t/τ)); the detector's lag comes on top;
/// 4. the linear gain 10^(amount·(g + makeup)/20) is ramped linearly across the next segment (a lag of one to
///    two segments);
/// 5. with `lookaheadMS`, the gain is applied to the audio delayed by `latencyFrames`: it leads what it acts on.
/// Per sample there are a square, an add and a multiply; logs and exponentials run once per segment.
public struct Compressor: InPlaceDynamics {
  /// Interleaved channels per frame.
  public let channels: Int
  /// The settings it runs with.
  public let settings: CompressorSettings
  /// Frames per control segment.
  public let segmentFrames: Int
  /// a^K for the per-frame one-pole a = exp(−1/(τ·fs)): what is left of the power at a segment's start by its end.
  private let detectorCarry: Double
  /// The segment mean's share of the power at the segment's start: (1/K)·Σ_{k=1…K} a^k.
  private let detectorMeanCarry: Double
  /// Per interleaved sample of a segment: the weight of x² in the one-pole's value at the segment's end, (1−a)·a^(K−i),
  /// and in its mean over the segment, (1 − a^(K−i+1))/K (frame i = 1…K, repeated per channel).
  private let endWeights: [Float]
  private let meanWeights: [Float]
  private let attackCoefficient: Double
  private let releaseCoefficient: Double
  /// Below this mean square the static gain is 0 dB: the log is skipped.
  private let kneeStartPower: Double
  private var power = 0.0
  private var gainDB = 0.0
  private var appliedDB: Double
  private var rampFrom: Float
  private var rampTo: Float
  private var position = 0
  private var segment: [Float]
  private var maxReductionDB = 0.0
  private let stepsPerInterval: Int
  private var intervalSteps = 0
  private var intervalMaxDB = 0.0
  private var series: [Double] = []
  private let sampleRateHz: Int
  /// Frames the output lags the input by: the look-ahead (0 without one).
  public let latencyFrames: Int
  /// The last `latencyFrames` input frames, waiting to go out.
  private var delayLine: [Float]
  /// 20/ln 10: dB per neper of amplitude (exp and log are cheaper than pow and log10).
  private static let dBPerNeper = 20 / log(10.0)

  /// A compressor for `channels` at `sampleRateHz`, or the first problem of `settings`.
  public init(settings: CompressorSettings, channels: Int, sampleRateHz: Int) throws(DynamicsSettingsError) {
    if let problem = settings.problem { throw DynamicsSettingsError(problem) }
    guard channels >= 1, sampleRateHz >= 1000 else {
      throw DynamicsSettingsError("compressor needs at least one channel and 1 kHz (got \(channels), \(sampleRateHz) Hz)")
    }
    self.channels = channels
    self.settings = settings
    self.sampleRateHz = sampleRateHz
    let fs = Double(sampleRateHz)
    var k = 1
    while Double(2 * k) <= 0.0015 * fs { k *= 2 }
    segmentFrames = k
    let stepSeconds = Double(k) / fs
    let a = exp(-1 / (settings.detectorMS / 1000 * fs))
    detectorCarry = pow(a, Double(k))
    detectorMeanCarry = a * (1 - pow(a, Double(k))) / (Double(k) * (1 - a))
    endWeights = (1...k).flatMap { i in Array(repeating: Float((1 - a) * pow(a, Double(k - i))), count: channels) }
    meanWeights = (1...k).flatMap { i in Array(repeating: Float((1 - pow(a, Double(k - i + 1))) / Double(k)), count: channels) }
    attackCoefficient = exp(-stepSeconds / (settings.attackMS / 1000))
    releaseCoefficient = exp(-stepSeconds / (settings.releaseMS / 1000))
    kneeStartPower = pow(10, (settings.thresholdDBFS - settings.kneeDB / 2) / 10)
    appliedDB = settings.amount * settings.makeupGainDB
    rampFrom = Float(exp(appliedDB / Self.dBPerNeper))
    rampTo = rampFrom
    segment = Array(repeating: 0, count: k * channels)
    stepsPerInterval = max(1, Int(clamping: (0.1 / stepSeconds).rounded()))  // no trap on a hostile rate
    latencyFrames = settings.isIdentity ? 0 : Int(clamping: ((settings.lookaheadMS ?? 0) / 1000 * fs).rounded())
    delayLine = Array(repeating: 0, count: latencyFrames * channels)
  }

  /// Whether it can change a sample; when false `process` returns at once and the stage can be skipped.
  public var isActive: Bool { !settings.isIdentity }

  /// Compresses `frames` interleaved frames at `samples` in place.
  public mutating func process(_ samples: UnsafeMutablePointer<Float>, frames: Int) {
    guard isActive else { return }
    let ch = channels
    guard latencyFrames > 0 else {
      walk(samples, frames: frames) { offset, count, first, from, step in
        Self.applyRamp(samples + offset * ch, channels: ch, count: count, first: first, from: from, step: step)
      }
      return
    }
    // Look-ahead: the detector reads the input, the gain goes onto the input `latencyFrames` ago.
    let n = frames * ch, l = latencyFrames * ch
    let input = Array(UnsafeBufferPointer(start: samples, count: n))
    input.withUnsafeBufferPointer { x in
      delayLine.withUnsafeMutableBufferPointer { line in
        let d = line.baseAddress!, p = x.baseAddress!
        if n >= l {
          samples.update(from: d, count: l)
          (samples + l).update(from: p, count: n - l)
          d.update(from: p + (n - l), count: l)
        } else {
          samples.update(from: d, count: n)
          d.update(from: d + n, count: l - n)  // overlapping: moved as by memmove
          (d + (l - n)).update(from: p, count: n)
        }
      }
      walk(x.baseAddress!, frames: frames) { offset, count, first, from, step in
        Self.applyRamp(samples + offset * ch, channels: ch, count: count, first: first, from: from, step: step)
      }
    }
  }

  /// Multiplies `count` interleaved frames at `p` by the ramp rampFrom + rampStep·(first + i + 1).
  @inline(__always)
  private static func applyRamp(
    _ p: UnsafeMutablePointer<Float>, channels ch: Int, count: Int, first: Int, from: Float, step: Float
  ) {
    if step == 0 {
      if from == 1 { return }
      for i in 0..<(count * ch) { p[i] *= from }
    } else if ch == 2 {
      // Four frames at a time; the positions are small whole numbers, exact in Float, so each gain is the
      // same value the scalar tail would compute.
      var i = 0
      var j = SIMD4<Float>(1, 2, 3, 4) + Float(first)
      let raw = UnsafeMutableRawPointer(p)
      while i + 4 <= count {
        let g = from + step * j
        let v = raw.loadUnaligned(fromByteOffset: i * 8, as: SIMD8<Float>.self)
        raw.storeBytes(of: v * SIMD8(g[0], g[0], g[1], g[1], g[2], g[2], g[3], g[3]), toByteOffset: i * 8, as: SIMD8<Float>.self)
        j += 4
        i += 4
      }
      while i < count {
        let g = from + step * Float(first + i + 1)
        p[2 * i] *= g
        p[2 * i + 1] *= g
        i += 1
      }
    } else {
      for i in 0..<count {
        let g = from + step * Float(first + i + 1)
        for c in 0..<ch { p[i * ch + c] *= g }
      }
    }
  }

  /// For one channel: detects on `samples` (left unchanged) and adds (gain − 1)·x to `delta`, the change
  /// compression makes; when the gain is exactly 1 nothing is added, so an idle band leaves `delta` untouched.
  mutating func accumulateChange(of samples: UnsafeMutablePointer<Float>, frames: Int, into delta: UnsafeMutablePointer<Float>) {
    precondition(channels == 1, "one channel")
    guard isActive else { return }
    walk(samples, frames: frames) { offset, count, first, from, step in
      let x = samples + offset, d = delta + offset
      if step == 0 {
        if from == 1 { return }
        let a = from - 1
        for i in 0..<count { d[i] += a * x[i] }
      } else {
        let a = from - 1
        var i = 0
        var j = SIMD8<Float>(1, 2, 3, 4, 5, 6, 7, 8) + Float(first)
        let rx = UnsafeRawPointer(x), rd = UnsafeMutableRawPointer(d)
        while i + 8 <= count {
          let v = rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
          let old = rd.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
          rd.storeBytes(of: old + (a + step * j) * v, toByteOffset: i * 4, as: SIMD8<Float>.self)
          j += 8
          i += 8
        }
        while i < count {
          d[i] += (a + step * Float(first + i + 1)) * x[i]
          i += 1
        }
      }
    }
  }

  /// Cuts `frames` into runs that stay within one control segment and calls `apply(offset, count,
  /// positionInSegment, rampFrom, rampStep)` for each, after reading the run's input for the detector; the gain of
  /// position j is rampFrom + rampStep·(j + 1).
  @inline(__always)
  private mutating func walk(
    _ samples: UnsafePointer<Float>, frames: Int, apply: (Int, Int, Int, Float, Float) -> Void
  ) {
    let k = segmentFrames, ch = channels
    var i = 0
    while i < frames {
      let run = min(frames - i, k - position)
      let step = rampTo == rampFrom ? 0 : (rampTo - rampFrom) / Float(k)
      if run == k {
        let m = weightedSquares(samples + i * ch)
        apply(i, run, 0, rampFrom, step)
        endSegment(squares: m)
      } else {
        segment.withUnsafeMutableBufferPointer { s in
          (s.baseAddress! + position * ch).update(from: samples + i * ch, count: run * ch)
        }
        apply(i, run, position, rampFrom, step)
        position += run
        if position == k {
          position = 0
          let m = segment.withUnsafeBufferPointer { weightedSquares($0.baseAddress!) }
          endSegment(squares: m)
        }
      }
      i += run
    }
  }

  /// Σ w·x² over one segment's interleaved samples for the end and the mean weights, in a fixed order (eight lanes,
  /// then the lanes summed), whatever the caller's split.
  @inline(__always)
  private func weightedSquares(_ p: UnsafePointer<Float>) -> (end: Float, mean: Float) {
    let count = segmentFrames * channels
    return endWeights.withUnsafeBufferPointer { we in
      meanWeights.withUnsafeBufferPointer { wm in
        var accEnd = SIMD8<Float>(), accMean = SIMD8<Float>()
        var i = 0
        let raw = UnsafeRawPointer(p), re = UnsafeRawPointer(we.baseAddress!), rm = UnsafeRawPointer(wm.baseAddress!)
        while i + 8 <= count {
          let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
          let v2 = v * v
          accEnd += v2 * re.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
          accMean += v2 * rm.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
          i += 8
        }
        var end = accEnd.sum(), mean = accMean.sum()
        while i < count {
          end += p[i] * p[i] * we[i]
          mean += p[i] * p[i] * wm[i]
          i += 1
        }
        return (end, mean)
      }
    }
  }

  /// Detector, gain computer and smoother for one finished segment; sets the ramp of the next.
  private mutating func endSegment(squares: (end: Float, mean: Float)) {
    let level = detectorMeanCarry * power + Double(squares.mean)
    power = detectorCarry * power + Double(squares.end)
    let target = level > kneeStartPower ? settings.staticGainDB(levelDB: Self.dBPerNeper * log(level) / 2) : 0
    if target != gainDB {
      gainDB = target + (target < gainDB ? attackCoefficient : releaseCoefficient) * (gainDB - target)
      if gainDB > -1e-9 && target == 0 { gainDB = 0 }  // settle exactly, so an idle stretch is bit-transparent
    }
    let reductionDB = -settings.amount * gainDB
    if reductionDB > maxReductionDB { maxReductionDB = reductionDB }
    if reductionDB > intervalMaxDB { intervalMaxDB = reductionDB }
    intervalSteps += 1
    if intervalSteps == stepsPerInterval {
      series.append(intervalMaxDB)
      intervalSteps = 0
      intervalMaxDB = 0
    }
    let applied = settings.amount * (gainDB + settings.makeupGainDB)
    rampFrom = rampTo
    if applied != appliedDB {
      appliedDB = applied
      rampTo = Float(exp(applied / Self.dBPerNeper))
    }
  }

  /// What it did so far.
  public var stats: CompressorStats {
    CompressorStats(
      maxGainReductionDB: maxReductionDB,
      intervalSeconds: Double(stepsPerInterval * segmentFrames) / Double(sampleRateHz),
      gainReductionDB: intervalSteps > 0 ? series + [intervalMaxDB] : series)
  }
}
