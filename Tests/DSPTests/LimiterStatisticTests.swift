import DSP
import Foundation
import Testing

/// The limiting statistic and its time series against an independent reading of the same run: the gain the
/// limiter applied, recovered from its input and output alone (their ratio; the output is aligned with the
/// input, its latency removed), then counted as `LimiterStats` defines its figures.
@Suite struct LimiterStatisticTests {
  /// A 997 Hz sine: 10 s at −20 dBFS with four bursts 6 dB over a −1 dBTP ceiling, filling `burstShare` of the
  /// time. Each burst rises and falls over 2 ms (raised cosine) just outside its span: a step would overshoot
  /// between samples and read deeper than 6 dB.
  static func bursts(rate: Int, channels: Int, burstShare: Double) -> [Float] {
    let frames = rate * 10, burst = Int(Double(frames) * burstShare / 4), ramp = rate / 500
    let starts = burst > 0 ? (0..<4).map { $0 * frames / 4 + frames / 8 } : []
    let low = pow(10, -20 / 20.0), high = pow(10, (-1 + 6) / 20.0)
    var x = [Float](repeating: 0, count: frames * channels)
    for i in 0..<frames {
      // How far into the nearest burst: 1 inside, a raised cosine over the ramps, 0 away from it.
      let w = starts.map { s -> Double in
        let d = i < s ? s - i : max(0, i - (s + burst - 1))
        return d >= ramp ? 0 : 0.5 + 0.5 * cos(Double.pi * Double(d) / Double(ramp))
      }.max() ?? 0
      let v = Float((low + (high - low) * w) * sin(2 * Double.pi * 997 * Double(i) / Double(rate)))
      for c in 0..<channels { x[i * channels + c] = v }
    }
    return x
  }

  /// Per frame, the largest |sample| of the first channel within ± half a period of the 997 Hz tone.
  static func envelope(_ x: [Float], channels: Int, rate: Int) -> [Double] {
    let frames = x.count / channels, half = rate / 997 / 2 + 1
    let a = (0..<frames).map { Double(abs(x[$0 * channels])) }
    return (0..<frames).map { i in a[max(0, i - half)...min(frames - 1, i + half)].max() ?? 0 }
  }

  /// The independent reading: the gain reduction per frame in dB, −20·log10(out/in) of the aligned samples where
  /// the input is at least half its envelope (every channel carries the tone), linearly interpolated across the
  /// zero crossings between them.
  static func reduction(input: [Float], output: [Float], channels: Int, rate: Int) -> [Double] {
    let env = envelope(input, channels: channels, rate: rate), frames = env.count
    var known: [(frame: Int, db: Double)] = []
    for i in 0..<frames where abs(Double(input[i * channels])) >= 0.5 * env[i] && input[i * channels] != 0 {
      known.append((i, max(0, -20 * log10(Double(output[i * channels]) / Double(input[i * channels])))))
    }
    guard let first = known.first, let last = known.last else { return [] }
    var gr = [Double](repeating: first.db, count: frames)
    for (a, b) in zip(known, known.dropFirst()) {
      for i in a.frame..<b.frame { gr[i] = a.db + (b.db - a.db) * Double(i - a.frame) / Double(b.frame - a.frame) }
    }
    for i in last.frame..<frames { gr[i] = last.db }
    return gr
  }

  @Test("p99, time over 1 and 3 dB, the deepest reduction and the 100 ms series match the gain recovered from input and output",
        arguments: [44_100, 48_000, 96_000], [1, 2])
  func statisticMatchesTheAppliedGain(rate: Int, channels: Int) throws {
    for share in [0.02, 0.005, 0] {
      let x = Self.bursts(rate: rate, channels: channels, burstShare: share)
      var limiter = TruePeakLimiter(settings: LimiterSettings(ceilingDBTP: -1), channels: channels, sampleRateHz: rate)
      var out: [Float] = []
      x.withUnsafeBufferPointer { limiter.process($0.baseAddress!, frames: x.count / channels, into: &out) }
      limiter.finish(into: &out)
      try #require(out.count == x.count)
      let gr = Self.reduction(input: x, output: out, channels: channels, rate: rate)
      let s = limiter.stats, frames = Double(gr.count)
      let sorted = gr.sorted()
      // The value exceeded by 1 % of the frames; the limiter reports the upper edge of its 0.1 dB bin.
      let p99 = sorted[Int((0.99 * frames).rounded(.down))]
      let label = "\(rate) Hz, \(channels) ch, bursts \(share * 100) %"
      #expect(s.p99GainReductionDB >= p99 - 0.05 && s.p99GainReductionDB <= p99 + 0.15, "\(label): p99 \(s.p99GainReductionDB), recovered \(p99)")
      // Interpolation across a zero crossing can move each of the 8 burst edges by a few frames.
      let blur = 8.0 * Double(rate / 997 / 3 + 2) / frames
      for (db, reported) in [(1.0, s.over1DBShare), (3.0, s.over3DBShare)] {
        let recovered = Double(gr.filter { $0 > db }.count) / frames
        #expect(abs(reported - recovered) <= blur, "\(label): over \(db) dB \(reported), recovered \(recovered)")
      }
      #expect(abs(s.maxGainReductionDB - (sorted.last ?? 0)) <= 0.05, "\(label): max \(s.maxGainReductionDB)")
      if share > 0 {
        // The bursts are 6 dB over the ceiling, and the limiter aims 0.1 dB under it.
        #expect(abs(s.maxGainReductionDB - 6.1) <= 0.1, "\(label): max \(s.maxGainReductionDB)")
        #expect(s.over3DBShare >= share * 0.98, "\(label): over 3 dB \(s.over3DBShare)")
      } else {
        #expect(s.p99GainReductionDB == 0 && s.maxGainReductionDB == 0 && s.over1DBShare == 0)
      }
      // One value per 100 ms: the deepest reduction within it.
      let step = rate / 10
      #expect(s.gainReductionDB.count == 100 && abs(s.intervalSeconds - 0.1) < 1e-9)
      for (k, v) in s.gainReductionDB.enumerated() {
        let recovered = gr[k * step..<min(gr.count, (k + 1) * step)].max() ?? 0
        #expect(abs(v - recovered) <= 0.1, "\(label): interval \(k): \(v), recovered \(recovered)")
      }
    }
  }
}
