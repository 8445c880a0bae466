import DSP

/// Per-sample statistics: peaks, RMS, DC, clipping runs, silence at the ends, non-finite samples.
/// It runs first on every block and replaces NaN/±Inf with 0, so every other meter sees finite audio.
public struct SampleStats {
  public let channels: Int
  private var peak: [Float]
  private var sum: [Double]
  private var sumSquares: [Double]
  private var clipRun: [Int]
  private(set) var clippedRuns = 0
  private(set) var clippedSamples = 0
  private(set) var nonFiniteSamples = 0
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

  public init(channels: Int) {
    self.channels = channels
    peak = Array(repeating: 0, count: channels)
    sum = Array(repeating: 0, count: channels)
    sumSquares = Array(repeating: 0, count: channels)
    clipRun = Array(repeating: 0, count: channels)
  }

  /// Measures `frames` interleaved frames and zeroes their non-finite samples in place.
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
    for c in 0..<channels {
      var p = samples + c
      var pk = peak[c], s = 0.0, s2 = 0.0, run = clipRun[c]
      var first = Int.max, last = -1
      for i in 0..<count {
        var x = p.pointee
        if !x.isFinite {
          nonFiniteSamples += 1
          x = 0
          p.pointee = 0
        }
        let a = abs(x)
        pk = max(pk, a)
        s += Double(x)
        s2 += Double(x * x)
        if a >= Self.silenceLevel {
          if first == Int.max { first = i }
          last = i
        }
        if a >= Self.clipLevel {
          run += 1
        } else if run > 0 {
          closeRun(run)
          run = 0
        }
        p += stride
      }
      peak[c] = pk
      sum[c] += s
      sumSquares[c] += s2
      clipRun[c] = run
      blockFirstLoud = min(blockFirstLoud, first)
      blockLastLoud = max(blockLastLoud, last)
    }
    if blockFirstLoud != Int.max && firstLoudFrame == nil { firstLoudFrame = frames + Int64(blockFirstLoud) }
    if blockLastLoud >= 0 { lastLoudFrame = frames + Int64(blockLastLoud) }
    frames += Int64(count)
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
      firstSampleDBFS: Decibels.fromAmplitude(Double(firstFramePeak ?? 0)),
      lastSampleDBFS: Decibels.fromAmplitude(Double(lastFramePeak)))
  }
}
