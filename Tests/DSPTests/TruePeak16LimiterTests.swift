import DSP
import Foundation
import Testing
import TestSupport

/// The limiter holds its ceiling as the ideal 16× reference (`TruePeak16Reference`) measures it, at every rate.
@Suite struct TruePeak16LimiterTests {
  @Test("Driven 8 dB over, the output's 16× peak is at most -1 dBTP (pink noise to 0.45·fs; the loud programme from 22.05 kHz)",
        arguments: [8_000, 11_025, 22_050, 44_100, 48_000, 96_000, 192_000], [1, 2])
  func holdsTheCeiling(rate: Int, channels: Int) {
    let ceilingDBTP = -1.0
    let pink = TruePeak16Signals.make(.pinkNoise, frames: 16_384, channels: channels, level: pow(10, (ceilingDBTP + 8) / 20))
    // The programme's tones reach 16 kHz: below 32 kHz they alias up to Nyquist, past the kernel's 0.45·fs.
    let programme = loudProgramme(rate: rate, channels: channels, ceilingDBTP: ceilingDBTP, overDB: 8, seconds: 0.3)
    for (name, x) in [("pink noise", pink)] + (rate >= 22_050 ? [("programme", programme)] : []) {
      let y = limitSignal(x, channels: channels, rate: rate, settings: LimiterSettings(ceilingDBTP: ceilingDBTP), block: 4_096)
      let peakDBTP = TruePeak16Reference.peakDBTP(y, channels: channels)
      #expect(peakDBTP <= ceilingDBTP, "\(name) at \(rate) Hz, \(channels) ch: \(peakDBTP) dBTP")
      #expect(peakDBTP > ceilingDBTP - 0.5, "not over-limited: \(name) at \(rate) Hz: \(peakDBTP) dBTP")
    }
  }

  @Test("The factor rule: a grid of at least 176.4 kHz, never under 4×")
  func factorRule() {
    let expected = [8_000: 23, 11_025: 16, 22_050: 8, 44_100: 4, 48_000: 4, 96_000: 4, 192_000: 4, 384_000: 4]
    for (rate, factor) in expected {
      #expect(InterSamplePeak.oversamplingFactor(sampleRateHz: rate) == factor, "\(rate) Hz")
      #expect(rate * InterSamplePeak.oversamplingFactor(sampleRateHz: rate) >= InterSamplePeak.gridRateHz)
    }
  }
}
