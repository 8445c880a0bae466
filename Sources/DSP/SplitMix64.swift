/// A small, fast, seedable generator (SplitMix64). The same seed gives the same stream on every machine,
/// which is what makes the demo album and the dither byte-identical run to run.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64

  /// A stream fixed by `seed`.
  public init(seed: UInt64) { state = seed }

  /// The next 64 uniformly distributed bits.
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [−1, 1), from the top 24 bits (exact in Float).
  public mutating func nextBipolar() -> Float {
    Float(Int32(truncatingIfNeeded: next() >> 40) - (1 << 23)) / Float(1 << 23)
  }
}
