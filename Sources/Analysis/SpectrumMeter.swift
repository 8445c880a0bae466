import DSP

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Long-term average spectrum by Welch's method: Hann window, 50 % overlap, power averaged over frames and
/// channels, then pooled into 1/6-octave bands. Frames under −70 dBFS RMS are skipped so silence does not tilt it.
///
/// Mid and side need no transforms of their own: the DFT is linear, so M = (L+R)/2 and S = (L−R)/2 are formed
/// from the two channel spectra bin by bin.
public struct SpectrumMeter: ~Copyable {
  /// Interleaved channels per frame.
  public let channels: Int
  /// Sample rate of the stream, in Hz: sets the FFT length and the band edges.
  public let sampleRateHz: Int
  /// Power-of-two FFT length giving a bin spacing of 6 Hz or less (8192 at 44.1/48 kHz).
  public let fftLength: Int
  private let fftA: RealFFT
  private let fftB: RealFFT
  private let window: [Float]
  /// Deinterleaved frame buffer, channel c at [c·N, (c+1)·N).
  private var frame: [Float]
  private var filled = 0
  private var sawFullFrame = false
  private var powerAll: [Double]
  private var powerMid: [Double]
  private var powerSide: [Double]
  private(set) var framesAveraged = 0
  /// The current segment's power (all channels), its frames and its non-silent frames, for `levelSpreadDB`.
  private var segmentPower: [Double]
  private var segmentHops = 0, segmentFrames = 0
  /// Per band, over the closed segments: count, sum and sum of squares of the level relative to the median band.
  private var spreadCount: [Int] = [], spreadSum: [Double] = [], spreadSumSq: [Double] = []

  /// The segments whose spectra `levelSpreadDB` compares: long enough for a stable spectrum, short enough that a
  /// 3-minute track has 18.
  public static let segmentSeconds = 10.0
  /// Fewer segments than this give no spread.
  public static let minSegments = 3

  /// Frames whose mean square (all channels) is under this are left out: −70 dBFS.
  static let silenceMeanSquare = pow(10.0, -70.0 / 10)

  /// The FFT length for a sample rate: the smallest power of two with fs/N ≤ 6 Hz.
  public static func fftLength(sampleRateHz: Int) -> Int {
    var n = 2
    while Double(sampleRateHz) / Double(n) > 6 { n *= 2 }
    return n
  }

  /// Creates a meter for interleaved input of `channels` channels.
  public init(channels: Int, sampleRateHz: Int) {
    self.channels = channels
    self.sampleRateHz = sampleRateHz
    let n = Self.fftLength(sampleRateHz: sampleRateHz)
    fftLength = n
    fftA = RealFFT(length: n)
    fftB = RealFFT(length: n)
    window = Window.hann(length: n)
    frame = Array(repeating: 0, count: n * channels)
    let bins = n / 2 + 1
    powerAll = Array(repeating: 0, count: bins)
    powerMid = Array(repeating: 0, count: channels >= 2 ? bins : 0)
    powerSide = Array(repeating: 0, count: channels >= 2 ? bins : 0)
    segmentPower = Array(repeating: 0, count: bins)
  }

  /// FFT frames (hops of n/2) per segment.
  private var hopsPerSegment: Int { Self.segmentFrames(sampleRateHz: sampleRateHz) / (fftLength / 2) }

  /// Sample frames per segment of `levelSpreadDB`: `segmentSeconds` rounded to whole hops of the FFT.
  public static func segmentFrames(sampleRateHz: Int) -> Int {
    let hop = fftLength(sampleRateHz: sampleRateHz) / 2
    return hop * max(1, Int((segmentSeconds * Double(sampleRateHz) / Double(hop)).rounded()))
  }

  /// Feeds `frames` interleaved frames.
  public mutating func add(_ samples: UnsafePointer<Float>, frames: Int) {
    var offset = 0
    let n = fftLength
    while offset < frames {
      let take = min(frames - offset, n - filled)
      frame.withUnsafeMutableBufferPointer { f in
        for c in 0..<channels {
          VectorMath.deinterleave(
            samples + offset * channels, channels: channels, channel: c, frames: take, into: f.baseAddress! + c * n + filled)
        }
      }
      offset += take
      filled += take
      if filled == n {
        processFrame()
        sawFullFrame = true
        // Keep the second half: the next frame starts there (50 % overlap).
        frame.withUnsafeMutableBufferPointer { f in
          for c in 0..<channels {
            let base = f.baseAddress! + c * n
            base.update(from: base + n / 2, count: n / 2)
          }
        }
        filled = n / 2
      }
    }
  }

