#if canImport(Glibc)
  import Glibc
#endif

/// Splits streams into bands that add up to the input delayed by `groupDelayFrames`, by FFT overlap-save.
///
/// Each crossover is a linear-phase lowpass (`FIRDesigner`, frequency sampling, Hann window), all of the same odd
/// length, so all have the delay D = (taps − 1)/2 at every frequency. The bands are differences of consecutive
/// lowpasses: LP₁, LP₂ − LP₁, …, δ_D − LPₙ, whose sum is δ_D tap for tap: the split is exactly complementary in
/// phase and amplitude, and each band is zero-phase around D (no phase shift between bands, symmetric pre- and
/// post-ringing). A lowpass's amplitude is 1 below fc·2^(−w/2), 0 above fc·2^(w/2), and a raised cosine in
/// log-frequency between (w = `transitionOctaves`), so neighbours cross at −6 dB with amplitudes summing to 1.
///
/// One forward FFT per component and hop serves every lowpass; the filtered hops come out `hop` frames at a time.
/// The caller appends frames (`append`), and when `isFull` filters each component it needs (`filter`), reads its
/// bands (`band`), then `advance`s.
public struct LinearPhaseCrossover: ~Copyable {
  /// Width of each crossover's transition, in octaves.
  public static let transitionOctaves = 1.0
  /// Crossover frequencies, ascending.
  public let crossoversHz: [Double]
  /// Signals split side by side (channels, or mid and side).
  public let components: Int
  /// Lowpass length (odd).
  public let taps: Int
  /// Delay of every band, (taps − 1)/2.
  public let groupDelayFrames: Int
  /// Overlap-save FFT length (the power of two ≥ 4 × taps).
  public let fftLength: Int
  /// Frames per filtered block.
  public let hop: Int
  private let fft: RealFFT
  /// Per lowpass, its spectrum (interleaved re, im, scaled by 1/fftLength).
  private let lowpassSpectra: UnsafeMutablePointer<Float>
  /// Per component, the last `fftLength` inputs.
  private let inputs: UnsafeMutablePointer<Float>
  private let inputSpectrum: UnsafeMutablePointer<Float>
  /// Per lowpass, the filtered hop of the component last filtered.
  private let lowpassed: UnsafeMutablePointer<Float>
  private var filled: Int

  /// Number of bands.
  public var bands: Int { crossoversHz.count + 1 }

  /// The lowpass amplitude at `frequencyHz` for a crossover at `cutoffHz`.
  public static func lowpassAmplitude(frequencyHz: Double, cutoffHz: Double) -> Double {
    let x = log2(frequencyHz / cutoffHz) / transitionOctaves
    if x <= -0.5 { return 1 }
    if x >= 0.5 { return 0 }
    return 0.5 + 0.5 * cos(Double.pi * (x + 0.5))
  }

  /// Lowpass design length at a rate: bins of 12 Hz or less (4096 at 44.1/48 kHz, 8192 at 96 kHz); the taps are
  /// one fewer, the group delay about 43 ms.
  public static func designLength(sampleRateHz: Int) -> Int {
    FIRDesigner.designLength(sampleRateHz: sampleRateHz, maxBinHz: 12)
  }

  /// A crossover at the ascending `crossoversHz` (checked by the caller) for `components` signals.
  public init(crossoversHz: [Double], components: Int, sampleRateHz: Int) {
    precondition(components >= 1 && !crossoversHz.isEmpty, "at least one component and one crossover")
    self.crossoversHz = crossoversHz
    self.components = components
    let n = Self.designLength(sampleRateHz: sampleRateHz)
    taps = n - 1
    groupDelayFrames = (taps - 1) / 2
    // Four times the taps: three quarters of each FFT block are new output (a third less FFT work per frame than
    // twice the taps, for a longer latency).
    var m = 2
    while m < 4 * taps { m *= 2 }
    fftLength = m
    hop = m - taps + 1
    fft = RealFFT(length: m)
    let bins = m + 2
    lowpassSpectra = .allocate(capacity: crossoversHz.count * bins)
    for (l, fc) in crossoversHz.enumerated() {
      let h = FIRDesigner.design(sampleRateHz: sampleRateHz, designLength: n) {
        Self.lowpassAmplitude(frequencyHz: $0, cutoffHz: fc)
      }
      for i in 0..<m { fft.real[i] = i < h.count ? h[i] / Float(m) : 0 }  // 1/m: FFTW does not normalize
      fft.forward()
      (lowpassSpectra + l * bins).update(from: fft.spectrum.baseAddress!, count: bins)
    }
    inputs = .allocate(capacity: components * m)
    inputs.initialize(repeating: 0, count: components * m)
    inputSpectrum = .allocate(capacity: bins)
    lowpassed = .allocate(capacity: crossoversHz.count * hop)
    filled = m - hop
  }

