#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A 2nd-order Butterworth high-pass (bilinear transform, prewarped corner), one per channel, in double precision:
/// removes DC and subsonic rumble below the music (measurements.md, "DC and subsonics"). Its zeros sit at DC, so a
/// constant input decays to exactly nothing; its group delay above 200 Hz is under 0.1 ms.
public struct SubsonicHighPass: Sendable {
  /// The corner (−3 dB) frequency masters are filtered with, Hz.
  public static let cornerHz = 15.0
  /// Filter order (−12 dB per octave below the corner).
  public static let order = 2

  /// Interleaved channels.
  public let channels: Int
  private let b0: Double, b1: Double, b2: Double, a1: Double, a2: Double
  /// Per channel: the two state values of the transposed direct form II.
  private var state: [Double]

  /// A filter with its corner at `cornerHz` for `channels` interleaved channels at `sampleRateHz`.
  public init(cornerHz: Double = cornerHz, channels: Int, sampleRateHz: Int) {
    self.channels = channels
    let k = tan(Double.pi * cornerHz / Double(sampleRateHz))
    let q = 1 / 2.squareRoot()
    let norm = 1 / (1 + k / q + k * k)
    b0 = norm
    b1 = -2 * norm
    b2 = norm
    a1 = 2 * (k * k - 1) * norm
    a2 = (1 - k / q + k * k) * norm
    state = [Double](repeating: 0, count: 2 * channels)
  }

  /// Filters interleaved `samples` in place.
  public mutating func process(_ samples: inout [Float]) {
    let frames = samples.count / channels
    samples.withUnsafeMutableBufferPointer { samples in
    for c in 0..<channels {
      var s1 = state[2 * c], s2 = state[2 * c + 1]
      var i = c
      for _ in 0..<frames {
        let x = Double(samples[i])
        let y = b0 * x + s1
        s1 = b1 * x - a1 * y + s2
        s2 = b2 * x - a2 * y
        samples[i] = Float(y)
        i += channels
      }
      state[2 * c] = s1
      state[2 * c + 1] = s2
    }
    }
  }

  /// |H(f)|² at `frequencyHz`, for tests and the docs' table.
  public func powerGain(frequencyHz f: Double, sampleRateHz fs: Double) -> Double {
    let w = 2 * Double.pi * f / fs
    let (c1, s1, c2, s2) = (cos(w), -sin(w), cos(2 * w), -sin(2 * w))
    let nr = b0 + b1 * c1 + b2 * c2, ni = b1 * s1 + b2 * s2
    let dr = 1 + a1 * c1 + a2 * c2, di = a1 * s1 + a2 * s2
    return (nr * nr + ni * ni) / (dr * dr + di * di)
  }
}
