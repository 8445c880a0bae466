import DSP
import Foundation
import Testing
import TestSupport

/// The speed-ups of the quantizer and of the true-peak interpolator must not change a single output value.
@Suite struct PerfEquivalenceTests {
  /// The quantizer as it was written first: scale, dither drawn per sample, round (1.5·2⁵² trick), clamp, shift.
  static func referenceQuantize(_ x: [Float], bits: Int, dither: Bool, seed: UInt64) -> [Int32] {
    var rng = SplitMix64(seed: seed)
    let s = Double(1 << (bits - 1)), top = s - 1, bottom = -s
    let magic = 6_755_399_441_055_744.0
    return x.map { sample in
      var v = Double(sample) * s
      if dither {
        let z = rng.next()
        v += Double(Int64(z >> 40) - Int64((z >> 16) & 0xFF_FFFF)) * 0x1p-24
      }
      return Int32(min(top, max(bottom, (v + magic) - magic))) << Int32(32 - bits)
    }
  }

  @Test("The quantizer's output equals the plain formula's, in and out of range, with and without dither",
        arguments: [8, 16, 24, 32], [false, true])
  func quantizerUnchanged(bits: Int, dither: Bool) {
    var x = Signals.whiteNoise(amplitude: 1.2, seconds: 0.5, sampleRateHz: 48_000, channels: 2, seed: 5)
    // Exact ties between grid points, the rails, far out of range, zero and the smallest values.
    let lsb = Float(1) / Float(1 << (bits - 1))
    x += [0.5 * lsb, 1.5 * lsb, -0.5 * lsb, -2.5 * lsb, 1, -1, 1 - lsb, 1 - lsb / 2, 7, -1e9, 1e9, 0, -0.0, .leastNonzeroMagnitude]
    let expected = Self.referenceQuantize(x, bits: bits, dither: dither, seed: 11)
    for block in [x.count, 7, 1000] {
      #expect(QuantizerCase.run(x, bits: bits, dither: dither, seed: 11, block: block) == expected)
    }
  }

  @Test("VectorMath.scaled and floats give map's values, element for element")
  func vectorHelpersUnchanged() {
    let x = Signals.whiteNoise(amplitude: 1.5, seconds: 0.01, sampleRateHz: 48_000, channels: 2, seed: 6) + [0, -0.0, 1e9]
    #expect(VectorMath.scaled(x, by: 0.7071).map(\.bitPattern) == x.map { $0 * 0.7071 }.map(\.bitPattern))
    let ints = x.map { Int32(clamping: Int64($0 * 2e9)) } + [.min, .max, 0, 1, -1]
    #expect(VectorMath.floats(ints, scale: 0x1p-31).map(\.bitPattern) == ints.map { Float($0) * 0x1p-31 }.map(\.bitPattern))
    #expect(VectorMath.scaled([], by: 2).isEmpty && VectorMath.floats([], scale: 1).isEmpty)
  }

  /// Peaks of one channel of `x` with the phases interpolated only where they may exceed `threshold`.
  static func peaks(_ x: [Float], channels: Int, rate: Int, threshold: Float, block: Int) -> [Float] {
    var interpolator = TruePeakInterpolator(channels: channels, sampleRateHz: rate)
    let frames = x.count / channels
    var peaks = [Float](repeating: 0, count: frames)
    x.withUnsafeBufferPointer { p in
      peaks.withUnsafeMutableBufferPointer { out in
        var offset = 0
        while offset < frames {
          let n = min(block, frames - offset)
          interpolator.accumulatePeaks(
            p.baseAddress! + offset * channels, frames: n, channel: 1 % channels, into: out.baseAddress! + offset,
            interpolateAbove: threshold)
          offset += n
        }
      }
    }
    return peaks
  }

  /// What the limiter and the true-peak meter read from the peaks: which exceed the threshold, and by how much.
  @Test("Skipping quiet groups keeps every peak above the threshold exactly, and none rises above it",
        arguments: [44_100, 96_000], [1, 2])
  func interpolatorUnchanged(rate: Int, channels: Int) {
    // Noise under a slow swell: some groups far under the threshold, some near it, some over.
    var x = Signals.whiteNoise(amplitude: 1, seconds: 0.6, sampleRateHz: rate, channels: channels, seed: 8)
    for i in x.indices { x[i] *= Float(0.05 + 0.6 * abs(sin(Double(i / channels) * 8 / Double(rate)))) }
    for threshold: Float in [0.2, 0.35, 0.5] {
      let full = Self.peaks(x, channels: channels, rate: rate, threshold: 0, block: 4096)
      #expect(full.contains { $0 > threshold } && full.contains { $0 <= threshold })
      for block in [4096, 333, 16] {
        let skipping = Self.peaks(x, channels: channels, rate: rate, threshold: threshold, block: block)
        let same = zip(full, skipping).allSatisfy { f, s in f > threshold ? s == f : s <= threshold }
        #expect(same, "\(rate) Hz, \(channels) ch, threshold \(threshold), blocks of \(block)")
      }
    }
  }
}
