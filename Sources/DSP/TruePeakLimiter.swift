#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Settings of the true-peak limiter.
public struct LimiterSettings: Sendable, Hashable, Codable {
  /// The highest true peak allowed, in dBTP.
  public var ceilingDBTP: Double
  /// How far under the ceiling the limiter aims; `TruePeakLimiter.marginDB` unless a caller asks otherwise.
  public var marginDB: Double = TruePeakLimiter.marginDB
  /// Attack ramp (two cascaded box filters of this length each); also the look-ahead.
  public var attackSeconds: Double = 0.0015
  /// Time constant of the return to unity gain after a transient.
  public var releaseSeconds: Double = 0.06
  /// How fast the sustained stage follows a needed reduction down, dB per second: a 30 ms transient moves it
  /// 0.3 dB at most, a reduction needed again and again all the way. 0 turns the stage off.
  public var sustainSlewDBPerSecond: Double = 10
  /// The sustained stage's time constant back up: after limiting that lasted, the gain returns this slowly.
  public var sustainReleaseSeconds: Double = 1.0
  /// The corner of the DC servo that keeps the limiter's output free of the DC its own gain makes, Hz; 0 turns it
  /// off. `TruePeakLimiter` "DC servo".
  public var dcServoCornerHz: Double = 1

  /// The ceiling in dBTP; margin, attack and release keep their defaults.
  public init(ceilingDBTP: Double) { self.ceilingDBTP = ceilingDBTP }
}

/// What the limiter did to a stream.
public struct LimiterStats: Sendable, Hashable, Codable {
  /// The deepest gain reduction, in dB (0 when it never acted).
  public var maxGainReductionDB: Double
  /// Share of the frames it reduced, 0…1.
  public var limitedShare: Double
  /// Share of the frames reduced by more than 1 dB, and by more than 3 dB, 0…1.
  public var over1DBShare = 0.0, over3DBShare = 0.0
  /// The limiting statistic: the gain reduction exceeded in 1 % of the frames (their 99th percentile), in dB,
  /// to 0.1 dB. The limiting budget (`--max-limiting-db`) holds this.
  public var p99GainReductionDB = 0.0
  /// Length of each entry of `gainReductionDB`, in seconds (about 0.1).
  public var intervalSeconds = 0.1
  /// Per interval from the start, the deepest gain reduction in it, in dB.
  public var gainReductionDB: [Double] = []

  /// A record of what a limiter did (the other figures zero).
  public init(maxGainReductionDB: Double, limitedShare: Double) {
    self.maxGainReductionDB = maxGainReductionDB
    self.limitedShare = limitedShare
  }

  /// The share of frames reduced by more than `db`, 0…1, from a histogram of 0.1 dB bins of the limited frames.
  static func share(over db: Double, histogram: [Int], frames: Int) -> Double {
    guard frames > 0 else { return 0 }
    let first = max(0, Int(clamping: (db / TruePeakLimiter.histogramStepDB).rounded(.down)))  // no trap on NaN
    guard first < histogram.count else { return 0 }
    return Double(histogram[first...].reduce(0, +)) / Double(frames)
  }

  /// The reduction exceeded by `share` of the frames (the upper edge of its 0.1 dB bin), in dB.
  static func percentile(share: Double, histogram: [Int], frames: Int) -> Double {
    var above = 0
    let allowed = Int((share * Double(frames)).rounded(.down))
    for i in histogram.indices.reversed() {
      above += histogram[i]
      if above > allowed { return Double(i + 1) * TruePeakLimiter.histogramStepDB }
    }
    return 0
  }
}

