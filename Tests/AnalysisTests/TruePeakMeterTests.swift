import Analysis
import DSP
import Foundation
import Synthesis
import Testing
import TestSupport

/// The true-peak meter skips 10 ms segments that provably cannot raise the maximum (by the bound K·max|x|, or
/// by its own Float interpolation with a margin). These tests hold it to bit-identical results against
/// libebur128 interpolating every sample.
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
    let l1 = { (rate: Int) in TruePeakInterpolator(channels: 1, sampleRateHz: rate).polyphaseL1 }
    #expect(abs(20 * log10(l1(48_000)) - 5.41) < 0.01)
    #expect(abs(20 * log10(l1(96_000)) - 7.26) < 0.01)
    #expect(l1(192_000) == 1)
  }

  /// A loud "master": music driven into a soft clipper, so that nearly every 10 ms sits within a dB or two
  /// of the peak and the bound K·max|x| (+5.4 dB) rules out nothing.
  static func loudMaster(rate: Int, channels: Int) -> [Float] {
    var gen = MusicGenerator(style: TrackStyle(seed: 5, gainDB: 0), sampleRateHz: rate, durationSeconds: 6)
    var stereo = [Float](repeating: 0, count: gen.durationFrames * 2)
    _ = stereo.withUnsafeMutableBufferPointer { gen.render(into: $0.baseAddress!, frames: gen.durationFrames) }
    var out = [Float](repeating: 0, count: gen.durationFrames * channels)
    for i in 0..<gen.durationFrames {
      for c in 0..<channels { out[i * channels + c] = 0.9 * tanh(8 * stereo[i * 2 + (c % 2)]) }
    }
    return out
  }

  @Test("On a loud master the Float estimate spares libebur128 most segments, with bit-identical peaks",
        arguments: [44_100, 48_000, 96_000], [1, 2, 6])  // at 192 kHz there is no interpolation to spare
  func identicalOnLoudMaster(rate: Int, channels: Int) throws {
    let x = Self.loudMaster(rate: rate, channels: channels)
    // The bound alone would interpolate (nearly) everything: check that this signal is that hard.
    var boundOnly = 0, segments = 0
    let segment = max(13, rate / 100)
    var peak: Float = 0
    for start in stride(from: 0, to: x.count / channels, by: segment) {
      var m: Float = 0
      for i in max(0, start - 12)..<min(x.count / channels, start + segment) { m = max(m, abs(x[i * channels])) }
      if m * Float(TruePeakInterpolator(channels: 1, sampleRateHz: rate).polyphaseL1) > peak { boundOnly += 1 }
      peak = max(peak, m)
      segments += 1
    }
    #expect(Double(boundOnly) / Double(segments) > 0.9, "the bound alone rules out \(segments - boundOnly) of \(segments)")
    for block in [8192, 441, 100] {
      let r = try Self.both(x, channels: channels, rate: rate, block: block)
      #expect(r.fast == r.exact, "block \(block)")
      #expect(r.share < 0.2, "interpolated \(r.share)")
    }
  }
}
