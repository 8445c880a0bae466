import Analysis
import CEBUR128
import Foundation
import Testing
import TestSupport

/// The meter gates libebur128's own 10 ms K-weighted energies (mode M) instead of letting libebur128 re-sum
/// 400 ms of audio every 100 ms (mode I). The figure must be the one mode I gives, on programmes where both
/// gates act, at every rate, channel count and block size.
@Suite struct GatingTests {
  /// Noise bursts at −18, −36 and −75 dBFS and silence: the absolute gate drops the −75 and the silence, the
  /// relative gate (10 LU under the absolute-gated mean, about −12.4 dB here) drops the −36 passages.
  static func programme(sampleRateHz: Int, channels: Int) -> [Float] {
    var out: [Float] = []
    for (i, (level, seconds)) in [(-18.0, 4.3), (-36.0, 3.1), (-75.0, 2.0), (-18.0, 2.7), (0.0, 1.5), (-36, 2.2)].enumerated() {
      let amplitude = level == 0 ? 0 : Float(pow(10, level / 20) * 1.732)  // uniform noise: rms = a/√3
      out += Signals.whiteNoise(
        amplitude: amplitude, seconds: seconds, sampleRateHz: sampleRateHz, channels: channels, seed: UInt64(i + 1))
    }
    return out
  }

  /// libebur128 in `EBUR128_MODE_I`, fed everything at once. Its default weights for 1, 2 and 6 channels are the
  /// meter's (6: L R C LFE Ls Rs, LFE unused).
  static func modeI(_ x: [Float], channels: Int, sampleRateHz: Int) -> Double? {
    var st: UnsafeMutablePointer<ebur128_state>? = ebur128_init(
      UInt32(channels), UInt(sampleRateHz), Int32(EBUR128_MODE_I.rawValue))
    defer { ebur128_destroy(&st) }
    x.withUnsafeBufferPointer { _ = ebur128_add_frames_float(st, $0.baseAddress!, x.count / channels) }
    var lufs = 0.0
    return ebur128_loudness_global(st, &lufs) == Int32(EBUR128_SUCCESS.rawValue) && lufs.isFinite ? lufs : nil
  }

  @Test(
    "Integrated loudness equals libebur128's mode I to 1e-6 LU (at 22.05 and 11.025 kHz it is mode I's own)",
    arguments: [44_100, 48_000, 96_000, 22_050, 11_025], [1, 2, 6])
  func equalsModeI(rate: Int, channels: Int) throws {
    let x = Self.programme(sampleRateHz: rate, channels: channels)
    let expected = try #require(Self.modeI(x, channels: channels, sampleRateHz: rate))
    for blockFrames in [8192, 441, 100_000] {
      var meter = try LoudnessMeter(channels: channels, sampleRateHz: rate)
      var onlyIntegrated = try LoudnessMeter(channels: channels, sampleRateHz: rate, integratedOnly: true)
      try x.withUnsafeBufferPointer { p throws in
        var offset = 0
        while offset < x.count / channels {
          let n = min(blockFrames, x.count / channels - offset)
          try meter.add(p.baseAddress! + offset * channels, frames: n)
          try onlyIntegrated.add(p.baseAddress! + offset * channels, frames: n)
          offset += n
        }
      }
      let got = try #require(meter.result(truePeaks: [], samplePeakDBFS: nil).integratedLUFS)
      let gotOnly = try #require(onlyIntegrated.result(truePeaks: [], samplePeakDBFS: nil).integratedLUFS)
      #expect(abs(got - expected) < 1e-6, "\(rate) Hz, \(channels) ch, blocks of \(blockFrames): \(got) vs \(expected)")
      #expect(got == gotOnly)
    }
    // Both gates act: what is left is the −18 dBFS noise (blocks that straddle a change blur it a little).
    let loudOnly = Signals.whiteNoise(
      amplitude: Float(pow(10, -18.0 / 20) * 1.732), seconds: 7, sampleRateHz: rate, channels: channels, seed: 9)
    let loud = try #require(Self.modeI(loudOnly, channels: channels, sampleRateHz: rate))
    #expect(abs(expected - loud) < 0.3, "\(expected) vs \(loud)")
  }

  @Test("Silence and programmes shorter than one 400 ms block have no integrated loudness, as in mode I")
  func silenceAndShort() throws {
    for x in [[Float](repeating: 0, count: 96_000), Signals.whiteNoise(amplitude: 0.3, seconds: 0.39, sampleRateHz: 48_000)] {
      var meter = try LoudnessMeter(channels: 2, sampleRateHz: 48_000)
      try x.withUnsafeBufferPointer { p throws in try meter.add(p.baseAddress!, frames: x.count / 2) }
      #expect(meter.result(truePeaks: [], samplePeakDBFS: nil).integratedLUFS == nil)
      #expect(Self.modeI(x, channels: 2, sampleRateHz: 48_000) == nil)
    }
  }
}