/// A look-ahead true-peak limiter with one gain for all channels (the image does not move).
///
/// Peaks are found with the accurate inter-sample peak detector (`InterSamplePeak`): a grid of at least 176.4 kHz
/// (4× at 44.1 kHz and above, 8× at 22.05 kHz), and 16 points per sample where that grid comes within
/// `InterSamplePeak.gridBound` of the ceiling; and on the signal interpolated as libebur128 measures it (BS.1770),
/// so that both figures stay under the ceiling.
/// Per frame m the gain needed is
/// r[m] = min(1, ceiling / peak around m), the ceiling lowered where there is content near Nyquist
/// (`NearNyquistMargin`). The applied gain is built so that it never exceeds r anywhere
/// within ±24 frames (the kernel's half-length):
/// 1. h[n] = min r over [n − 24, n + 24 + 2·attack]: a look-ahead minimum, spread both ways;
/// 2. two box filters of `attack` frames each: a smooth ramp, each output an average of h values whose
///    windows all cover [n − 24, n + 24], so it stays ≤ r there and is flat across the interpolation kernel
///    at a peak;
/// 3. release: the gain may rise only exponentially, which can only lower it further;
/// 4. sustain: a second gain follows the ramp (the reduction needed) down at most `sustainSlewDBPerSecond` and
///    back up with `sustainReleaseSeconds`; the lower of the two is applied, which again can only lower it.
///    Why: on sustained material whose peaks keep reaching the ceiling (a held chord pushed into the limiter), a
///    60 ms release lets the gain back up between its peaks, and the gain then moves at the rate of the waveform's
///    beats: intermodulation. Held at the depth of the recurring peaks it barely moves. An isolated transient still
///    releases in `releaseSeconds`, as the sustained gain has moved only a fraction of a dB.
/// DC servo: a gain that dips on the peaks of an asymmetric waveform takes more off one polarity than the other, so the
/// product has a DC offset the input had not (measured: −62 dBFS on a real track). The servo subtracts a running
/// offset per channel from the input, an integrator of the output's own mean (1 Hz by default; under deep limiting
/// the loop is slower by the gain, as the output's error is the offset times the gain): the loop drives
/// the output's mean to zero, and as the limiter measures and limits what it is given, the offset can never take a
/// peak over the ceiling. It moves in `dcServoStepSeconds` steps ramped across each step, at fixed stream positions, so the
/// output does not depend on how the stream is cut into blocks.
/// Output frame counts equal input frame counts; the look-ahead delay is removed.
public struct TruePeakLimiter {
  /// The limiter aims this far (0.1 dB) under the ceiling it is given: the one margin between a plan's
  /// `ceilingDBTP` and the level peaks are held to. Why: the gain varies from frame to frame at the base rate, and
  /// the peaks between samples move with it, slightly past what the gain was computed for; the margin absorbs
  /// that, so the master's measured peak (the accurate inter-sample peak verification reads, and BS.1770's) stays
  /// at or under the ceiling. Plans, reports and checks never show it: `ceilingDBTP` is always the user's ceiling.
  public static let marginDB = 0.1
  /// How often the DC servo's offset moves, seconds. Why 20 ms: each step is a call of the limiter's inner loop
  /// (10 ms cost about 4 % of a master's CPU); the loop's delay, a step plus the look-ahead, adds about 24 ms to the
  /// servo's 160 ms time constant at 1 Hz.
  public static let dcServoStepSeconds = 0.02

  /// Interleaved channels per frame; all share one gain.
  public let channels: Int
  private let ceiling: Float
  private var interpolator: TruePeakInterpolator
  /// libebur128's interpolation, at the same delay: the BS.1770 true peak is held too.
  private var bs1770: TruePeakInterpolator
  /// The ceiling lowered where there is content near Nyquist, which meters read differently.
  private var nyquist: NearNyquistMargin
  /// Per input frame of the block: the ceiling its peaks are held to.
  private var frameCeilings: [Float] = []
  /// Delay of the interpolator in input samples: phase f at input i is the value at time i − delay + f/factor.
  private let interpolatorDelay: Int
  /// Frames each way the gain is held flat around a peak: at least 16, and the kernel's half-length (24).
  private let spread: Int
  private let boxLength: Int
  private let lookAhead: Int
  private let releaseCoefficient: Double
  /// Per frame: the sustained gain's factor down at its slew limit, and its release rate.
  private let sustainStep: Double
  private let sustainRelease: Double
  /// The sustained stage's gain (1 at rest).
  private var sustain = 1.0

