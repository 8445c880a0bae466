#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A magnitude response given at a few frequencies, in dB; linear in dB against log-frequency between them,
/// flat beyond the ends.
public struct GainCurve: Sendable, Hashable, Codable {
  /// The frequencies, ascending, in Hz.
  public var frequenciesHz: [Double]
  /// The gain at each frequency, in dB.
  public var gainsDB: [Double]

  /// One gain per frequency (a precondition); frequencies ascending.
  public init(frequenciesHz: [Double], gainsDB: [Double]) {
    precondition(frequenciesHz.count == gainsDB.count, "one gain per frequency")
    self.frequenciesHz = frequenciesHz
    self.gainsDB = gainsDB
  }

  /// 0 dB everywhere.
  public static let flat = GainCurve(frequenciesHz: [1000], gainsDB: [0])

  /// Whether every gain is (within 0.001 dB) zero.
  public var isFlat: Bool { gainsDB.allSatisfy { abs($0) < 0.001 } }

  /// The gain at `frequencyHz`.
  public func gainDB(at frequencyHz: Double) -> Double {
    guard let first = frequenciesHz.first, let last = frequenciesHz.last else { return 0 }
    if frequencyHz <= first { return gainsDB[0] }
    if frequencyHz >= last { return gainsDB[gainsDB.count - 1] }
    var hi = 1
    while frequenciesHz[hi] < frequencyHz { hi += 1 }
    let lo = hi - 1
    let t = log2(frequencyHz / frequenciesHz[lo]) / log2(frequenciesHz[hi] / frequenciesHz[lo])
    return gainsDB[lo] + t * (gainsDB[hi] - gainsDB[lo])
  }
}

/// How an EQ filter spends its phase (`--eq-phase`): linear phase keeps every frequency in time but rings
/// before transients; minimum phase never rings before them but delays the corrected bands a little; mixed is
/// minimum phase in the lows (where ringing is long) and linear above (measurements.md, "EQ phase").
public enum EQPhase: String, Sendable, Hashable, Codable, CaseIterable {
  /// Symmetric taps: the same delay at every frequency, pre-ringing as long as the ringing.
  case linear
  /// Causal from the first tap: no pre-ringing, frequency-dependent delay where the curve bends.
  case minimum
  /// Minimum phase below `FIRDesigner.mixedMinimumBelowHz`, linear above `FIRDesigner.mixedLinearAboveHz`.
  case mixed
}

/// FIR taps and the delay in samples that lines their output up with their input.
public struct FIRKernel: Sendable {
  /// The taps, in order.
  public var taps: [Float]
  /// Samples the caller trims from the start of the output.
  public var latencyFrames: Int
}

/// Designs linear-phase FIR filters from magnitude curves by frequency sampling: the curve is sampled on the
/// bins of an N-point FFT, transformed to a zero-phase impulse response, centred, and Hann-windowed to
/// N − 1 taps (odd, symmetric). The delay is exactly (N − 2)/2 samples at every frequency.
public enum FIRDesigner {
  /// The design FFT length for a rate: the power of two with bins of `maxBinHz` or less (6 Hz: 8192 at
  /// 44.1/48 kHz, fine enough for 1/3-octave detail at 30 Hz).
  public static func designLength(sampleRateHz: Int, maxBinHz: Double = 6) -> Int {
    var n = 2
    while Double(sampleRateHz) / Double(n) > maxBinHz { n *= 2 }
    return n
  }

  /// The mixed phase's crossover: minimum phase below `mixedMinimumBelowHz`, linear above `mixedLinearAboveHz`,
  /// log-linear in between (measurements.md, "EQ phase").
  public static let mixedMinimumBelowHz = 150.0, mixedLinearAboveHz = 600.0

  /// A filter in `phase`: `designLength` − 1 taps whose magnitude follows `curve`, and the delay in samples that
  /// the caller trims so that the output lines up with the input (exact for linear, and above
  /// `mixedLinearAboveHz` for mixed; for minimum phase the delay is 0 and the group delay follows the curve).
  public static func kernel(_ curve: GainCurve, sampleRateHz: Int, phase: EQPhase) -> FIRKernel {
    let n = designLength(sampleRateHz: sampleRateHz)
    let taps = n - 1
    let amplitude = { (f: Double) in pow(10, curve.gainDB(at: f) / 20) }
    switch phase {
    case .linear:
      return FIRKernel(taps: design(sampleRateHz: sampleRateHz, designLength: n, amplitude: amplitude), latencyFrames: (taps - 1) / 2)
    case .minimum:
      let h = minimumPhaseDesign(sampleRateHz: sampleRateHz, designLength: n, delay: 0, amplitude: amplitude) { curve.gainDB(at: $0) }
      return FIRKernel(taps: h, latencyFrames: 0)
    case .mixed:
      let delay = (taps - 1) / 2
      let h = minimumPhaseDesign(sampleRateHz: sampleRateHz, designLength: n, delay: delay, amplitude: amplitude) { f in
        curve.gainDB(at: f) * min(1, max(0, log2(mixedLinearAboveHz / f) / log2(mixedLinearAboveHz / mixedMinimumBelowHz)))
      }
      return FIRKernel(taps: h, latencyFrames: delay)
    }
  }

