#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A 2nd-order Butterworth high-pass (−12 dB per octave below the corner; bilinear transform, prewarped corner), one
/// per channel, in double precision:
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

  /// Filters interleaved `samples` in place. Stereo runs both channels in one loop: two independent recursions
  /// overlap in the pipeline (the recursion's latency, not arithmetic, bounds a biquad).
  public mutating func process(_ samples: inout [Float]) {
    let frames = samples.count / channels
    let (b0, b1, b2, a1, a2) = (self.b0, self.b1, self.b2, self.a1, self.a2)
    samples.withUnsafeMutableBufferPointer { x in
      if channels == 2 {
        var (l1, l2, r1, r2) = (state[0], state[1], state[2], state[3])
        for i in 0..<frames {
          let xl = Double(x[2 * i]), xr = Double(x[2 * i + 1])
          let yl = b0 * xl + l1, yr = b0 * xr + r1
          l1 = b1 * xl - a1 * yl + l2
          r1 = b1 * xr - a1 * yr + r2
          l2 = b2 * xl - a2 * yl
          r2 = b2 * xr - a2 * yr
          x[2 * i] = Float(yl)
          x[2 * i + 1] = Float(yr)
        }
        (state[0], state[1], state[2], state[3]) = (l1, l2, r1, r2)
        return
      }
      for c in 0..<channels {
        var s1 = state[2 * c], s2 = state[2 * c + 1]
        var i = c
        for _ in 0..<frames {
          let v = Double(x[i])
          let y = b0 * v + s1
          s1 = b1 * v - a1 * y + s2
          s2 = b2 * v - a2 * y
          x[i] = Float(y)
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