  private var framesIn = 0
  // Monotonic deque of (index, r) for the sliding minimum, in rings of `dequeMask + 1` entries (it never holds
  // more than the window).
  private var dequeIndex: [Int]
  private var dequeValue: [Float]
  private let dequeMask: Int
  private var dequeHead = 0
  private var dequeTail = 0
  private var box1: BoxFilter
  private var box2: BoxFilter
  private var boxesPrimed = false
  // Scratch reused block to block (no allocation per block).
  private var peaks: [Float] = []
  private var rs: [Float] = []
  private var gainPrevious = 1.0
  private var delayLine: [Float] = []
  private var delayHead = 0
  private var framesOut = 0
  private var minGain = 1.0
  private var limitedFrames = 0
  /// Limited frames per 0.1 dB of gain reduction (the last bin holds everything deeper).
  private var histogram = [Int](repeating: 0, count: HistogramBins.count)
  /// The bin of the last limited frame: where the next one's search starts.
  private var lastBin = 0
  /// 0.1 dB: the resolution of the limiting statistic.
  static let histogramStepDB = 0.1
  private let intervalFrames: Int
  private let sampleRateHz: Int
  private var intervalFill = 0
  private var intervalLowest: Float = 1
  private var series: [Double] = []
  /// Frames past this are padding (`finish`): they are not counted in the statistics.
  private var statsFrameLimit = Int.max
  /// DC servo: frames per step, the integrator's gain per output frame, the offset per channel at the last step
  /// and at the next, and the output summed per channel since the last step.
  private let servoFrames: Int
  private let servoGain: Double
  private var servoFrom: [Double]
  private var servoTo: [Double]
  private var servoSum: [Double]
  private var servoInput: [Float] = []

  /// Creates a limiter for `channels` at `sampleRateHz`.
  public init(settings: LimiterSettings, channels: Int, sampleRateHz: Int) {
    self.channels = channels
    ceiling = Float(pow(10, (settings.ceilingDBTP - settings.marginDB) / 20))
    // Both figures are held. The accurate detector alone let BS.1770 read full-band noise 0.6 dB over (its filter
    // passes images near Nyquist); libebur128's alone let pink noise to 0.45·fs through 0.14 dB over at 16× (its
    // droop at 0.4·fs is 0.4 dB). Its output is delayed to line up with the accurate one's.
    interpolator = TruePeakInterpolator(channels: channels, interSampleAtRateHz: sampleRateHz, refined: true)
    bs1770 = TruePeakInterpolator(channels: channels, sampleRateHz: sampleRateHz, delayFrames: interpolator.delayFrames)
    nyquist = NearNyquistMargin(channels: channels, sampleRateHz: sampleRateHz)
    interpolatorDelay = interpolator.delayFrames
    spread = max(16, interpolator.delayFrames)
    boxLength = max(1, Int(settings.attackSeconds * Double(sampleRateHz)))
    lookAhead = spread + 2 * (boxLength - 1)
    releaseCoefficient = exp(-1 / (settings.releaseSeconds * Double(sampleRateHz)))
    sustainStep = pow(10, -settings.sustainSlewDBPerSecond / 20 / Double(sampleRateHz))
    sustainRelease = 1 - exp(-1 / (settings.sustainReleaseSeconds * Double(sampleRateHz)))
    var ring = 1
    while ring < spread + lookAhead + 2 { ring <<= 1 }
    dequeMask = ring - 1
    dequeIndex = Array(repeating: 0, count: ring)
    dequeValue = Array(repeating: 0, count: ring)
    box1 = BoxFilter(length: boxLength)
    box2 = BoxFilter(length: boxLength)
    intervalFrames = max(1, sampleRateHz / 10)
    self.sampleRateHz = max(1, sampleRateHz)
    servoFrames = max(1, Int(Self.dcServoStepSeconds * Double(sampleRateHz)))
    servoGain = settings.dcServoCornerHz > 0 ? 2 * Double.pi * settings.dcServoCornerHz / Double(max(1, sampleRateHz)) : 0
    servoFrom = Array(repeating: 0, count: channels)
    servoTo = servoFrom
    servoSum = servoFrom
  }

  /// Frames between input and output.
  public var latencyFrames: Int { interpolatorDelay + lookAhead }