  deinit {
    lowpassSpectra.deallocate()
    inputs.deallocate()
    inputSpectrum.deallocate()
    lowpassed.deallocate()
  }

  /// Frames it accepts before the next hop is complete.
  public var space: Int { fftLength - filled }

  /// Whether a hop is complete: filter, read the bands, then `advance`.
  public var isFull: Bool { filled == fftLength }

  /// Takes up to `space` interleaved frames of `channels` and returns how many it took. With `midSide` (two
  /// channels) the components are mid = (L + R)/2 and side = (L − R)/2, else the channels themselves.
  public mutating func append(_ samples: UnsafePointer<Float>, frames: Int, channels: Int, midSide: Bool) -> Int {
    let take = min(frames, space), m = fftLength
    if midSide {
      let mid = inputs + filled, side = inputs + m + filled
      for i in 0..<take {
        let l = samples[2 * i], r = samples[2 * i + 1]
        mid[i] = 0.5 * (l + r)
        side[i] = 0.5 * (l - r)
      }
    } else {
      for c in 0..<components {
        let dst = inputs + c * m + filled
        for i in 0..<take { dst[i] = samples[i * channels + c] }
      }
    }
    filled += take
    return take
  }

  /// Filters the complete hop of `component` through every lowpass (one forward, one inverse FFT per lowpass).
  public mutating func filter(component: Int) {
    let m = fftLength, bins = m + 2
    fft.real.baseAddress!.update(from: inputs + component * m, count: m)
    fft.forward()
    inputSpectrum.update(from: fft.spectrum.baseAddress!, count: bins)
    for l in 0..<crossoversHz.count {
      let h = lowpassSpectra + l * bins
      let s = fft.spectrum.baseAddress!
      for k in 0...(m / 2) {
        let ar = inputSpectrum[2 * k], ai = inputSpectrum[2 * k + 1], br = h[2 * k], bi = h[2 * k + 1]
        s[2 * k] = ar * br - ai * bi
        s[2 * k + 1] = ar * bi + ai * br
      }
      fft.inverse()
      // The last `hop` outputs of the circular convolution are the valid linear ones.
      (lowpassed + l * hop).update(from: fft.real.baseAddress! + (m - hop), count: hop)
    }
  }

  /// Writes `hop` frames of band `band` of the component last filtered into `out`.
  public func band(_ band: Int, component: Int, into out: UnsafeMutablePointer<Float>) {
    let last = crossoversHz.count
    if band == 0 {
      out.update(from: lowpassed, count: hop)
    } else if band < last {
      let hi = lowpassed + band * hop, lo = hi - hop
      for i in 0..<hop { out[i] = hi[i] - lo[i] }
    } else {
      // The input delayed by D: output i of the hop lines up with buffer index (taps − 1) + i − D = D + i.
      let x = inputs + component * fftLength + groupDelayFrames, lo = lowpassed + (last - 1) * hop
      for i in 0..<hop { out[i] = x[i] - lo[i] }
    }
  }

  /// Drops the oldest hop of every component after a complete hop was read.
  public mutating func advance() {
    let m = fftLength
    for c in 0..<components {
      let p = inputs + c * m
      p.update(from: p + hop, count: m - hop)
    }
    filled = m - hop
  }
}
