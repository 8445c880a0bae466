#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Lowers a limiter's ceiling where a large share of the signal lies near Nyquist.
///
/// Why: above about 0.4·fs, reconstruction filters disagree. A limiter holds thousands of peaks of dense
/// full-band material exactly at its own detector's reading, and any other meter's reading of those peaks
/// scatters around it; the largest lands over. How far depends on the share of the signal up there, not on its
/// level. Measured with 16× meters (scipy's `resample_poly`, Kaiser β 12 as in `shared/tools/independent_meter.py`,
/// and scipy's default β 5) on masters limited by the accurate kernel alone: white noise at 48 kHz held at
/// −1.1 dBTP read −0.98 and −0.92; at 192 kHz (mono, 8 s, at −9 LUFS) held at −1.28 by a first, level-based margin,
/// β 12 read −0.92. The ideal (FFT) reconstruction reads higher still (−0.20 and −0.60): no finite kernel, and no
/// converter's filter, is ideal. Music has a small share there: its masters read within 0.01 dB of the accurate
/// kernel by both meters, and the margin lowers their ceiling by a few hundredths of a dB at most.
///
/// The share is the RMS of the fourth difference (1 − z⁻¹)⁴/16, whose gain is sin⁴(πf/fs) (1 at Nyquist, 0.82 at
/// 0.4·fs, 0.25 at 0.25·fs, under 10⁻⁴ below 0.1·fs), over the RMS of the signal; each power is the loudest
/// channel's per frame, averaged two ways, and the larger share counts:
/// - over 50 ms (a one-pole mean): for dense material;
/// - over the last `localFrames` (64) frames, about the kernel's span: for sparse bursts a 50 ms mean dilutes (noise
///   ticks of 0.5 ms every 45 ms over a loud 55 Hz bed read 0.33 dB over at 192 kHz with the mean alone).
/// A fast follower with a slow release (1 ms attack, 100 ms release) was tried first: it held the ceiling down for
/// 100 ms after every transient, and a codec test track (clipped music) decoded 1.2 dB apart from libopus's. The
/// 64-frame window moves the ceiling only around the burst itself. White noise has a share of 0.52, a sine
/// at 0.45·fs 0.95: it too loses about 1 dB, as this cannot tell a tone from noise.
public struct NearNyquistMargin {
  /// The ceiling is divided by 1 + factor · share: 0.55 dB for white noise.
  public static let factor: Float = 0.125
  /// The time constant of the mean powers, seconds.
  static let averagingSeconds = 0.05

  /// Interleaved channels per frame.
  public let channels: Int
  /// The last four samples per channel, newest first: x[n−1], x[n−2], x[n−3], x[n−4].
  private var history: [Float]
  private var power: Double = 0, total: Double = 0
  /// Frames of the local share: more than the accurate kernel's span (48), so that the frames a peak's reading
  /// depends on are all in it (the peak at input frame i lies `delayFrames` = 24 frames back).
  static let localFrames = 64
  /// The last `localFrames` frames' loudest powers (rings) and their sums.
  private var ringD = [Double](repeating: 0, count: localFrames), ringX = [Double](repeating: 0, count: localFrames)
  private var ringAt = 0, sumD = 0.0, sumX = 0.0
  private let step: Double

  /// A follower for `channels` at `sampleRateHz`, with silent history.
  public init(channels: Int, sampleRateHz: Int) {
    self.channels = channels
    history = Array(repeating: 0, count: 4 * channels)
    let rate = Double(max(1, sampleRateHz))
    step = 1 - exp(-1 / (Self.averagingSeconds * rate))
  }

  /// For each of `frames` interleaved frames, `ceiling` lowered by the share of the content near Nyquist up to that
  /// frame, into `out`.
  public mutating func ceilings(
    _ samples: UnsafePointer<Float>, frames: Int, ceiling: Float, into out: UnsafeMutablePointer<Float>
  ) {
    let k = Double(Self.factor), c = Double(ceiling), channels = channels, step = step, ring = Self.localFrames
    var p = power, t = total, sd = sumD, sx = sumX, at = ringAt
    history.withUnsafeMutableBufferPointer { h in
      ringD.withUnsafeMutableBufferPointer { rd in
        ringX.withUnsafeMutableBufferPointer { rx in
          for i in 0..<frames {
            var loudest = 0.0, loudestTotal = 0.0
            for ch in 0..<channels {
              let x0 = Double(samples[i * channels + ch]), b = 4 * ch
              let d = (x0 - 4 * Double(h[b]) + 6 * Double(h[b + 1]) - 4 * Double(h[b + 2]) + Double(h[b + 3])) / 16
              h[b + 3] = h[b + 2]
              h[b + 2] = h[b + 1]
              h[b + 1] = h[b]
              h[b] = Float(x0)
              loudest = max(loudest, d * d)
              loudestTotal = max(loudestTotal, x0 * x0)
            }
            p += (loudest - p) * step
            t += (loudestTotal - t) * step
            sd += loudest - rd[at]
            sx += loudestTotal - rx[at]
            rd[at] = loudest
            rx[at] = loudestTotal
            at += 1
            if at == ring {
              // Summed afresh once per ring: the running sums' rounding does not pile up over hours.
              at = 0
              sd = 0
              sx = 0
              for r in 0..<ring {
                sd += rd[r]
                sx += rx[r]
              }
            }
            // The larger of the two squared shares; at most 1 (the fourth difference's gain is at most 1); silence
            // has none.
            let mean = t > 1e-30 ? p / t : 0, local = sx > 1e-30 ? max(0, sd) / sx : 0
            out[i] = Float(c / (1 + k * min(1, max(mean, local).squareRoot())))
          }
        }
      }
    }
    sumD = sd
    sumX = sx
    ringAt = at
    power = p
    total = t
  }
}
