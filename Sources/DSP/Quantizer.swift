/// Turns float samples into left-justified 32-bit integers for a `bits`-bit file, optionally with TPDF dither.
///
/// Scale is 2^(bits−1) per full scale, as libsndfile reads integers back, so a sample already on the
/// `bits`-bit grid passes through unchanged when dither is off. TPDF dither is the difference of two
/// uniform values: triangular over ±1 LSB, which makes the quantization error independent of the signal.
/// The generator is seeded, so the same input gives the same bits.
public struct Quantizer {
  public let bits: Int
  public let dither: Bool
  private var rng: SplitMix64
  private let scale: Float
  private let shift: Int32

  /// - Parameters: bits: 8, 16, 24 or 32; seed: fixes the dither sequence.
  public init(bits: Int, dither: Bool, seed: UInt64) {
    precondition((8...32).contains(bits), "integer bit depth")
    self.bits = bits
    self.dither = dither
    rng = SplitMix64(seed: seed)
    scale = Float(1 << (bits - 1))
    shift = Int32(32 - bits)
  }

  /// Quantizes `count` samples into `out`.
  public mutating func quantize(_ x: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Int32>) {
    let top = Double(scale) - 1, bottom = -Double(scale)
    for i in 0..<count {
      var v = Double(x[i]) * Double(scale)
      if dither {
        // Two uniforms in [0, 1) from 24 bits each.
        let a = Double(rng.next() >> 40) / 16_777_216, b = Double(rng.next() >> 40) / 16_777_216
        v += a - b
      }
      let q = min(top, max(bottom, v.rounded(.toNearestOrEven)))
      out[i] = Int32(q) << shift
    }
  }
}
