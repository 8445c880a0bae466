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