  /// Limits `frames` interleaved frames and appends the frames that are ready to `out`.
  public mutating func process(_ samples: UnsafePointer<Float>, frames: Int, into out: inout [Float]) {
    guard servoGain > 0 else { return processStep(samples, frames: frames, into: &out) }
    let ch = channels
    var done = 0
    while done < frames {
      let position = framesIn % servoFrames
      if position == 0 {  // a step: the offset moves by the output's sum since the last one
        for c in 0..<ch {
          servoFrom[c] = servoTo[c]
          servoTo[c] += servoGain * servoSum[c]
          servoSum[c] = 0
        }
      }
      let n = min(frames - done, servoFrames - position)
      if servoInput.count < n * ch { servoInput = Array(repeating: 0, count: n * ch) }
      // Locals, not the struct's arrays, inside the loops: no exclusivity or uniqueness check per sample.
      let from = servoFrom, to = servoTo, perFrame = 1 / Double(servoFrames)
      servoInput.withUnsafeMutableBufferPointer { x in
        from.withUnsafeBufferPointer { f in
          to.withUnsafeBufferPointer { e in
            let src = samples + done * ch
            for i in 0..<n {
              let t = Double(position + i + 1) * perFrame
              for c in 0..<ch { x[i * ch + c] = src[i * ch + c] - Float(f[c] + (e[c] - f[c]) * t) }
            }
          }
        }
      }
      let before = out.count
      servoInput.withUnsafeBufferPointer { processStep($0.baseAddress!, frames: n, into: &out) }
      var sums = servoSum
      servoSum = []
      sums.withUnsafeMutableBufferPointer { s in
        out.withUnsafeBufferPointer { o in
          for i in stride(from: before, to: o.count, by: ch) { for c in 0..<ch { s[c] += Double(o[i + c]) } }
        }
      }
      servoSum = sums
      done += n
    }
  }

  /// `process` for frames that the DC servo has already offset.
  private mutating func processStep(_ samples: UnsafePointer<Float>, frames: Int, into out: inout [Float]) {
    delayLine.append(contentsOf: UnsafeBufferPointer(start: samples, count: frames * channels))
    if frameCeilings.count < frames { frameCeilings = Array(repeating: 0, count: frames) }
    let c0 = ceiling
    if frames > 0 {  // an empty block has no frames to hold (and an empty buffer no address)
      frameCeilings.withUnsafeMutableBufferPointer { nyquist.ceilings(samples, frames: frames, ceiling: c0, into: $0.baseAddress!) }
    }
    framePeaks(samples, frames: frames)
    let first = max(0, interpolatorDelay - framesIn)
    if first < frames {
      if rs.count < frames { rs = Array(repeating: 0, count: frames) }
      peaks.withUnsafeBufferPointer { p in
        frameCeilings.withUnsafeBufferPointer { cs in
          rs.withUnsafeMutableBufferPointer { r in
            for i in first..<frames { r[i] = p[i] > cs[i] ? cs[i] / p[i] : 1 }
          }
        }
      }
      pushR(from: first, to: frames, firstIndex: framesIn + first - interpolatorDelay)
    }
    framesIn += frames
    emit(into: &out)
  }

  /// Pushes the last frames through and appends them, so that output frames equal input frames.
  public mutating func finish(into out: inout [Float]) {
    let target = framesIn, before = framesOut
    statsFrameLimit = target  // the padding's frames are not the stream's: they do not count
    let tail = latencyFrames + 1
    var scratch: [Float] = []
    let zeros = [Float](repeating: 0, count: tail * channels)
    zeros.withUnsafeBufferPointer { process($0.baseAddress!, frames: tail, into: &scratch) }
    out.append(contentsOf: scratch.prefix((target - before) * channels))
    framesOut = target
  }

  /// What the limiter did so far.
  public var stats: LimiterStats {
    var s = LimiterStats(
      maxGainReductionDB: minGain < 1 ? -20 * log10(minGain) : 0,
      limitedShare: framesOut > 0 ? Double(limitedFrames) / Double(framesOut) : 0)
    s.over1DBShare = LimiterStats.share(over: 1, histogram: histogram, frames: framesOut)
    s.over3DBShare = LimiterStats.share(over: 3, histogram: histogram, frames: framesOut)
    s.p99GainReductionDB = LimiterStats.percentile(share: 0.01, histogram: histogram, frames: framesOut)
    s.intervalSeconds = Double(intervalFrames) / Double(sampleRateHz)
    s.gainReductionDB = series + (intervalFill > 0 ? [intervalLowest < 1 ? -20 * log10(Double(intervalLowest)) : 0] : [])
    return s
  }

