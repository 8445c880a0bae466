import DSP
import Foundation

/// A common 16× true-peak meter, independent of the project's interpolators: the value at i + f/16 is the
/// Kaiser-windowed sinc over 20 samples each side (the filter of scipy's `resample_poly(x, 16, 1)`: β 5 by
/// default; β 12 in `shared/tools/independent_meter.py`). Its transition band is wide (at β 12, −1.75 dB at
/// 0.45·fs and images at 0.55·fs only 15 dB down), so on content near Nyquist it reads otherwise than a sharp kernel.
public enum WindowedSincMeter16 {
  /// Samples each side of the point.
  public static let halfWidth = 20

  /// The largest |value| over the channels on the 16× grid, in dBTP; silence before and after the signal.
  public static func peakDBTP(_ x: [Float], channels: Int, kaiserBeta beta: Double) -> Double {
    let frames = x.count / channels, up = 16
    // The kernel per phase f and tap k: the point at i + f/16 takes x[i − k] for k in −halfWidth + 1…halfWidth.
    var phases: [[Double]] = []
    for f in 0..<up {
      var taps: [Double] = []
      for k in (1 - halfWidth)...halfWidth {
        let t = Double(k) + Double(f) / Double(up)
        let r = t / Double(halfWidth)
        let w = abs(r) < 1 ? InterSamplePeak.besselI0(beta * (1 - r * r).squareRoot()) / InterSamplePeak.besselI0(beta) : 0
        taps.append(w * (t == 0 ? 1 : sin(.pi * t) / (.pi * t)))
      }
      phases.append(taps)
    }
    var best = 0.0
    for c in 0..<channels {
      for i in -halfWidth..<(frames + halfWidth) {
        for taps in phases {
          var s = 0.0
          for (j, k) in ((1 - halfWidth)...halfWidth).enumerated() {
            let n = i - k
            if n >= 0 && n < frames { s += taps[j] * Double(x[n * channels + c]) }
          }
          best = max(best, abs(s))
        }
      }
    }
    return 20 * log10(max(best, 1e-20))
  }
}
