import DSP
import Foundation
import Testing
import TestSupport

/// Helpers for the quantizer tests. The quantizer sees interleaved samples one at a time, so sample rate and
/// channel count do not reach it: the tests vary bit depth, dither and input instead.
enum QuantizerCase {
  static func run(_ x: [Float], bits: Int, dither: Bool, seed: UInt64 = 1, block: Int? = nil) -> [Int32] {
    var q = Quantizer(bits: bits, dither: dither, seed: seed)
    var out = [Int32](repeating: 0, count: x.count)
    x.withUnsafeBufferPointer { p in
      out.withUnsafeMutableBufferPointer { o in
        var i = 0
        while i < x.count {
          let n = min(block ?? x.count, x.count - i)
          q.quantize(p.baseAddress! + i, count: n, into: o.baseAddress! + i)
          i += n
        }
      }
    }
    return out
  }

  /// The integer step values (LSBs) of left-justified output.
  static func steps(_ out: [Int32], bits: Int) -> [Int32] { out.map { $0 >> Int32(32 - bits) } }

  /// Input in LSBs, for the error q − x·2^(bits−1).
  static func inLSB(_ x: Float, bits: Int) -> Double { Double(x) * Double(1 << (bits - 1)) }

  /// Mean and variance of the error, in LSB and LSB².
  static func errorMoments(_ x: [Float], _ out: [Int32], bits: Int) -> (mean: Double, variance: Double) {
    let e = zip(x, steps(out, bits: bits)).map { Double($1) - inLSB($0, bits: bits) }
    let mean = e.reduce(0, +) / Double(e.count)
    return (mean, e.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(e.count))
  }
}

@Suite struct QuantizerTests {
  @Test("Every output lies on the bits-bit grid, left-justified, and inside the integer range",
        arguments: [16, 24], [false, true])
  func onTheGrid(bits: Int, dither: Bool) {
    let x = Signals.whiteNoise(amplitude: 1, seconds: 1, sampleRateHz: 48_000, channels: 2)
    let out = QuantizerCase.run(x, bits: bits, dither: dither)
    let mask = Int32((1 << (32 - bits)) - 1)
    #expect(out.allSatisfy { $0 & mask == 0 })
    let s = QuantizerCase.steps(out, bits: bits), top = Int32((1 << (bits - 1)) - 1)
    #expect(s.allSatisfy { $0 >= -top - 1 && $0 <= top })
  }

  /// TPDF dither d is the difference of two independent uniforms on [0, 1) LSB: triangular on (−1, 1) LSB,
  /// mean 0, variance 2 · 1/12 = 1/6 LSB². Rounding after it adds an error ε that, because d is triangular
  /// (its characteristic function and its derivative vanish at every non-zero integer), is uniform on
  /// ±½ LSB whatever the signal and uncorrelated with d: variance 1/12. The total error d + ε has mean 0 and
  /// variance 1/6 + 1/12 = 1/4 LSB², at every input level (without dither it would be 0…1/4 depending on it).
  @Test("TPDF dither: the error is zero-mean with variance LSB²/4 (±10 %) at any input level",
        arguments: [16, 24], [0.0, 0.25, 0.5, 0.8])
  func ditherErrorMoments(bits: Int, offsetLSB: Double) {
    // A constant input between two grid points: the hardest case for signal-independence.
    let level = (1000 + offsetLSB) / Double(1 << (bits - 1))
    let x = [Float](repeating: Float(level), count: 400_000)
    let m = QuantizerCase.errorMoments(x, QuantizerCase.run(x, bits: bits, dither: true), bits: bits)
    // The mean of 400 000 errors of standard deviation ½ LSB has a standard deviation of 0.0008 LSB.
    #expect(abs(m.mean) < 0.005, "mean \(m.mean) LSB")
    #expect(abs(m.variance / 0.25 - 1) < 0.1, "variance \(m.variance) LSB²")
  }

