import AudioIO
import DSP

/// Per-sample statistics: peaks, RMS, DC, clipping runs, silence at the ends, non-finite samples.
/// It runs first on every block and replaces NaN/±Inf and over-range samples (`AudioLimits.maxSampleMagnitude`)
/// with 0, so every other meter sees finite audio that cannot overflow it.
public struct SampleStats {
  /// Interleaved channels per frame.
  public let channels: Int
  private var peak: [Float]
  private var sum: [Double]
  private var sumSquares: [Double]
  private var clipRun: [Int]
  private(set) var clippedRuns = 0
  private(set) var clippedSamples = 0
  private(set) var nonFiniteSamples = 0
  private(set) var overRangeSamples = 0
  private var firstLoudFrame: Int64?
  private var lastLoudFrame: Int64 = -1
  private(set) var frames: Int64 = 0
  /// Largest |x| over the channels of the first and of the last frame: a track that starts or ends there
  /// at a high level clicks.
  private var firstFramePeak: Float?
  private var lastFramePeak: Float = 0

  /// |x| at or above this is a clipped sample: −0.001 dBFS.
  public static let clipLevel: Float = 0.9999
  /// Consecutive clipped samples on one channel that make a run.
  public static let clipRunLength = 3
  /// |x| at or above this ends leading silence and starts trailing silence: −60 dBFS.
  public static let silenceLevel: Float = 0.001

  /// Empty statistics for a stream of `channels` channels.
  public init(channels: Int) {
    self.channels = channels
    peak = Array(repeating: 0, count: channels)
    sum = Array(repeating: 0, count: channels)
    sumSquares = Array(repeating: 0, count: channels)
    clipRun = Array(repeating: 0, count: channels)
  }

  /// Measures `frames` interleaved frames and zeroes their non-finite and over-range samples in place.
  public mutating func process(_ samples: UnsafeMutablePointer<Float>, frames count: Int) {
    let stride = channels
    defer {
      if count > 0 {
        let frame = { (i: Int) -> Float in (0..<stride).reduce(Float(0)) { max($0, abs(samples[i * stride + $1])) } }
        if firstFramePeak == nil { firstFramePeak = frame(0) }
        lastFramePeak = frame(count - 1)
      }
    }
    var blockFirstLoud = Int.max, blockLastLoud = -1
    let fast = 8 % stride == 0 ? Self.laneSums(samples, count: count * stride, channels: stride) : nil
    for c in 0..<channels {
      let p = samples + c
      var pk: Float = 0, s0 = 0.0, q0 = 0.0
      if let fast, fast.finite, fast.peak[c] <= AudioLimits.maxSampleMagnitude {
        (pk, s0, q0) = (fast.peak[c], fast.sum[c], fast.sumSquares[c])
      } else {
        // Strided pass, and a careful one (counting and zeroing NaN/±Inf) when this channel needs it.
        var poison: Float = 0
        for i in 0..<count {
          let x = p[i * stride]
          poison += x - x
          pk = max(pk, abs(x))
          s0 += Double(x)
          q0 += Double(x * x)
        }
        if !poison.isFinite || pk.isNaN || pk > AudioLimits.maxSampleMagnitude {
          (pk, s0, q0) = carefulPass(p, stride: stride, count: count)
        }
      }
      peak[c] = max(peak[c], pk)
      sum[c] += s0
      sumSquares[c] += q0
      // Silence at the ends: the first and last sample at or above the level, found from each end.
      if pk >= Self.silenceLevel {
        var first = 0
        while abs(p[first * stride]) < Self.silenceLevel { first += 1 }
        var last = count - 1
        while abs(p[last * stride]) < Self.silenceLevel { last -= 1 }
        blockFirstLoud = min(blockFirstLoud, first)
        blockLastLoud = max(blockLastLoud, last)
      }
      // Clipping runs, sample by sample, only where a sample reaches the clip level.
      var run = clipRun[c]
      if pk >= Self.clipLevel {
        for i in 0..<count {
          if abs(p[i * stride]) >= Self.clipLevel {
            run += 1
          } else if run > 0 {
            closeRun(run)
            run = 0
          }
        }
      } else if run > 0 && count > 0 {
        closeRun(run)
        run = 0
      }
      clipRun[c] = run
    }
    if blockFirstLoud != Int.max && firstLoudFrame == nil { firstLoudFrame = frames + Int64(blockFirstLoud) }
    if blockLastLoud >= 0 { lastLoudFrame = frames + Int64(blockLastLoud) }
    frames += Int64(count)
  }

