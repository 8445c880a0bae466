import Analysis
import DSP
import Foundation
import Testing
import TestSupport

/// `spectrum.levelSpreadDB`: how much each band's place in the spectrum moves over a track's 10 s segments.
@Suite struct SpectrumSpreadTests {
  /// White noise (±`noise`), plus a 1 kHz sine in every other segment when `toggled`; the sine lifts the 1 kHz
  /// band's mean power per bin by a factor of 16 (+12.04 dB): its power s²/2 lands on the band's width.
  static func spread(rate: Int, channels: Int, segments: Int, toggled: Bool) -> [Double?]? {
    let noise = 0.25
    let seg = SpectrumMeter.segmentFrames(sampleRateHz: rate)
    let widthHz = 1000 * (pow(2, 1.0 / 12) - pow(2, -1.0 / 12))
    let s = (2 * 15 * (noise * noise / 3) * widthHz * 2 / Double(rate)).squareRoot()
    var rng = SplitMix64(seed: 7)
    var meter = SpectrumMeter(channels: channels, sampleRateHz: rate)
    var block = [Float](repeating: 0, count: seg * channels)
    for k in 0..<segments {
      for i in 0..<seg {
        let tone = toggled && k % 2 == 1 ? s * sin(2 * Double.pi * 1000 * Double(k * seg + i) / Double(rate)) : 0
        for c in 0..<channels {
          let u = Double(rng.next() >> 11) / Double(1 << 53) * 2 - 1
          block[i * channels + c] = Float(noise * u + tone)
        }
      }
      block.withUnsafeBufferPointer { meter.add($0.baseAddress!, frames: seg) }
    }
    return meter.result(integratedLUFS: -20).levelSpreadDB
  }

  // Under 1 dB: the lowest bands hold one or two FFT bins, whose 10 s estimates scatter by a few tenths of a dB.
  @Test("Steady noise spreads under 1 dB in every band", arguments: testSampleRates, [1, 2])
  func steadyNoise(rate: Int, channels: Int) throws {
    let spread = try #require(Self.spread(rate: rate, channels: channels, segments: 4, toggled: false))
    for x in spread { #expect(try #require(x) < 1) }
  }

  @Test("A band switched between +12 dB and 0 every segment spreads 6 ± 0.5 dB; the others under 1 dB",
        arguments: testSampleRates, [1, 2])
  func toggledBand(rate: Int, channels: Int) throws {
    let spread = try #require(Self.spread(rate: rate, channels: channels, segments: 6, toggled: true))
    let centers = FractionalOctaveBands(sampleRateHz: Double(rate)).centersHz
    for (f, x) in zip(centers, spread) {
      let v = try #require(x)
      if abs(f - 1000) < 1 { #expect(abs(v - 6.02) <= 0.5, "1 kHz: \(v) dB") } else { #expect(v < 1, "\(f) Hz: \(v) dB") }
    }
  }

  @Test("Two segments give no spread")
  func tooShort() {
    let spread = Self.spread(rate: 48_000, channels: 2, segments: 2, toggled: true)
    #expect((spread ?? []).allSatisfy { $0 == nil })
  }
}