  private mutating func processFrame() {
    let n = fftLength
    let bins = n / 2 + 1
    // Four partial sums: one long chain of dependent additions would cost more than the FFTs.
    var partial = (0.0, 0.0, 0.0, 0.0)
    frame.withUnsafeBufferPointer { f in
      var i = 0
      let total = n * channels  // a multiple of 4 (n is a power of two ≥ 4)
      while i < total {
        partial.0 += Double(f[i] * f[i])
        partial.1 += Double(f[i + 1] * f[i + 1])
        partial.2 += Double(f[i + 2] * f[i + 2])
        partial.3 += Double(f[i + 3] * f[i + 3])
        i += 4
      }
    }
    let meanSquare = (partial.0 + partial.1 + partial.2 + partial.3) / Double(n * channels)
    segmentHops += 1
    defer { if segmentHops == hopsPerSegment { closeSegment() } }
    guard meanSquare >= Self.silenceMeanSquare else { return }
    framesAveraged += 1
    segmentFrames += 1

    func load(_ fft: borrowing RealFFT, channel c: Int) {
      frame.withUnsafeBufferPointer { f in
        window.withUnsafeBufferPointer { w in
          let src = f.baseAddress! + c * n
          for i in 0..<n { fft.real[i] = src[i] * w[i] }
        }
      }
      fft.forward()
    }

    var c = 0
    if channels >= 2 {
      load(fftA, channel: 0)
      load(fftB, channel: 1)
      let a = fftA.spectrum, b = fftB.spectrum
      powerAll.withUnsafeMutableBufferPointer { all in
        powerMid.withUnsafeMutableBufferPointer { mid in
          powerSide.withUnsafeMutableBufferPointer { side in
            segmentPower.withUnsafeMutableBufferPointer { seg in
              for k in 0..<bins {
                let lr = a[2 * k], li = a[2 * k + 1], rr = b[2 * k], ri = b[2 * k + 1]
                let pl = lr * lr + li * li, pr = rr * rr + ri * ri
                let mr = lr + rr, mi = li + ri, sr = lr - rr, si = li - ri
                all[k] += Double(pl + pr)
                seg[k] += Double(pl + pr)
                mid[k] += Double(0.25 * (mr * mr + mi * mi))
                side[k] += Double(0.25 * (sr * sr + si * si))
              }
            }
          }
        }
      }
      c = 2
    }
    while c < channels {
      load(fftA, channel: c)
      let a = fftA.spectrum
      powerAll.withUnsafeMutableBufferPointer { all in
        segmentPower.withUnsafeMutableBufferPointer { seg in
          for k in 0..<bins {
            let p = Double(a[2 * k] * a[2 * k] + a[2 * k + 1] * a[2 * k + 1])
            all[k] += p
            seg[k] += p
          }
        }
      }
      c += 1
    }
  }

  /// Ends a segment: one that is at least half music adds each band's level relative to its median band to the
  /// spread's sums. The relative level leaves out the segment's loudness, which is not the balance.
  private mutating func closeSegment() {
    defer {
      for k in segmentPower.indices { segmentPower[k] = 0 }
      segmentHops = 0
      segmentFrames = 0
    }
    guard 2 * segmentFrames >= hopsPerSegment else { return }
    let bands = FractionalOctaveBands(sampleRateHz: Double(sampleRateHz))
    let levels = bandLevels(
      segmentPower, bands: bands, binSpacingHz: Double(sampleRateHz) / Double(fftLength), perFrameCount: channels,
      frames: segmentFrames)
    let finite = levels.compactMap { $0 }.sorted()
    guard !finite.isEmpty else { return }
    let medianDB = finite.count % 2 == 1
      ? finite[finite.count / 2] : (finite[finite.count / 2 - 1] + finite[finite.count / 2]) / 2
    if spreadCount.isEmpty {
      spreadCount = Array(repeating: 0, count: levels.count)
      spreadSum = Array(repeating: 0, count: levels.count)
      spreadSumSq = Array(repeating: 0, count: levels.count)
    }
    for (b, level) in levels.enumerated() {
      guard let level else { continue }
      spreadCount[b] += 1
      spreadSum[b] += level - medianDB
      spreadSumSq[b] += (level - medianDB) * (level - medianDB)
    }
  }

