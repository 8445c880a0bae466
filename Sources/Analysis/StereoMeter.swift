import DSP

/// Correlation, width and balance of the first two channels, from running sums with each channel's mean taken
/// out at the end: a DC offset is not stereo image (with it counted, a track's width moved 4 dB when the
/// subsonic high-pass took the offset away, and the master was narrowed to make up for it).
/// ΣM² and ΣS² follow from ΣL², ΣR² and ΣL·R, so nothing else is accumulated.
public struct StereoMeter {
  /// Interleaved channels per frame; only the first two are measured.
  public let channels: Int
  private var sumLL = 0.0
  private var sumRR = 0.0
  private var sumLR = 0.0
  private var sumL = 0.0
  private var sumR = 0.0
  private var frames = 0

  /// Empty sums for a stream of `channels` channels.
  public init(channels: Int) { self.channels = channels }

  /// Feeds `frames` interleaved frames; a one-channel stream is ignored.
  public mutating func add(_ samples: UnsafePointer<Float>, frames: Int) {
    guard channels >= 2 else { return }
    // Two interleaved sets of sums, so consecutive frames do not wait on each other's additions.
    var ll = (0.0, 0.0), rr = (0.0, 0.0), lr = (0.0, 0.0), l = (0.0, 0.0), r = (0.0, 0.0)
    var p = samples
    var i = 0
    while i + 1 < frames {
      let l0 = Double(p[0]), r0 = Double(p[1]), l1 = Double(p[channels]), r1 = Double(p[channels + 1])
      ll.0 += l0 * l0
      rr.0 += r0 * r0
      lr.0 += l0 * r0
      ll.1 += l1 * l1
      rr.1 += r1 * r1
      lr.1 += l1 * r1
      l.0 += l0
      r.0 += r0
      l.1 += l1
      r.1 += r1
      p += 2 * channels
      i += 2
    }
    if i < frames {
      let l0 = Double(p[0]), r0 = Double(p[1])
      ll.0 += l0 * l0
      rr.0 += r0 * r0
      lr.0 += l0 * r0
      l.0 += l0
      r.0 += r0
    }
    sumLL += ll.0 + ll.1
    sumRR += rr.0 + rr.1
    sumLR += lr.0 + lr.1
    sumL += l.0 + l.1
    sumR += r.0 + r.1
    self.frames += frames
  }

  /// The figures; all `nil` for one channel.
  public var result: StereoStats {
    guard channels >= 2 else { return StereoStats(correlation: nil, width: .mono, balanceDB: nil) }
    let n = Double(max(1, frames))
    // About the means: a channel that is only an offset (its variation under 1e-12 of its energy) is silent here.
    let ll = sumLL - sumL * sumL / n, rr = sumRR - sumR * sumR / n
    let sumLL = ll > sumLL * 1e-12 ? ll : 0, sumRR = rr > sumRR * 1e-12 ? rr : 0
    let sumLR = sumLR - sumL * sumR / n
    let correlation = sumLL > 0 && sumRR > 0 ? sumLR / (sumLL * sumRR).squareRoot() : nil
    let mid = (sumLL + sumRR + 2 * sumLR) / 4
    let side = max(0, (sumLL + sumRR - 2 * sumLR) / 4)
    // Dual mono leaves rounding dust in the side sum; anything 150 dB under the mid is none (mono), and the
    // same dust in the mid of L = −R makes it side only.
    let width: StereoWidth =
      side <= mid * 1e-15 ? .mono : mid <= side * 1e-15 ? .sideOnly : Decibels.fromPower(side / mid).map { .db($0) } ?? .mono
    let balance = sumLL > 0 && sumRR > 0 ? Decibels.fromPower(sumLL / sumRR) : nil
    return StereoStats(correlation: correlation.map { min(1, max(-1, $0)) }, width: width, balanceDB: balance)
  }
}
