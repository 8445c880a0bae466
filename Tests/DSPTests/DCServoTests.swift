import DSP
import Foundation
import TestSupport
import Testing

/// The limiter's DC servo (`TruePeakLimiter`, "DC servo"): a limiter whose gain dips on the peaks of an
/// asymmetric waveform makes a DC offset; the servo takes it away without taking a peak over the ceiling.
@Suite("DC servo")
struct DCServoTests {
  /// A half-wave-rectified 110 Hz sine minus its mean (zero-mean input; peaks +0.68 against −0.32), its level
  /// swelling at 3 Hz from 4 dB under to `overDB` over the ceiling: the limiter cuts the positive peaks only.
  static func asymmetric(rate: Int, channels: Int, seconds: Double, overDB: Double) -> [Float] {
    let frames = Int(Double(rate) * seconds)
    var x = [Float](repeating: 0, count: frames * channels)
    let ceiling = pow(10, -1 / 20.0)
    for i in 0..<frames {
      let t = Double(i) / Double(rate)
      let wave = max(0, sin(2 * Double.pi * 110 * t)) - 1 / Double.pi
      let swellDB = -4 + (overDB + 4) * (0.5 + 0.5 * sin(2 * Double.pi * 3 * t))
      let v = wave / 0.682 * ceiling * pow(10, swellDB / 20)
      for c in 0..<channels { x[i * channels + c] = Float(v * (c == 1 ? 0.7 : 1)) }
    }
    return x
  }

  /// Per channel, the mean of the last `seconds` of `y`, in dBFS.
  static func dcDBFS(_ y: [Float], channels: Int, lastFrames: Int) -> [Double] {
    let frames = y.count / channels
    return (0..<channels).map { c in
      var sum = 0.0
      for i in (frames - lastFrames)..<frames { sum += Double(y[i * channels + c]) }
      return 20 * log10(max(1e-20, abs(sum / Double(lastFrames))))
    }
  }

  @Test("Limiting an asymmetric waveform: the servo keeps the output's DC 30 dB under what the gain alone makes, and under -80 dBFS",
        arguments: testSampleRates, [1, 2])
  func removesTheLimitersDC(rate: Int, channels: Int) {
    let x = Self.asymmetric(rate: rate, channels: channels, seconds: 3, overDB: 8)
    var off = LimiterSettings(ceilingDBTP: -1)
    off.dcServoCornerHz = 0
    let last = 2 * rate  // after the servo's first second (six time constants)
    let without = Self.dcDBFS(limitSignal(x, channels: channels, rate: rate, settings: off, block: 4096), channels: channels, lastFrames: last)
    let with = Self.dcDBFS(
      limitSignal(x, channels: channels, rate: rate, settings: LimiterSettings(ceilingDBTP: -1), block: 4096),
      channels: channels, lastFrames: last)
    for c in 0..<channels {
      #expect(without[c] > -50, "the gain alone makes DC: \(without[c]) dBFS")
      #expect(with[c] <= -80 && with[c] <= without[c] - 30, "channel \(c): \(with[c]) dBFS with the servo, \(without[c]) without")
    }
  }

  @Test("With the servo the output true peak (independent 16× meter) stays under the ceiling on the asymmetric waveform",
        arguments: testSampleRates, [-1.0, -3.0])
  func ceilingHeld(rate: Int, ceilingDBTP: Double) {
    let x = Self.asymmetric(rate: rate, channels: 2, seconds: 1.5, overDB: 10).map { $0 * Float(pow(10, (ceilingDBTP + 1) / 20)) }
    let y = limitSignal(x, channels: 2, rate: rate, settings: LimiterSettings(ceilingDBTP: ceilingDBTP), block: 441)
    let peakDBTP = ReferenceTruePeak.peakDBTP(y, channels: 2)
    #expect(peakDBTP <= ceilingDBTP + 0.05, "\(peakDBTP) dBTP against \(ceilingDBTP)")
    #expect(peakDBTP > ceilingDBTP - 0.5, "not over-limited: \(peakDBTP) dBTP")
  }

  /// Under the threshold the servo is a first-order high-pass at its corner, seen through the loop's delay (one
  /// step, `dcServoStepSeconds`, and the limiter's latency), which moves the decay by up to that delay (measured:
  /// 25 ms faster, the delayed loop overshooting the continuous curve a little). Measured from 80 % of the step
  /// to 80 %/e: within the delay plus 10 % of 1/(2π·corner); and the overshoot past zero stays under 5 %.
  @Test("A DC step under the threshold decays with the time constant 1/(2π·corner), within the loop's delay",
        arguments: testSampleRates, [0.5, 1.0])
  func timeConstant(rate: Int, cornerHz: Double) throws {
    var settings = LimiterSettings(ceilingDBTP: -1)
    settings.dcServoCornerHz = cornerHz
    let level: Float = 0.25
    let x = [Float](repeating: 0, count: rate / 10) + [Float](repeating: level, count: rate * 3)
    let y = limitSignal(x, channels: 1, rate: rate, settings: settings, block: 1000)
    let after = y[(rate / 10)...].map { Double($0 / level) }
    let a = try #require(after.firstIndex { $0 <= 0.8 })
    let b = try #require(after.firstIndex { $0 <= 0.8 / M_E })
    let latency = Double(TruePeakLimiter(settings: settings, channels: 1, sampleRateHz: rate).latencyFrames) / Double(rate)
    let measured = Double(b - a) / Double(rate)
    let expected = 1 / (2 * Double.pi * cornerHz), delay = TruePeakLimiter.dcServoStepSeconds + latency
    #expect(abs(measured - expected) <= delay + 0.1 * expected, "τ measured \(measured) s, expected \(expected) s ± \(delay) s")
    #expect((after.min() ?? 0) > -0.05, "overshoot \(after.min() ?? 0)")
    #expect(abs(after[after.count - 1]) < 0.001, "settled: \(after[after.count - 1])")
  }
}