  /// Per band: the standard deviation of the closed segments' relative levels; nil under `minSegments`.
  private var levelSpreadDB: [Double?]? {
    guard !spreadCount.isEmpty else { return nil }
    return spreadCount.indices.map { b -> Double? in
      let n = Double(spreadCount[b])
      guard spreadCount[b] >= Self.minSegments else { return nil }
      let mean = spreadSum[b] / n
      return (max(0, spreadSumSq[b] / n - mean * mean)).squareRoot()
    }
  }

  /// Band levels for everything fed so far. `integratedLUFS` turns levels into the tonal balance.
  public mutating func result(integratedLUFS: Double?) -> SpectrumStats {
    // A track shorter than one FFT frame still gets a spectrum, from its zero-padded start.
    if !sawFullFrame && filled > 0 {
      let n = fftLength
      frame.withUnsafeMutableBufferPointer { f in
        for c in 0..<channels { (f.baseAddress! + c * n + filled).update(repeating: 0, count: n - filled) }
      }
      processFrame()
    }
    // The last, partial segment counts when it is at least half a segment of music.
    if segmentHops > 0 { closeSegment() }
    let bands = FractionalOctaveBands(sampleRateHz: Double(sampleRateHz))
    let binSpacingHz = Double(sampleRateHz) / Double(fftLength)
    let levels = bandLevels(powerAll, bands: bands, binSpacingHz: binSpacingHz, perFrameCount: channels)
    let mid = channels >= 2 ? bandLevels(powerMid, bands: bands, binSpacingHz: binSpacingHz, perFrameCount: 1) : nil
    let side = channels >= 2 ? bandLevels(powerSide, bands: bands, binSpacingHz: binSpacingHz, perFrameCount: 1) : nil
    let balance = levels.map { l in integratedLUFS.flatMap { i in l.map { $0 - i } } }
    let centers = bands.centersHz
    return SpectrumStats(
      bandCentersHz: centers, levelsDB: levels, midLevelsDB: mid, sideLevelsDB: side, tonalBalanceDB: balance,
      tiltDB: Self.tiltDB(centersHz: centers, levelsDB: levels), framesAveraged: framesAveraged,
      levelSpreadDB: levelSpreadDB)
  }

  /// One-sided power per bin as a share of the signal's mean square: Σ_k P[k] = mean(x²) (Parseval),
  /// with the window's power gain Σw²/N divided out.
  private func bandLevels(
    _ raw: [Double], bands: FractionalOctaveBands, binSpacingHz: Double, perFrameCount: Int, frames: Int? = nil
  ) -> [Double?] {
    let frames = frames ?? framesAveraged
    guard frames > 0 else { return bands.indices.map { _ in nil } }
    let n = Double(fftLength)
    let sumW2 = Window.powerGain(window) * n
    let scale = 2 / (n * sumW2 * Double(frames * perFrameCount))
    let power = raw.enumerated().map { k, p in
      (k == 0 || k == raw.count - 1) ? p * scale / 2 : p * scale
    }
    return power.withUnsafeBufferPointer { bands.levelsDB(power: $0, binSpacingHz: binSpacingHz) }
  }

  /// Least-squares slope of level against log2(f) over 100 Hz–10 kHz, times log2(100) octaves.
  public static func tiltDB(centersHz: [Double], levelsDB: [Double?]) -> Double? {
    var xs: [Double] = [], ys: [Double] = []
    for (f, l) in zip(centersHz, levelsDB) where f >= 100 && f <= 10_000 {
      if let l {
        xs.append(log2(f))
        ys.append(l)
      }
    }
    guard xs.count >= 3 else { return nil }
    let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
    var sxy = 0.0, sxx = 0.0
    for (x, y) in zip(xs, ys) {
      sxy += (x - mx) * (y - my)
      sxx += (x - mx) * (x - mx)
    }
    return sxy / sxx * log2(100)
  }
}