  @Test("TPDF dither on a sine: error zero-mean, variance LSB²/4 (±10 %)", arguments: [16, 24])
  func ditherErrorOnSine(bits: Int) {
    let x = Signals.sine(frequencyHz: 997, amplitude: 0.5, seconds: 4, sampleRateHz: 48_000, channels: 1)
    let m = QuantizerCase.errorMoments(x, QuantizerCase.run(x, bits: bits, dither: true), bits: bits)
    #expect(abs(m.mean) < 0.005, "mean \(m.mean) LSB")
    #expect(abs(m.variance / 0.25 - 1) < 0.1, "variance \(m.variance) LSB²")
  }

  @Test("Without dither: round to nearest (ties to even), grid values unchanged, seed irrelevant",
        arguments: [8, 16, 24])
  func deterministicRounding(bits: Int) {
    let s = Double(1 << (bits - 1))
    var x = Signals.whiteNoise(amplitude: 0.99, seconds: 0.5, sampleRateHz: 48_000, channels: 1)
    // Exact grid points and exact half steps.
    x += [-3, -2.5, -1.5, -0.5, 0, 0.5, 1.5, 2.5, 3, 100].map { Float($0 / s) }
    let out = QuantizerCase.run(x, bits: bits, dither: false, seed: 1)
    #expect(out == QuantizerCase.run(x, bits: bits, dither: false, seed: 99))
    let expected = x.map { Int32((Double($0) * s).rounded(.toNearestOrEven)) }
    #expect(QuantizerCase.steps(out, bits: bits) == expected)
    #expect(Array(QuantizerCase.steps(out, bits: bits).suffix(10)) == [-3, -2, -2, 0, 0, 0, 2, 2, 3, 100])
  }

  @Test("Beyond full scale the output clips to the integer range and never wraps, with or without dither",
        arguments: [16, 24], [false, true])
  func clipping(bits: Int, dither: Bool) {
    let top = Int32((1 << (bits - 1)) - 1), bottom = -top - 1
    // Over 1 LSB past full scale, so that dither (under ±1 LSB) cannot bring a value back inside.
    let over = Float(1 + 2 / Double(1 << (bits - 1)))
    let edges: [Float] = [over, 1.5, 1e9, .infinity, -over, -1.5, -1e9, -.infinity]
    let x = Array(repeating: edges, count: 1000).flatMap { $0 }
    let s = QuantizerCase.steps(QuantizerCase.run(x, bits: bits, dither: dither), bits: bits)
    let wrong = zip(x, s).filter { $1 != ($0 > 0 ? top : bottom) }
    #expect(wrong.isEmpty, "\(wrong.prefix(3))")
    // Exactly ±1.0: +1.0 is one step past the top (2^(bits−1)) and clips there; −1.0 is the bottom step
    // itself, which dither may move one step in.
    let unit = QuantizerCase.steps(QuantizerCase.run(Array(repeating: [1, -1], count: 5000).flatMap { $0 }, bits: bits, dither: dither), bits: bits)
    #expect(unit.enumerated().allSatisfy { $0.offset % 2 == 0 ? $0.element == top : $0.element <= bottom + 1 })
    #expect(dither || unit.enumerated().allSatisfy { $0.offset % 2 == 0 || $0.element == bottom })
    // Just under full scale, dither may reach the top step but never pass it.
    let near = [Float](repeating: Float((Double(top) - 0.3) / Double(1 << (bits - 1))), count: 10_000)
    let n = QuantizerCase.steps(QuantizerCase.run(near, bits: bits, dither: dither), bits: bits)
    #expect(n.allSatisfy { $0 <= top && $0 >= top - 1 })
  }

  @Test("Determinism: the same seed gives the same bytes, in one call or in blocks; another seed differs",
        arguments: [16, 24])
  func determinism(bits: Int) {
    let x = Signals.whiteNoise(amplitude: 0.3, seconds: 0.5, sampleRateHz: 44_100, channels: 2)
    let once = QuantizerCase.run(x, bits: bits, dither: true, seed: 42)
    #expect(QuantizerCase.run(x, bits: bits, dither: true, seed: 42) == once)
    for block in [1, 64, 441, 4096] {
      #expect(QuantizerCase.run(x, bits: bits, dither: true, seed: 42, block: block) == once, "block \(block)")
    }
    #expect(QuantizerCase.run(x, bits: bits, dither: true, seed: 43) != once)
  }
}
