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
      let a = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self).magnitudes
      let b = raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self).magnitudes
      m0.replace(with: a, where: a .> m0)
      m1.replace(with: b, where: b .> m1)
      i += 16
    }
    // The rest 8 and 4 at a time: short counts (the true-peak meter's 61-value pieces) are common.
    if i + 8 <= count {
      let a = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self).magnitudes
      m0.replace(with: a, where: a .> m0)
      i += 8
    }
    m0.replace(with: m1, where: m1 .> m0)
    var m4 = m0.lowHalf
    m4.replace(with: m0.highHalf, where: m0.highHalf .> m4)
    if i + 4 <= count {
      let a = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD4<Float>.self).magnitudes
      m4.replace(with: a, where: a .> m4)
      i += 4
    }
    var m: Float = 0
    for lane in 0..<4 { m = max(m, m4[lane]) }
    while i < count {
      m = max(m, abs(p[i]))
      i += 1
    }
    return m
  }

  /// The largest lane of `v` (finite values): halves compared lane-wise, which `SIMD.max()` does not do (its
  /// scalar loop with NaN checks cost more than the sums it was meant to save in the true-peak screen).
  @inline(__always)
  public static func largest(_ v: SIMD16<Float>) -> Float {
    var a = v.lowHalf
    a.replace(with: v.highHalf, where: v.highHalf .> a)
    var b = a.lowHalf
    b.replace(with: a.highHalf, where: a.highHalf .> b)
    var c = b.lowHalf
    c.replace(with: b.highHalf, where: b.highHalf .> c)
    return c[1] > c[0] ? c[1] : c[0]
  }

  /// Copies channel `channel` of `frames` interleaved frames of `channels` channels into `dst`, contiguous. Stereo,
  /// the common case, goes 8 frames at a time (one load, one shuffle, one store) instead of a strided scalar loop.
  public static func deinterleave(
    _ src: UnsafePointer<Float>, channels: Int, channel: Int, frames: Int, into dst: UnsafeMutablePointer<Float>
  ) {
    var i = 0
    if channels == 2 {
      let raw = UnsafeRawPointer(src), out = UnsafeMutableRawPointer(dst)
      while i + 8 <= frames {
        let v = raw.loadUnaligned(fromByteOffset: 2 * i * 4, as: SIMD16<Float>.self)
        out.storeBytes(of: channel == 0 ? v.evenHalf : v.oddHalf, toByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
      }
    }
    var p = src + i * channels + channel
    while i < frames {
      dst[i] = p.pointee
      p += channels
      i += 1
    }
  }

  /// `x[i] · gain` for every i, in a new array written once by a loop the compiler vectorizes (`map` appends
  /// element by element).
  public static func scaled(_ x: [Float], by gain: Float) -> [Float] {
    [Float](unsafeUninitializedCapacity: x.count) { out, count in
      x.withUnsafeBufferPointer { src in
        for i in 0..<src.count { out[i] = src[i] * gain }
      }
      count = x.count
    }
  }

  /// `Float(x[i]) · scale` for every i, in a new array (e.g. left-justified integers read back as libsndfile
  /// reads them, scale 2⁻³¹).
  public static func floats(_ x: [Int32], scale: Float) -> [Float] {
    [Float](unsafeUninitializedCapacity: x.count) { out, count in
      x.withUnsafeBufferPointer { src in
        for i in 0..<src.count { out[i] = Float(src[i]) * scale }
      }
      count = x.count
    }
  }
}

// |x| lane by lane by clearing the sign bits: one AND, where `abs` on a SIMD vector goes lane by lane.
extension SIMD8 where Scalar == Float {
  /// |x| of every lane.
  @inline(__always) public var magnitudes: Self {
    unsafeBitCast(unsafeBitCast(self, to: SIMD8<UInt32>.self) & SIMD8<UInt32>(repeating: 0x7fff_ffff), to: Self.self)
  }
}

extension SIMD16 where Scalar == Float {
  /// |x| of every lane.
  @inline(__always) public var magnitudes: Self {
    unsafeBitCast(unsafeBitCast(self, to: SIMD16<UInt32>.self) & SIMD16<UInt32>(repeating: 0x7fff_ffff), to: Self.self)
  }
}

extension SIMD4 where Scalar == Float {
  /// |x| of every lane.
  @inline(__always) public var magnitudes: Self {
    unsafeBitCast(unsafeBitCast(self, to: SIMD4<UInt32>.self) & SIMD4<UInt32>(repeating: 0x7fff_ffff), to: Self.self)
  }
}