  /// Frequency sampling on a 4×`designLength` grid: magnitude `amplitude(f)` with the minimum phase of the
  /// magnitude `phaseGainDB(f)` (real cepstrum, folded to causal), plus a pure delay of `delay` samples.
  /// Windowed to `designLength` − 1 taps: a half-Hann rise over the `delay` samples before the peak, flat,
  /// then a half-Hann fall over the last half of the rest.
  static func minimumPhaseDesign(
    sampleRateHz: Int, designLength n: Int, delay: Int, amplitude: (Double) -> Double, phaseGainDB: (Double) -> Double
  ) -> [Float] {
    let m = 4 * n
    let fft = RealFFT(length: m)
    let binHz = Double(sampleRateHz) / Double(m)
    // Real cepstrum of ln|H_phase|: the inverse transform of a real, even spectrum.
    for k in 0...(m / 2) {
      fft.spectrum[2 * k] = Float(phaseGainDB(max(binHz, Double(k) * binHz)) * log(10) / 20)
      fft.spectrum[2 * k + 1] = 0
    }
    fft.inverse()
    // Fold to causal: c[0], 2c[1…m/2−1], c[m/2], zero after.
    var cep = [Double](repeating: 0, count: m)
    for i in 0...(m / 2) { cep[i] = Double(fft.real[i]) / Double(m) * (i == 0 || i == m / 2 ? 1 : 2) }
    for i in 0..<m { fft.real[i] = Float(cep[i]) }
    fft.forward()
    var phase = [Double](repeating: 0, count: m / 2 + 1)
    for k in 0...(m / 2) { phase[k] = Double(fft.spectrum[2 * k + 1]) }
    for k in 0...(m / 2) {
      let a = amplitude(max(binHz, Double(k) * binHz))
      let p = phase[k] - 2 * Double.pi * Double(k) * Double(delay) / Double(m)
      fft.spectrum[2 * k] = Float(a * cos(p))
      fft.spectrum[2 * k + 1] = Float(a * sin(p))
    }
    fft.inverse()
    let taps = n - 1
    let fall = (taps - delay) / 2
    var h = [Float](repeating: 0, count: taps)
    for i in 0..<taps {
      var w = 1.0
      if i < delay { w = 0.5 - 0.5 * cos(Double.pi * Double(i) / Double(delay)) }
      let fromEnd = taps - i  // 1 at the last tap
      if fromEnd <= fall { w = 0.5 - 0.5 * cos(Double.pi * Double(fromEnd - 1) / Double(fall)) }
      h[i] = Float(Double(fft.real[i]) / Double(m) * w)
    }
    return h
  }

  /// Taps of a linear-phase filter whose magnitude follows `curve` at `sampleRateHz`.
  public static func design(_ curve: GainCurve, sampleRateHz: Int) -> [Float] {
    design(sampleRateHz: sampleRateHz, designLength: designLength(sampleRateHz: sampleRateHz)) { f in
      pow(10, curve.gainDB(at: f) / 20)
    }
  }

  /// Taps (`designLength` − 1 of them) of a linear-phase filter whose amplitude at f Hz is `amplitude(f)`,
  /// sampled on the bins of a `designLength`-point FFT (bin 0 takes the value of bin 1).
  public static func design(sampleRateHz: Int, designLength n: Int, amplitude: (Double) -> Double) -> [Float] {
    let fft = RealFFT(length: n)
    let binHz = Double(sampleRateHz) / Double(n)
    for k in 0...(n / 2) {
      fft.spectrum[2 * k] = Float(amplitude(max(binHz, Double(k) * binHz)))
      fft.spectrum[2 * k + 1] = 0
    }
    fft.inverse()
    let taps = n - 1
    let center = (taps - 1) / 2
    var h = [Float](repeating: 0, count: taps)
    for i in 0..<taps {
      let w = 0.5 - 0.5 * cos(2 * Double.pi * Double(i + 1) / Double(taps + 1))  // Hann, zero at both ends
      h[i] = Float(Double(fft.real[(i - center + n) % n]) / Double(n) * w)
    }
    return h
  }
}
