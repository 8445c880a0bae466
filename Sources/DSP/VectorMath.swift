/// Small loops over Float buffers written with SIMD types, for reductions the compiler will not vectorize
/// by itself (a running `max` is a chain through every element).
public enum VectorMath {
  /// max |p[i]| over `count` contiguous values; 0 when `count` is 0. NaN is ignored, as by `Swift.max`'s
  /// comparison; callers pass finite audio.
  public static func maxMagnitude(_ p: UnsafePointer<Float>, count: Int) -> Float {
    var m0 = SIMD8<Float>(), m1 = SIMD8<Float>()
    var i = 0
    let raw = UnsafeRawPointer(p)
    while i + 16 <= count {
      let a = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
      let b = raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
      let ma = magnitude(a), mb = magnitude(b)
      m0.replace(with: ma, where: ma .> m0)
      m1.replace(with: mb, where: mb .> m1)
      i += 16
    }
    m0.replace(with: m1, where: m1 .> m0)
    var m: Float = 0
    for lane in 0..<8 { m = max(m, m0[lane]) }
    while i < count {
      m = max(m, abs(p[i]))
      i += 1
    }
    return m
  }

  /// |x| lane by lane (clears the sign bits).
  @inline(__always) static func magnitude(_ x: SIMD8<Float>) -> SIMD8<Float> {
    SIMD8<Float>(bitPattern: x.bitPattern & SIMD8<UInt32>(repeating: 0x7fff_ffff))
  }
}

extension SIMD8 where Scalar == Float {
  @inline(__always) init(bitPattern: SIMD8<UInt32>) {
    self = unsafeBitCast(bitPattern, to: SIMD8<Float>.self)
  }
  @inline(__always) var bitPattern: SIMD8<UInt32> { unsafeBitCast(self, to: SIMD8<UInt32>.self) }
}
