import DSP
import Foundation
import Testing
import TestSupport

@Suite struct SubsonicHighPassTests {
  /// RMS in dB of channel `c` over the last half of `y`.
  static func tailRMSDB(_ y: [Float], channels: Int, c: Int) -> Double {
    let frames = y.count / channels
    var sum = 0.0
    for i in (frames / 2)..<frames { sum += Double(y[i * channels + c]) * Double(y[i * channels + c]) }
    return 10 * log10(sum / Double(frames - frames / 2))
  }

  @Test("The corner measures −3.01 dB at 15 Hz; −12 dB/octave below; 0 dB from 100 Hz", arguments: testSampleRates, [1, 2])
  func corner(rate: Int, channels: Int) {
    for (f, expectedDB, tol) in [(15.0, -3.01, 0.05), (7.5, -12.3, 0.1), (100, 0, 0.01), (1_000, 0, 0.001)] {
      var x = Signals.sine(frequencyHz: f, amplitude: 0.5, seconds: 8, sampleRateHz: rate, channels: channels)
      let before = Self.tailRMSDB(x, channels: channels, c: channels - 1)
      var hp = SubsonicHighPass(channels: channels, sampleRateHz: rate)
      hp.process(&x)
      let change = Self.tailRMSDB(x, channels: channels, c: channels - 1) - before
      // Physics: |H|² = (f/fc)⁴ / (1 + (f/fc)⁴) for a 2nd-order Butterworth (bilinear warping is negligible here).
      let analog = 10 * log10(pow(f / 15, 4) / (1 + pow(f / 15, 4)))
      #expect(abs(change - expectedDB) <= tol && abs(change - analog) <= tol, "\(f) Hz at \(rate): \(change) dB")
    }
  }

  @Test("A −20 dBFS DC offset under music leaves a master's DC at or under −70 dBFS (the whole track's mean)",
        arguments: testSampleRates, [1, 2])
  func dcRejection(rate: Int, channels: Int) {
    let tone = Signals.sine(frequencyHz: 440, amplitude: 0.3, seconds: 5, sampleRateHz: rate, channels: channels)
    var x = tone.map { $0 + 0.1 }
    var hp = SubsonicHighPass(channels: channels, sampleRateHz: rate)
    // In blocks, as the renderer feeds it: the state carries over.
    var y: [Float] = []
    var start = 0
    while start < x.count {
      var block = Array(x[start..<min(x.count, start + 4096 * channels)])
      hp.process(&block)
      y += block
      start += 4096 * channels
    }
    x = y
    for c in 0..<channels {
      let mean = stride(from: c, to: x.count, by: channels).reduce(0.0) { $0 + Double(x[$1]) } / Double(x.count / channels)
      #expect(20 * log10(abs(mean)) <= -70, "channel \(c) at \(rate): \(20 * log10(abs(mean))) dBFS")
    }
  }
}
