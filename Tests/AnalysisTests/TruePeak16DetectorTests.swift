import Analysis
import CEBUR128
import DSP
import Foundation
import Testing
import TestSupport

/// The accurate inter-sample peak (`InterSamplePeakMeter`) against an ideal 16× reference computed in the test
/// (`TruePeak16Reference`: FFT zero-padding), at every rate from 8 to 384 kHz.
@Suite struct TruePeak16DetectorTests {
  static let rates = [8_000, 11_025, 22_050, 44_100, 48_000, 96_000, 192_000, 384_000]
  static let frames = 8_192

  /// The meter's peak (linear, over the channels), fed in blocks of `block` frames.
  static func measure(_ x: [Float], channels: Int, rate: Int, block: Int) -> Double {
    var meter = InterSamplePeakMeter(channels: channels, sampleRateHz: rate)
    let frames = x.count / channels
    x.withUnsafeBufferPointer { p in
      guard let base = p.baseAddress else { return }
      var i = 0
      while i < frames {
        let n = min(block, frames - i)
        meter.add(base + i * channels, frames: n)
        i += n
      }
    }
    return meter.finish().max() ?? 0
  }

  @Test("Within 0.05 dB of the 16× reference: a sine at 0.45·fs, pulses between samples, flat and pink noise to 0.45·fs",
        arguments: rates, [1, 2])
  func agreesWithReference(rate: Int, channels: Int) {
    for kind in TruePeak16Signals.Kind.allCases {
      let x = TruePeak16Signals.make(kind, frames: Self.frames, channels: channels)
      let reference = TruePeak16Reference.peakDBTP(x, channels: channels)
      let got = 20 * log10(Self.measure(x, channels: channels, rate: rate, block: 4_096))
      #expect(abs(got - reference) <= 0.05, "\(kind) at \(rate) Hz, \(channels) ch: \(got) dBTP against \(reference)")
    }
  }

  @Test("The same peak, bit for bit, whatever the block size (1, 100, 4096 frames)", arguments: [22_050, 96_000])
  func blockSizeInvariance(rate: Int) {
    for kind in [TruePeak16Signals.Kind.pulses, .pinkNoise] {
      let x = TruePeak16Signals.make(kind, frames: Self.frames, channels: 2)
      let whole = Self.measure(x, channels: 2, rate: rate, block: x.count)
      for block in [1, 100, 4_096] { #expect(Self.measure(x, channels: 2, rate: rate, block: block) == whole, "\(kind), block \(block)") }
    }
  }

  /// Why the second figure exists: at 22.05 kHz BS.1770's short filter loses 2.2 dB at 0.45·fs (9.9 kHz), so it
  /// reads no more than the samples of a sine there, 0.11 dB under its peak.
  @Test("At 22.05 kHz BS.1770 reads a sine at 0.45·fs over 0.1 dB low; the analysis reports both figures")
  func bs1770ReadsLowAtLowRates() throws {
    let rate = 22_050
    let x = TruePeak16Signals.make(.nearNyquistSine, frames: Self.frames, channels: 2)
    let a = try analyzeSignal(x, channels: 2, sampleRateHz: rate)
    let reference = TruePeak16Reference.peakDBTP(x, channels: 2)
    let bs1770 = try #require(a.loudness.truePeakDBTP)
    let accurate = try #require(a.loudness.interSamplePeakDBTP)
    #expect(bs1770 < reference - 0.1, "BS.1770 \(bs1770) dBTP, reference \(reference)")
    #expect(abs(accurate - reference) <= 0.05, "inter-sample \(accurate) dBTP, reference \(reference)")
    let json = String(decoding: try JSONEncoder().encode(a.loudness), as: UTF8.self)
    #expect(json.contains("\"interSamplePeakDBTP\""))
  }
}

/// The BS.1770 meter at 96 kHz: libebur128 fed only the segments that can raise the peak must read what it
/// reads fed continuously.
@Suite struct TruePeak16Meter96kTests {
  /// libebur128 fed every frame in chunks of `chunk`: its own true peak per channel, linear.
  static func continuous(_ x: [Float], channels: Int, rate: Int, chunk: Int) throws -> [Double] {
    let st = try #require(ebur128_init(UInt32(channels), UInt(rate), Int32(EBUR128_MODE_TRUE_PEAK.rawValue)))
    var handle: UnsafeMutablePointer<ebur128_state>? = st
    defer { ebur128_destroy(&handle) }
    let frames = x.count / channels
    x.withUnsafeBufferPointer { p in
      var i = 0
      while i < frames {
        let n = min(chunk, frames - i)
        _ = ebur128_add_frames_float(st, p.baseAddress! + i * channels, n)
        i += n
      }
    }
    return (0..<channels).map { c in
      var v = 0.0
      ebur128_true_peak(st, UInt32(c), &v)
      return v
    }
  }

