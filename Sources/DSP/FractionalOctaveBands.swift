#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// 1/6-octave bands with centres 1000·2^(k/6) Hz, from about 20 Hz up to 20 kHz or 0.45·fs, whichever is lower.
/// A band's edges are its centre times 2^(∓1/12).
public struct FractionalOctaveBands: Sendable, Hashable {
  /// Lowest band index k: 1000·2^(−34/6) ≈ 19.8 Hz.
  public static let lowestIndex = -34
  /// Highest centre allowed regardless of sample rate.
  public static let maxCenterHz = 20_000.0
  /// The band indices k, ascending.
  public let indices: [Int]

  /// The highest centre a sample rate holds: 20 kHz or 0.45·fs, whichever is lower (the one rule for which bands
  /// a rate can carry, also for a master resampled up from a lower rate).
  public static func topCenterHz(sampleRateHz: Double) -> Double { min(maxCenterHz, 0.45 * sampleRateHz) }

  /// The bands that fit a sample rate.
  public init(sampleRateHz: Double) {
    let top = Self.topCenterHz(sampleRateHz: sampleRateHz)
    var k = Self.lowestIndex
    var ks: [Int] = []
    while Self.centerHz(index: k) <= top {
      ks.append(k)
      k += 1
    }
    indices = ks
  }

  /// The centre frequency of band index k.
  public static func centerHz(index k: Int) -> Double { 1000 * pow(2, Double(k) / 6) }

  /// The band index whose centre is nearest `frequencyHz`.
  public static func nearestIndex(frequencyHz: Double) -> Int {
    // Bounded so a hostile centre (0 Hz, 1e300 Hz in an edited document) gives an index its neighbours can be taken of.
    Int(clamping: min(1e6, max(-1e6, (6 * log2(frequencyHz / 1000)).rounded())))
  }

  /// Centres in Hz, ascending.
  public var centersHz: [Double] { indices.map(Self.centerHz(index:)) }

  /// Band levels from a one-sided power spectrum of `binCount` bins spaced `binSpacingHz` apart.
  ///
  /// Each bin covers ±half a bin around its frequency and counts with the share of that width that lies
  /// inside the band, so that narrow low bands holding less than one bin still get a level.
  /// - Returns: 10·log10 of the weighted mean power per band; `nil` where the power is zero.
  public func levelsDB(power: UnsafeBufferPointer<Double>, binSpacingHz: Double) -> [Double?] {
    indices.map { k in
      let c = Self.centerHz(index: k)
      let lo = c * pow(2, -1.0 / 12), hi = c * pow(2, 1.0 / 12)
      let first = max(0, Int(clamping: (lo / binSpacingHz - 0.5).rounded(.down)))
      let last = min(power.count - 1, Int(clamping: (hi / binSpacingHz + 0.5).rounded(.up)))
      var sum = 0.0, weight = 0.0
      if first <= last {
        for b in first...last {
          let f = Double(b) * binSpacingHz
          let overlap = min(hi, f + binSpacingHz / 2) - max(lo, f - binSpacingHz / 2)
          if overlap > 0 {
            sum += overlap * power[b]
            weight += overlap
          }
        }
      }
      guard weight > 0, sum > 0 else { return nil }
      return 10 * log10(sum / weight)
    }
  }
}
