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
    let s = Double(scale)
    rng = Self.run(x, count: count, into: out, scale: s, top: s - 1, bottom: -s, shift: shift, dither: dither, rng)
  }

  /// The loop, with the generator passed by value so that its state stays in a register. Clamping before
  /// rounding gives what rounding then clamping gave (the bounds are integers); once clamped, adding 1.5·2⁵²
  /// rounds to the nearest integer, ties to even, and leaves it in the low 32 bits of the sum's bit pattern.
  @inline(__always)
  private static func run(
    _ x: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Int32>, scale s: Double, top: Double,
    bottom: Double, shift: Int32, dither: Bool, _ generator: SplitMix64
  ) -> SplitMix64 {
    let magic = 6_755_399_441_055_744.0
    var r = generator
    if dither {
      for i in 0..<count {
        // Two independent 24-bit uniforms from one draw; their difference is triangular over ±1 LSB.
        let z = r.next()
        let v = Double(x[i]) * s + Double(Int32(truncatingIfNeeded: z >> 40) - Int32(truncatingIfNeeded: (z >> 16) & 0xFF_FFFF)) * 0x1p-24
        out[i] = Int32(truncatingIfNeeded: (min(top, max(bottom, v)) + magic).bitPattern) &<< shift
      }
    } else {
      for i in 0..<count {
        let v = Double(x[i]) * s
        out[i] = Int32(truncatingIfNeeded: (min(top, max(bottom, v)) + magic).bitPattern) &<< shift
      }
    }
    return r
  }
}
