import Analysis
import Foundation
import Synthesis
import Testing
import TestSupport

/// The true-peak meter skips 10 ms segments that provably cannot raise the maximum. These tests hold it
/// to bit-identical results against interpolating every sample.
@Suite struct TruePeakMeterTests {
  /// Runs both meters over `x` in blocks of `block` frames.
  static func both(_ x: [Float], channels: Int, rate: Int, block: Int) throws -> (fast: [Double], exact: [Double], share: Double) {
    var fast = try TruePeakMeter(channels: channels, sampleRateHz: rate)
    var exact = try TruePeakMeter(channels: channels, sampleRateHz: rate, exhaustive: true)
    let frames = x.count / channels
    try x.withUnsafeBufferPointer { p in
      var i = 0
      while i < frames {
        let n = min(block, frames - i)
        fast.add(p.baseAddress! + i * channels, frames: n)
        exact.add(p.baseAddress! + i * channels, frames: n)
        i += n
      }
      _ = try #require(p.baseAddress)
    }
    let share = fast.interpolatedShare
    return (fast.finish(), exact.finish(), share)
  }

  /// Music with loud hits and quiet stretches: the skipping has work to do.
  static func dynamicMusic(rate: Int, channels: Int) -> [Float] {
    var gen = MusicGenerator(style: TrackStyle(seed: 11, gainDB: -6), sampleRateHz: rate, durationSeconds: 6)
    var stereo = [Float](repeating: 0, count: gen.durationFrames * 2)
    _ = stereo.withUnsafeMutableBufferPointer { gen.render(into: $0.baseAddress!, frames: gen.durationFrames) }
    var out = [Float](repeating: 0, count: gen.durationFrames * channels)
    for i in 0..<gen.durationFrames {
      // Every other second 24 dB down, so that whole segments fall under the bound.
      let g: Float = (i / rate) % 2 == 0 ? 1 : 0.063
      for c in 0..<channels { out[i * channels + c] = g * stereo[i * 2 + (c % 2)] * (c < 2 ? 1 : 0.5) }
    }
    return out
  }

  @Test("Skipping gives bit-identical true peaks on music", arguments: [44_100, 48_000, 96_000, 192_000], [1, 2, 6])
  func identicalOnMusic(rate: Int, channels: Int) throws {
    let x = Self.dynamicMusic(rate: rate, channels: channels)
    for block in [4096, 333] {
      let r = try Self.both(x, channels: channels, rate: rate, block: block)
      #expect(r.fast == r.exact, "block \(block)")
      // It did skip something, or the test would prove nothing.
      #expect(r.share < 0.9, "interpolated \(r.share)")
    }
  }

  @Test("Skipping gives bit-identical true peaks where inter-sample peaks dominate", arguments: [44_100, 48_000, 96_000])
  func identicalOnOvers(rate: Int) throws {
    // fs/4 at 45° (true peak 3 dB over the samples) after and between quieter noise, and a lone impulse.
    var x = Signals.whiteNoise(amplitude: 0.3, seconds: 2, sampleRateHz: rate)
    x += Signals.sine(frequencyHz: Double(rate) / 4, amplitude: 0.5, phaseDegrees: 45, seconds: 0.5, sampleRateHz: rate)
    x += Signals.whiteNoise(amplitude: 0.05, seconds: 1, sampleRateHz: rate, seed: 3)
    x[x.count / 2 + 1] = 0.9
    let r = try Self.both(x, channels: 2, rate: rate, block: 1000)
    #expect(r.fast == r.exact)
    #expect(r.share < 1)
  }

  @Test("The bound K is the largest polyphase coefficient sum: +5.41 dB at 4×, +7.26 dB at 2×")
  func boundFactor() {
    #expect(abs(20 * log10(TruePeakMeter.polyphaseL1(taps: 49, factor: 4)) - 5.41) < 0.01)
    #expect(abs(20 * log10(TruePeakMeter.polyphaseL1(taps: 49, factor: 2)) - 7.26) < 0.01)
    #expect(TruePeakMeter.polyphaseL1(taps: 49, factor: 1) == 1)
  }
}
