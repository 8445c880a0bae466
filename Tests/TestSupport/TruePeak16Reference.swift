import DSP
import Foundation

/// The 16× reference of the true-peak tests, independent of the project's interpolators: each channel (silent
/// before and after) is interpolated ideally by zero-padding its spectrum (FFT of the signal plus at least 1024
/// zeros, the bins copied into a spectrum 16 times as long, inverse FFT), and the peak is the largest |value| of
/// the 16 points per sample. Exact for a band-limited signal that starts and ends in silence.
public enum TruePeak16Reference {
  /// Points per sample.
  public static let factor = 16

  /// The largest |value| over the channels, linear.
  public static func peak(_ x: [Float], channels: Int) -> Double {
    let frames = x.count / channels
    var n = 1024
    while n < frames + 1024 { n *= 2 }
    let short = RealFFT(length: n), long = RealFFT(length: n * factor)
    var best = 0.0
    for c in 0..<channels {
      for i in 0..<n { short.real[i] = i < frames ? x[i * channels + c] : 0 }
      short.forward()
      for i in 0..<long.spectrum.count { long.spectrum[i] = 0 }
      for i in 0..<n {  // bins 0…n/2 − 1 as they are; the Nyquist bin split between ±n/2
        long.spectrum[i] = short.spectrum[i]
      }
      long.spectrum[n] = short.spectrum[n] / 2
      long.spectrum[n + 1] = short.spectrum[n + 1] / 2
      long.inverse()
      var m: Float = 0
      for i in 0..<(n * factor) { m = max(m, abs(long.real[i])) }
      best = max(best, Double(m) / Double(n))
    }
    return best
  }

  /// `peak` in dBTP.
  public static func peakDBTP(_ x: [Float], channels: Int) -> Double { 20 * log10(max(1e-20, peak(x, channels: channels))) }
}

/// Worst-case-ish and music-like signals of the true-peak tests, `frames` long, interleaved, independent per
/// channel, with 512-frame raised-cosine fades (band-limited to about 0.45·fs + fs/512).
public enum TruePeak16Signals {
  /// The kinds of signal.
  public enum Kind: String, CaseIterable, Sendable {
    /// A sine at 0.45·fs whose samples never reach its peak by 0.1 dB.
    case nearNyquistSine
    /// Band-limited pulses (a sinc to 0.45·fs) centred between samples: the samples sit 3 dB under the peak.
    case pulses
    /// Noise with a flat spectrum from 0 to 0.45·fs.
    case flatNoise
    /// Noise with a pink (1/f) spectrum to 0.45·fs: music-like.
    case pinkNoise
  }

  /// A signal of `kind` with its samples' peak at `level` (linear).
  public static func make(_ kind: Kind, frames: Int, channels: Int, level: Double = 0.5, seed: UInt64 = 5) -> [Float] {
    var rng = SplitMix64(seed: seed)
    var out = [Float](repeating: 0, count: frames * channels)
    for c in 0..<channels {
      var y = [Double](repeating: 0, count: frames)
      switch kind {
      case .nearNyquistSine:
        let phase = 0.05 * .pi + Double(c) * 0.3
        for i in 0..<frames { y[i] = sin(2 * .pi * 0.45 * Double(i) + phase) }
      case .pulses:
        var centre = 600.0 + Double(c) * 37
        var k = 0
        while centre < Double(frames - 600) {
          let offset = [0.5, 0.25, 0.375, 0.4375][k % 4], sign = k % 2 == 0 ? 1.0 : -1.0
          for i in max(0, Int(centre) - 512)..<min(frames, Int(centre) + 512) {
            let t = Double(i) - (centre + offset)
            let w = 0.5 + 0.5 * cos(.pi * t / 512)
            y[i] += sign * w * (t == 0 ? 1 : sin(0.9 * .pi * t) / (0.9 * .pi * t))
          }
          centre += 1500
          k += 1
        }
      case .flatNoise, .pinkNoise:
        let fft = RealFFT(length: frames)
        for i in 0..<fft.spectrum.count { fft.spectrum[i] = 0 }
        for bin in 1..<Int(0.45 * Double(frames)) {
          let magnitude = kind == .pinkNoise ? 1 / Double(bin).squareRoot() : 1
          let angle = Double(rng.nextBipolar()) * .pi
          fft.spectrum[2 * bin] = Float(magnitude * cos(angle))
          fft.spectrum[2 * bin + 1] = Float(magnitude * sin(angle))
        }
        fft.inverse()
        for i in 0..<frames { y[i] = Double(fft.real[i]) }
      }
      for i in 0..<min(512, frames / 2) {
        let g = 0.5 - 0.5 * cos(.pi * Double(i) / 512)
        y[i] *= g
        y[frames - 1 - i] *= g
      }
      let peak = y.map(abs).max() ?? 1
      for i in 0..<frames { out[i * channels + c] = Float(level * y[i] / max(peak, 1e-12)) }
    }
    return out
  }
}
