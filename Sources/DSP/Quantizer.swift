/// Turns float samples into left-justified 32-bit integers for a `bits`-bit file, optionally with TPDF dither.
///
/// Scale is 2^(bits−1) per full scale, as libsndfile reads integers back, so a sample already on the
/// `bits`-bit grid passes through unchanged when dither is off. TPDF dither is the difference of two
/// uniform values: triangular over ±1 LSB, which makes the quantization error independent of the signal.
/// The generator is seeded, so the same input gives the same bits.
public struct Quantizer {
  /// Bit depth of the target file: 8…32.
  public let bits: Int
  /// Whether TPDF dither is added before rounding.
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
    let s = Double(scale), top = s - 1, bottom = -s
    // Adding and subtracting 1.5·2⁵² rounds a |v| < 2⁵¹ to the nearest integer, ties to even, without a libm call.
    let magic = 6_755_399_441_055_744.0
    var r = rng
    for i in 0..<count {
      var v = Double(x[i]) * s
      if dither {
        // Two independent 24-bit uniforms from one draw; their difference is triangular over ±1 LSB.
        let z = r.next()
        v += Double(Int64(z >> 40) - Int64((z >> 16) & 0xFF_FFFF)) * 0x1p-24
      }
      let q = min(top, max(bottom, (v + magic) - magic))
      out[i] = Int32(q) << shift
    }
    rng = r
  }
}