  /// 10 ms bursts of a sine at fs/4 and 45° (samples 3 dB under the peak) between 10 ms of silence, on the
  /// meter's segment grid: each burst after the first may raise the peak, so it is fed after skipped silence.
  static func bursts(rate: Int, channels: Int) -> [Float] {
    let segment = rate / 100
    var x = [Float](repeating: 0, count: 40 * segment * channels)
    var rng = SplitMix64(seed: 3)
    for b in stride(from: 0, to: 40, by: 2) {
      let phase = Double.pi / 4 + Double(rng.nextBipolar()) * 0.05
      let level = 0.8 + 0.05 * Double(rng.nextBipolar())
      for i in 0..<segment {
        for c in 0..<channels {
          x[((b * segment) + i) * channels + c] = Float(level * sin(Double.pi / 2 * Double(i) + phase + Double(c)))
        }
      }
    }
    return x
  }

  /// A loud, dense master: pink noise driven into tanh, so that most segments come near the peak. Segments that
  /// cannot raise it are skipped; the next one is fed after them with its history.
  static func saturated(rate: Int, channels: Int) -> [Float] {
    TruePeak16Signals.make(.pinkNoise, frames: rate, channels: channels, seed: 9).map { Float(0.9 * tanh(6 * Double($0))) }
  }

  /// Smooth (low-frequency) sines whose level steps every 10 ms segment: up, 0.01 down, up again, … A segment
  /// that goes up may raise the peak, so it is fed after a skipped one; with too short a history libebur128's
  /// filter still holds samples from the last segment fed, and the values at the joint read high.
  static func steps(rate: Int, channels: Int) -> [Float] {
    let segment = rate / 100, count = 60
    var x = [Float](repeating: 0, count: count * segment * channels)
    for k in 0..<count {
      let level = 0.5 + 0.004 * Double(k - k % 2) - (k % 2 == 1 ? 0.01 : 0)
      for i in 0..<segment {
        let n = Double(k * segment + i)
        for c in 0..<channels {  // 150 Hz at this phase: the joint at a crest (0.24 dB high with 13 frames of history)
          x[(k * segment + i) * channels + c] = Float(level * sin(2 * .pi * 150 * n / Double(rate) + 4 * .pi / 7))
        }
      }
    }
    return x
  }

  @Test("BS.1770 true peak equals libebur128 fed continuously (chunks 480, 960, 4096) within 0.01 dB",
        arguments: [44_100, 48_000, 96_000, 192_000], [1, 2])
  func agreesWithContinuousFeeding(rate: Int, channels: Int) throws {
    let signals = [Self.steps(rate: rate, channels: channels), Self.saturated(rate: rate, channels: channels), Self.bursts(rate: rate, channels: channels)]
      + [TruePeak16Signals.Kind.pulses, .pinkNoise].map { TruePeak16Signals.make($0, frames: 2 * rate / 5, channels: channels) }
    for (k, x) in signals.enumerated() {
      var meter = try TruePeakMeter(channels: channels, sampleRateHz: rate)
      var psr = try TruePeakMeter(channels: channels, sampleRateHz: rate, blockFrames: rate / 10)
      x.withUnsafeBufferPointer { p in
        meter.add(p.baseAddress!, frames: x.count / channels)
        psr.add(p.baseAddress!, frames: x.count / channels)
      }
      let got = meter.finish(), gotPSR = psr.finish()
      for chunk in [480, 960, 4_096] {
        let want = try Self.continuous(x, channels: channels, rate: rate, chunk: chunk)
        for c in 0..<channels {
          #expect(abs(20 * log10(got[c] / want[c])) <= 0.01, "signal \(k), channel \(c), chunk \(chunk): \(got[c]) against \(want[c])")
          #expect(abs(20 * log10(gotPSR[c] / want[c])) <= 0.01, "with blocks: signal \(k), channel \(c): \(gotPSR[c]) against \(want[c])")
        }
      }
    }
  }
}
