#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The accurate inter-sample peak: the one home of its oversampling rule and of its interpolation kernel.
///
/// BS.1770's true peak (libebur128: 4× below 96 kHz) puts its grid at 88.2 kHz for a 22.05 kHz file and its
/// short filter loses 2 dB at 0.45·fs, so it under-reads a low-rate master by up to about 0.6 dB. Here the grid
/// reaches at least `gridRateHz` at every rate (`oversamplingFactor`), and the kernel is flat to 0.45·fs.
public enum InterSamplePeak {
  /// The rate the oversampled grid reaches at least: 176.4 kHz, BS.1770's 4× at 44.1 kHz.
  public static let gridRateHz = 176_400
  /// The smallest oversampling factor: 4, so that the coarse grid under-reads by at most 0.84 dB
  /// (`gridBound`) and the 16× points are needed only near the top (at 2× the bound is 3.8 dB: most of a loud
  /// master); a 192 or 384 kHz file is interpolated too, not read sample by sample.
  public static let minimumFactor = 4
  /// The grid of the reported figure (`interSamplePeakDBTP`): 16 points per sample, at every rate (more when
  /// `oversamplingFactor` asks for more).
  public static let measureFactor = 16
  /// Input samples the kernel spans: 48 (24 each side). With `kaiserBeta` the kernel is within 0.002 dB of flat
  /// up to 0.45·fs and an image at 0.55·fs is 72 dB down.
  public static let kernelTaps = 48
  /// Middle taps a detector sums first, level after level, to screen out groups of frames that cannot reach its
  /// threshold: the taps left out have an L1 of 1.00, 0.58 and 0.22 (the whole kernel's is 2.69), so that few frames
  /// more than 1 dB under the threshold are interpolated in full.
  public static let screenTaps = [4, 8, 16]
  /// The Kaiser window's β.
  public static let kaiserBeta = 7.0

  /// The oversampling factor at `sampleRateHz`: the smallest with rate × factor ≥ `gridRateHz`, at least
  /// `minimumFactor` (4 at 44.1 kHz and above, 8 at 22.05 kHz, 16 at 11.025 kHz, 23 at 8 kHz).
  public static func oversamplingFactor(sampleRateHz: Int) -> Int {
    let rate = max(1, sampleRateHz)
    return max(minimumFactor, (gridRateHz + rate - 1) / rate)
  }

  /// The kernel at `t` input samples from its centre: sinc(t) under a Kaiser window over |t| < `kernelTaps`/2.
  /// Its value at every integer t ≠ 0 is 0, so the points on the samples are the samples themselves.
  public static func kernel(_ t: Double) -> Double {
    let half = Double(kernelTaps) / 2
    guard abs(t) < half else { return 0 }
    let r = t / half
    let window = besselI0(kaiserBeta * (1 - r * r).squareRoot()) / besselI0(kaiserBeta)
    return t == 0 ? window : window * sin(.pi * t) / (.pi * t)
  }

  /// The modified Bessel function of the first kind, order 0 (its power series; converges fast for x ≤ 10): the
  /// Kaiser window's shape, for this kernel and the tests' reference.
  public static func besselI0(_ x: Double) -> Double {
    var sum = 1.0, term = 1.0, k = 1.0
    while term > 1e-17 * sum {
      term *= (x / (2 * k)) * (x / (2 * k))
      sum += term
      k += 1
    }
    return sum
  }

  /// The factor by which the largest point of a grid of `factor` points per sample can under-read the peak
  /// between them, for a signal band-limited to 0.55·fs (the kernel's stop band starts there): 1/cos(π·0.55/factor),
  /// plus 0.1 %. (A signal band-limited to B changes by at most a factor cos(2πB·τ) within τ of its peak.)
  public static func gridBound(factor: Int) -> Float {
    let f = max(2, factor)
    return Float(1.001 / cos(.pi * 0.55 / Double(f)))
  }
}