  /// Per input frame i, into `peaks`: the largest |value| over channels of the interpolated points at time
  /// (i − delay) … (i − delay) + (factor − 1)/factor.
  private mutating func framePeaks(_ samples: UnsafePointer<Float>, frames: Int) {
    if peaks.count < frames { peaks = Array(repeating: 0, count: frames) }
    // The lowest ceiling of the block: no frame that could pass its own is screened out.
    let c0 = frameCeilings.prefix(frames).reduce(ceiling, min)
    peaks.withUnsafeMutableBufferPointer { pk in
      for i in 0..<frames { pk[i] = 0 }
      // Blocks where nothing can come near the ceiling skip the interpolation (its output is ≤ K·max|x|).
      for c in 0..<channels {
        interpolator.accumulatePeaks(samples, frames: frames, channel: c, into: pk.baseAddress!, interpolateAbove: c0)
        bs1770.accumulatePeaks(samples, frames: frames, channel: c, into: pk.baseAddress!, interpolateAbove: c0)
      }
    }
  }

  /// Feeds rs[from..<to] as r[m], r[m + 1], …; for each n whose window [n − spread, n + lookAhead] is then
  /// complete, produces h[n] and the gain.
  private mutating func pushR(from: Int, to: Int, firstIndex m0: Int) {
    let mask = dequeMask, lookAhead = lookAhead, spread = spread, release = 1 - releaseCoefficient
    var head = dequeHead, tail = dequeTail, previous = gainPrevious
    var held = sustain
    let heldUp = sustainRelease, heldStep = sustainStep
    var primed = boxesPrimed
    let length = box1.length, lengthD = Double(length)
    var sum1 = box1.sum, next1 = box1.next, sum2 = box2.sum, next2 = box2.next
    let start = gains.count
    gains.append(contentsOf: repeatElement(0, count: to - from))
    var produced = 0
    rs.withUnsafeBufferPointer { r in
      dequeIndex.withUnsafeMutableBufferPointer { di in
        dequeValue.withUnsafeMutableBufferPointer { dv in
          gains.withUnsafeMutableBufferPointer { g in
            box1.ring.withUnsafeMutableBufferPointer { r1 in
              box2.ring.withUnsafeMutableBufferPointer { r2 in
                for i in from..<to {
                  let m = m0 + i - from
                  let v = r[i]
                  while tail != head && dv[(tail - 1) & mask] >= v { tail -= 1 }
                  di[tail & mask] = m
                  dv[tail & mask] = v
                  tail += 1
                  let n = m - lookAhead
                  if n < 0 { continue }
                  while di[head & mask] < n - spread { head += 1 }
                  let hn = Double(dv[head & mask])
                  if !primed {
                    // Before the start the ramp holds the first window's minimum: it covers every r the first
                    // frames see.
                    for k in 0..<length {
                      r1[k] = hn
                      r2[k] = hn
                    }
                    sum1 = hn * lengthD
                    sum2 = sum1
                    primed = true
                  }
                  let g2 = BoxFilter.step(r2, &sum2, &next2, BoxFilter.step(r1, &sum1, &next1, hn))
                  // At rest (unity gain wanted and held) the release formula gives exactly 1: skipping it there
                  // takes its chain of dependent operations off the frames that are not limited.
                  let gain = previous == 1 && g2 >= 1 ? 1 : min(g2, previous + (1 - previous) * release)
                  previous = gain
                  if g2 < held {  // the need, not the release's tail: only a reduction that is needed is held
                    held = max(g2, held * heldStep)
                  } else if held < 1 {
                    held += (1 - held) * heldUp
                    if held > 1 - 1e-9 { held = 1 }  // it would approach 1 without reaching it
                  }
                  g[start + produced] = Float(min(gain, held))
                  produced += 1
                }
              }
            }
          }
        }
      }
    }
    gains.removeLast(to - from - produced)
    dequeHead = head
    dequeTail = tail
    gainPrevious = previous
    sustain = held
    boxesPrimed = primed
    box1.sum = sum1
    box1.next = next1
    box2.sum = sum2
    box2.next = next2
  }

  private var gains: [Float] = []