  /// Peak, sum and sum of squares per channel of `count` interleaved samples, 8 lanes at a time (lane l holds
  /// channel l % channels: `channels` must divide 8). `finite` is false when any sample is NaN or ±Inf
  /// (x − x is NaN exactly for those); the caller then measures channel by channel.
  private static func laneSums(
    _ samples: UnsafePointer<Float>, count: Int, channels: Int
  ) -> (peak: [Float], sum: [Double], sumSquares: [Double], finite: Bool) {
    typealias F = SIMD8<Float>
    typealias D = SIMD4<Double>
    var pk = F(), poison = F(), sLow = D(), sHigh = D(), qLow = D(), qHigh = D()
    let raw = UnsafeRawPointer(samples)
    var i = 0
    while i + 8 <= count {
      let x = raw.loadUnaligned(fromByteOffset: i * 4, as: F.self)
      poison += x - x
      let m = x.magnitudes
      pk.replace(with: m, where: m .> pk)
      let xx = x * x
      sLow += D(x.lowHalf)
      sHigh += D(x.highHalf)
      qLow += D(xx.lowHalf)
      qHigh += D(xx.highHalf)
      i += 8
    }
    var peak = [Float](repeating: 0, count: channels)
    var sum = [Double](repeating: 0, count: channels), sumSquares = [Double](repeating: 0, count: channels)
    var finite = true
    for lane in 0..<8 {
      let c = lane % channels
      peak[c] = max(peak[c], pk[lane])
      sum[c] += lane < 4 ? sLow[lane] : sHigh[lane - 4]
      sumSquares[c] += lane < 4 ? qLow[lane] : qHigh[lane - 4]
      finite = finite && poison[lane] == 0
    }
    // The tail (fewer than 8 samples) starts on a frame boundary, as 8 is a multiple of `channels`.
    while i < count {
      let x = samples[i], c = i % channels
      finite = finite && (x - x) == 0
      peak[c] = max(peak[c], abs(x))
      sum[c] += Double(x)
      sumSquares[c] += Double(x * x)
      i += 1
    }
    return (peak, sum, sumSquares, finite)
  }

  /// One channel of a block that holds NaN, ±Inf or over-range samples: counts them, zeroes them in place, and
  /// measures the rest.
  private mutating func carefulPass(
    _ p: UnsafeMutablePointer<Float>, stride: Int, count: Int
  ) -> (peak: Float, sum: Double, sumSquares: Double) {
    var pk: Float = 0, s = 0.0, s2 = 0.0
    for i in 0..<count {
      var x = p[i * stride]
      if !x.isFinite {
        nonFiniteSamples += 1
        x = 0
        p[i * stride] = 0
      } else if abs(x) > AudioLimits.maxSampleMagnitude {
        overRangeSamples += 1
        x = 0
        p[i * stride] = 0
      }
      pk = max(pk, abs(x))
      s += Double(x)
      s2 += Double(x * x)
    }
    return (pk, s, s2)
  }

  private mutating func closeRun(_ run: Int) {
    if run >= Self.clipRunLength {
      clippedRuns += 1
      clippedSamples += run
    }
  }

  /// Maximum |sample| over all channels, in dBFS.
  public var samplePeakDBFS: Double? { Decibels.fromAmplitude(Double(peak.max() ?? 0)) }

  /// RMS over all samples of all channels, in dBFS.
  public var rmsDBFS: Double? {
    frames > 0 ? Decibels.fromPower(sumSquares.reduce(0, +) / Double(frames * Int64(channels))) : nil
  }

  /// Defects for everything processed so far (a clip run still open at the end counts).
  public func defects(sampleRateHz: Int) -> DefectStats {
    var copy = self
    for c in 0..<channels where copy.clipRun[c] > 0 { copy.closeRun(copy.clipRun[c]) }
    let rate = Double(sampleRateHz)
    let duration = Double(frames) / rate
    let leading = firstLoudFrame.map { Double($0) / rate } ?? duration
    let trailing = firstLoudFrame == nil ? duration : Double(frames - 1 - lastLoudFrame) / rate
    return DefectStats(
      clippedRuns: copy.clippedRuns, clippedSamples: copy.clippedSamples,
      dcOffsetDBFS: sum.map { frames > 0 ? Decibels.fromAmplitude($0 / Double(frames)) : nil },
      leadingSilenceSeconds: leading, trailingSilenceSeconds: trailing, nonFiniteSamples: nonFiniteSamples,
      overRangeSamples: overRangeSamples > 0 ? overRangeSamples : nil,
      firstSampleDBFS: Decibels.fromAmplitude(Double(firstFramePeak ?? 0)),
      lastSampleDBFS: Decibels.fromAmplitude(Double(lastFramePeak)))
  }
}