  /// Applies ready gains to the delayed audio.
  private mutating func emit(into out: inout [Float]) {
    guard !gains.isEmpty else { return }
    let n = gains.count, ch = channels
    let start = out.count
    out.append(contentsOf: repeatElement(0, count: n * ch))
    var lowest = Float(minGain), limited = 0
    let counted = max(0, min(n, statsFrameLimit - framesOut))
    gains.withUnsafeBufferPointer { g in
      delayLine.withUnsafeBufferPointer { d in
        out.withUnsafeMutableBufferPointer { o in
          let src = d.baseAddress! + delayHead, dst = o.baseAddress! + start
          let edges = HistogramBins.edges
          var bin = lastBin
          for i in 0..<counted {
            if g[i] < 0.99999 {
              limited += 1
              // `HistogramBins.bin(g[i])` found from the last one: the gain moves by a bin or two per frame.
              while bin < HistogramBins.count - 1 && g[i] < edges[bin + 1] { bin += 1 }
              while bin > 0 && !(g[i] < edges[bin]) { bin -= 1 }
              histogram[bin] += 1
            }
            if g[i] < lowest { lowest = g[i] }  // rarely true: no chain of dependent minimums
          }
          lastBin = bin
          var i = 0
          while i < counted {  // the deepest reduction per 100 ms
            let take = min(counted - i, intervalFrames - intervalFill)
            for j in i..<(i + take) where g[j] < intervalLowest { intervalLowest = g[j] }
            intervalFill += take
            i += take
            if intervalFill == intervalFrames {
              series.append(intervalLowest < 1 ? -20 * log10(Double(intervalLowest)) : 0)
              intervalFill = 0
              intervalLowest = 1
            }
          }
          if ch == 2 {
            for i in 0..<n {
              dst[2 * i] = src[2 * i] * g[i]
              dst[2 * i + 1] = src[2 * i + 1] * g[i]
            }
          } else {
            for i in 0..<n { for c in 0..<ch { dst[i * ch + c] = src[i * ch + c] * g[i] } }
          }
        }
      }
    }
    if Double(lowest) < minGain { minGain = Double(lowest) }
    limitedFrames += limited
    delayHead += n * ch
    framesOut += n
    gains.removeAll(keepingCapacity: true)
    if delayHead > 65_536 * ch {
      delayLine.removeFirst(delayHead)
      delayHead = 0
    }
  }
}

/// The state of a running mean over the last `length` values, in Double (advanced inline by the limiter).
struct BoxFilter {
  let length: Int
  var ring: [Double]
  var next = 0
  var sum = 0.0

  init(length: Int) {
    self.length = length
    ring = Array(repeating: 1, count: length)
    sum = Double(length)
  }

  /// Pushes `value` into `ring` and returns the mean; re-sums the ring once per turn, so nothing drifts.
  @inline(__always) static func step(
    _ ring: UnsafeMutableBufferPointer<Double>, _ sum: inout Double, _ next: inout Int, _ value: Double
  ) -> Double {
    sum += value - ring[next]
    ring[next] = value
    next += 1
    if next == ring.count {
      next = 0
      sum = 0
      for v in ring { sum += v }
    }
    return sum / Double(ring.count)
  }
}

/// The limiter's gain-reduction histogram bins: `bin(g)` = ⌊−20·log10(g) / 0.1 dB⌋ in Float, clamped to 0…399.
/// The limiter looks a gain's bin up in `edges` (a comparison or two from the previous frame's bin) instead of
/// taking a logarithm per limited frame; `bin` is a monotonic function of g, so the edges give its value exactly
/// (HistogramBinTests compare the two for every Float from 0.004 to 1).
public enum HistogramBins {
  /// Bins: 0.1 dB each, the last one holding everything deeper (40 dB).
  public static let count = 400

  /// The bin by the formula.
  public static func bin(_ g: Float) -> Int {
    // Clamped in Float first: a gain of 0 gives +inf, which Int() would trap on.
    Int(min(Float(count - 1), max(0, -20 * log10f(g) / Float(TruePeakLimiter.histogramStepDB))))
  }

  /// `edges[k]` (k ≥ 1) is the smallest positive Float g with `bin(g)` < k: `bin(g)` ≥ k exactly when g < edges[k].
  /// `edges[0]` is +∞.
  public static let edges: [Float] = {
    var edges: [Float] = [.infinity]
    for k in 1..<count {
      // Bisection on the bit patterns (their order is the values' order for positive Floats).
      var low = Float.leastNonzeroMagnitude.bitPattern, high = Float(1).bitPattern  // bin(low) ≥ k > bin(high)
      while high - low > 1 {
        let mid = low + (high - low) / 2
        if bin(Float(bitPattern: mid)) < k { high = mid } else { low = mid }
      }
      edges.append(Float(bitPattern: high))
    }
    return edges
  }()

  /// `bin(g)` looked up in `edges` (for the tests).
  public static func lookUp(_ g: Float) -> Int {
    var k = 0
    while k < count - 1 && g < edges[k + 1] { k += 1 }
    return k
  }
}
