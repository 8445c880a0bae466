import Analysis
import AudioIO
import DSP
import Foundation
import Synthesis
import Testing
import TestSupport

/// Short-term PSR (peak to short-term loudness ratio), PLR, crest and LRA, held to answers known from physics:
/// BS.1770's K-weighting evaluated at 1 kHz, a sine's true peak, and the energy a click can add.
@Suite struct MicroDynamicsTests {
  /// −20 dBFS peak.
  static let amplitude = 0.1
  static let channelCounts = [1, 2]

  /// |K(f)| of BS.1770's K-weighting (the two biquads the standard gives for 48 kHz), as a gain.
  static func kWeightingGain(frequencyHz f: Double) -> Double {
    let w = 2 * Double.pi * f / 48_000
    func biquad(_ b: [Double], _ a: [Double]) -> Double {
      // |Σ b_k e^{−jkw}| / |Σ a_k e^{−jkw}|
      func mag(_ c: [Double]) -> Double {
        var re = 0.0, im = 0.0
        for (k, v) in c.enumerated() {
          re += v * cos(Double(k) * w)
          im -= v * sin(Double(k) * w)
        }
        return (re * re + im * im).squareRoot()
      }
      return mag(b) / mag(a)
    }
    let shelf = biquad([1.53512485958697, -2.69169618940638, 1.19839281085285], [1, -1.69065929318241, 0.73248077421585])
    let highPass = biquad([1, -2, 1], [1, -1.99004745483398, 0.99007225036621])
    return shelf * highPass
  }

  /// The short-term loudness of a steady sine of `amplitude` at `frequencyHz` on `channels` front channels:
  /// −0.691 + 10·log10(channels · |K|² · a²/2) (BS.1770).
  static func sineLoudnessLUFS(amplitude a: Double, frequencyHz: Double, channels: Int) -> Double {
    let k = kWeightingGain(frequencyHz: frequencyHz)
    return -0.691 + 10 * log10(Double(channels) * k * k * a * a / 2)
  }

  static func sine(rate: Int, channels: Int, seconds: Double = 12, amplitude: Double = amplitude) -> [Float] {
    Signals.sine(frequencyHz: 1000, amplitude: amplitude, seconds: seconds, sampleRateHz: rate, channels: channels)
  }

  @Test("A steady 1 kHz sine: PSR = its true peak minus its BS.1770 loudness, in every window", arguments: testSampleRates, channelCounts)
  func steadySine(rate: Int, channels: Int) throws {
    let a = try analyzeSignal(Self.sine(rate: rate, channels: channels), channels: channels, sampleRateHz: rate)
    let loudness = Self.sineLoudnessLUFS(amplitude: Self.amplitude, frequencyHz: 1000, channels: channels)
    // K at 1 kHz is +0.698 dB, so mono reads −23.004 LUFS and stereo −19.993 LUFS.
    #expect(abs(loudness - (channels == 1 ? -23.0036 : -19.9933)) < 0.001)
    // libebur128 agrees. It designs its filters per rate from analog prototypes: at 1 kHz they match the
    // standard's 48 kHz coefficients at 48 kHz, read 0.003 LU higher at 44.1 kHz and 0.017 LU lower at 96 kHz.
    let shortTermMax = try #require(a.loudness.shortTermMaxLUFS)
    #expect(abs(shortTermMax - loudness) <= (rate == 96_000 ? 0.02 : 0.004), "\(shortTermMax) vs \(loudness)")
    // The true peak of a sine is its amplitude: −20 dBTP (the 4× interpolator is flat to 0.01 dB at 1 kHz).
    let truePeak = try #require(a.loudness.truePeakDBTP)
    #expect(abs(truePeak - -20) <= 0.01, "TP \(truePeak)")
    let expected = -20 - loudness  // 3.004 dB mono, −0.007 dB stereo
    let d = a.dynamics
    let median = try #require(d.psrMedianDB), p10 = try #require(d.psrP10DB), p90 = try #require(d.psrP90DB)
    #expect(abs(median - expected) <= (rate == 96_000 ? 0.025 : 0.008), "PSR \(median), expected \(expected)")
    // Against the measured peak and libebur128's own short-term loudness: every window reads the same.
    #expect(abs(median - (truePeak - shortTermMax)) <= 0.002, "PSR \(median) vs \(truePeak - shortTermMax)")
    #expect(p10 <= median && median <= p90 && p90 - p10 <= 0.01, "p10 \(p10) p90 \(p90)")
    // PLR of a steady sine equals its PSR (the integrated loudness is the short-term loudness); crest is 3.01 dB;
    // a steady tone has no loudness range.
    #expect(abs(try #require(d.plrDB) - median) <= 0.02)
    #expect(abs(try #require(d.crestDB) - 3.0103) <= 0.02)
    #expect(try #require(a.loudness.rangeLU) < 0.1)
  }

  @Test("Full-scale clicks every second raise the PSR by the 20 dB they add to the peak, less what they add to the loudness", arguments: testSampleRates, channelCounts)
  func clicks(rate: Int, channels: Int) throws {
    var x = Self.sine(rate: rate, channels: channels)
    // At whole seconds a 1 kHz sine is at a zero crossing: the click sample is exactly 1.0 (0 dBFS). Every
    // 3 s window holds exactly three clicks.
    for second in stride(from: 0, to: x.count / channels, by: rate) {
      for c in 0..<channels { x[second * channels + c] = 1 }
    }
    let plain = try analyzeSignal(Self.sine(rate: rate, channels: channels), channels: channels, sampleRateHz: rate)
    let clicked = try analyzeSignal(x, channels: channels, sampleRateHz: rate)
    let rise = try #require(clicked.dynamics.psrMedianDB) - #require(plain.dynamics.psrMedianDB)
    // Peak: the 4× interpolator's phase 0 is the sample itself (1.0); its other phases reach at most
    // 0.90 · 1 + (1.864 − 0.90) · 0.1 < 1, so each window's true peak is exactly 0 dBTP, 20 dB over the sine.
    #expect(try #require(clicked.loudness.truePeakDBTP) == 0)
    // Loudness: a click's K-weighted energy is at most max|K|² = 2.54 (+4.04 dB, Parseval) per channel, against the
    // sine's 3 s · rate · |K(1 kHz)|² · a²/2, so the loudness rises by at most 10·log10(1 + that ratio):
    // 0.043 dB at 44.1 kHz, less at higher rates.
    let k = Self.kWeightingGain(frequencyHz: 1000)
    let sineEnergy = 3 * Double(rate) * k * k * Self.amplitude * Self.amplitude / 2
    let loudnessRiseBound = 10 * log10(1 + 3 * 2.54 / sineEnergy)
    #expect(loudnessRiseBound < 0.05)
    #expect(rise <= 20 + 0.02 && rise >= 20 - loudnessRiseBound - 0.02, "rise \(rise), bound \(loudnessRiseBound)")
    // Clicks barely move the integrated loudness, so PLR rises by the same 20 dB; the crest factor too.
    let plrRise = try #require(clicked.dynamics.plrDB) - #require(plain.dynamics.plrDB)
    #expect(abs(plrRise - rise) <= 0.05)
    #expect(try #require(clicked.dynamics.crestDB) > 22.9)
  }

  @Test("Silence, audio under −70 LUFS and tracks shorter than 3 s have no PSR", arguments: testSampleRates, channelCounts)
  func noPSR(rate: Int, channels: Int) throws {
    let silence = [Float](repeating: 0, count: 5 * rate * channels)
    // −80 dBFS peak: about −83 LUFS mono, −80 LUFS stereo, under the absolute gate.
    let whisper = Self.sine(rate: rate, channels: channels, seconds: 5, amplitude: 1e-4)
    let short = Self.sine(rate: rate, channels: channels, seconds: 2.9)
    for (name, x) in [("silence", silence), ("whisper", whisper), ("short", short)] {
      let d = try analyzeSignal(x, channels: channels, sampleRateHz: rate).dynamics
      #expect(d.psrMedianDB == nil && d.psrP10DB == nil && d.psrP90DB == nil, "\(name)")
    }
    // 3 s exactly: one window.
    let one = try analyzeSignal(Self.sine(rate: rate, channels: channels, seconds: 3), channels: channels, sampleRateHz: rate)
    #expect(one.dynamics.psrMedianDB != nil)
  }

  /// Music with a level envelope: loud and quiet seconds, so the gates and the percentiles have work to do.
  static func music(rate: Int, channels: Int, seconds: Double = 12) -> [Float] {
    var gen = MusicGenerator(style: TrackStyle(seed: 5, gainDB: -3), sampleRateHz: rate, durationSeconds: seconds)
    var stereo = [Float](repeating: 0, count: gen.durationFrames * 2)
    _ = stereo.withUnsafeMutableBufferPointer { gen.render(into: $0.baseAddress!, frames: gen.durationFrames) }
    var out = [Float](repeating: 0, count: gen.durationFrames * channels)
    for i in 0..<gen.durationFrames {
      let g: Float = (i / rate) % 4 == 3 ? 0.1 : 1
      for c in 0..<channels { out[i * channels + c] = g * stereo[i * 2 + c] }
    }
    return out
  }

  /// Feeds `x` to fresh meters in blocks of `block` frames.
  static func measure(_ x: [Float], channels: Int, rate: Int, block: Int) throws -> TrackAnalysis {
    let info = AudioFileInfo(
      sampleRate: rate, channels: channels, frames: Int64(x.count / channels), format: .init(container: .wav, encoding: .float32))
    var meters = try TrackMeters(info: info)
    var copy = x
    let frames = x.count / channels
    copy.withUnsafeMutableBufferPointer { p in
      var i = 0
      while i < frames {
        let n = min(block, frames - i)
        meters.add(p.baseAddress! + i * channels, frames: n)
        i += n
      }
    }
    return try meters.result(file: "x", info: info)
  }

  @Test("The PSR is the same for any block size, and the same measured inline as read from a file", arguments: testSampleRates, channelCounts)
  func blockSizes(rate: Int, channels: Int) throws {
    let x = Self.music(rate: rate, channels: channels)
    let reference = try analyzeSignal(x, channels: channels, sampleRateHz: rate).dynamics
    let median = try #require(reference.psrMedianDB)
    #expect(try #require(reference.psrP10DB) < median && median < (try #require(reference.psrP90DB)))
    // (RMS and crest are sums in block order, equal only to rounding; the PSR is exactly equal.)
    func psr(_ d: DynamicsStats) -> [Double?] { [d.psrMedianDB, d.psrP10DB, d.psrP90DB] }
    for block in [8192, 4410, 1000, 333] {
      let d = try Self.measure(x, channels: channels, rate: rate, block: block).dynamics
      #expect(psr(d) == psr(reference), "block \(block): \(psr(d)) vs \(psr(reference))")
    }
    // The verification of a master: the same meters on a thread of their own, fed in odd pieces.
    let meters = BackgroundMeters(
      info: AudioFileInfo(sampleRate: rate, channels: channels, frames: 0, format: .init(container: .wav, encoding: .float32)),
      file: "x")
    var i = 0
    while i < x.count {
      let n = min(777 * channels, x.count - i)
      meters.feed(Array(x[i..<(i + n)]))
      i += n
    }
    #expect(psr(try meters.finish().dynamics) == psr(reference))
  }

  @Test("Measuring block peaks leaves the track's true peak bit-identical to libebur128 interpolating every sample", arguments: testSampleRates, channelCounts)
  func blockPeaksKeepTruePeak(rate: Int, channels: Int) throws {
    let x = Self.music(rate: rate, channels: channels, seconds: 8)
    var withBlocks = try TruePeakMeter(
      channels: channels, sampleRateHz: rate, blockFrames: ShortTermPSRMeter.blockFrames(sampleRateHz: rate))
    var exact = try TruePeakMeter(channels: channels, sampleRateHz: rate, exhaustive: true)
    var blocks: [Float] = []
    x.withUnsafeBufferPointer { p in
      let frames = x.count / channels
      var i = 0
      while i < frames {
        let n = min(1000, frames - i)
        withBlocks.add(p.baseAddress! + i * channels, frames: n)
        exact.add(p.baseAddress! + i * channels, frames: n)
        blocks += withBlocks.takeBlockPeaks()
        i += n
      }
    }
    let peaks = withBlocks.finish()
    blocks += withBlocks.takeBlockPeaks()
    #expect(peaks == exact.finish())
    // 80 whole blocks of 100 ms; the loudest of them is the track's true peak (to Float precision).
    #expect(blocks.count == 80)
    let loudest = Double(blocks.max() ?? 0), peak = peaks.max() ?? 0
    #expect(abs(loudest - peak) <= 2e-5 * peak, "\(loudest) vs \(peak)")
  }

  @Test("Memory does not grow with length: the meter holds the same values after 1 000 and 300 000 windows")
  func constantState() {
    var meter = ShortTermPSRMeter()
    var rng = SplitMix64(seed: 3)
    var sizes: [Int] = []
    for window in 1...300_000 {
      // Peaks run ahead of the loudness by 40 blocks, as when the analyzer's queue is full.
      meter.addTruePeakBlocks([0.5 + 0.5 * abs(rng.nextBipolar())])
      if window > 40 {
        // −30…−20 LUFS (all above the relative gate): every row that will ever be used is used early.
        let lufs = -25 + 5 * Double(rng.nextBipolar())
        meter.addShortTerm(energy: pow(10, (lufs + 0.691) / 10))
      }
      if window == 1_000 || window == 300_000 { sizes.append(meter.storedValues) }
    }
    #expect(sizes.count == 2 && sizes[0] == sizes[1], "\(sizes)")
    #expect(meter.result.map { $0.windows } == 300_000 - 40)
  }

  @Test("The histogram's percentiles and gates match the exact statistics within one 0.1 dB column")
  func histogramAgainstExact() throws {
    var meter = ShortTermPSRMeter()
    var rng = SplitMix64(seed: 9)
    // Every block peaks at 1.0 (0 dBTP), so a window's PSR is minus its loudness.
    meter.addTruePeakBlocks(Array(repeating: 1, count: 29))
    var loudness: [Double] = []
    for i in 0..<6000 {
      // Music-like values, a quiet passage under the relative gate and a silent one under the absolute gate.
      let lufs = i % 10 == 0 ? -60 : i % 10 == 1 ? -80 : -18 + 6 * Double(rng.nextBipolar()) * abs(Double(rng.nextBipolar()))
      loudness.append(lufs)
      meter.addTruePeakBlocks([1])
      meter.addShortTerm(energy: pow(10, (lufs + 0.691) / 10))
    }
    // Exactly, as EBU Tech 3342 gates LRA: −70 LUFS, then 20 LU under the power mean of what passed.
    let passed = loudness.filter { $0 >= -70 }
    let mean = passed.map { pow(10, ($0 + 0.691) / 10) }.reduce(0, +) / Double(passed.count)
    let gate = -0.691 + 10 * log10(mean) - 20
    #expect(gate > -60 && gate < -30)
    let values = passed.filter { $0 >= gate }.map { -$0 }.sorted()
    func percentile(_ p: Double) -> Double {
      let x = p * Double(values.count - 1)
      let lo = Int(x.rounded(.down)), hi = Int(x.rounded(.up))
      return values[lo] + (values[hi] - values[lo]) * (x - Double(lo))
    }
    let r = try #require(meter.result)
    #expect(r.windows == values.count)
    #expect(abs(r.medianDB - percentile(0.5)) <= 0.1, "\(r.medianDB) vs \(percentile(0.5))")
    #expect(abs(r.p10DB - percentile(0.1)) <= 0.1, "\(r.p10DB) vs \(percentile(0.1))")
    #expect(abs(r.p90DB - percentile(0.9)) <= 0.1, "\(r.p90DB) vs \(percentile(0.9))")
  }

  @Test("analysis.json written before PSR existed still loads: the missing keys read as nil")
  func oldFilesDecode() throws {
    let now = DynamicsStats(plrDB: 10, crestDB: 12, rmsDBFS: -15, psrMedianDB: 9, psrP10DB: 7, psrP90DB: 11)
    let json = try JSONEncoder().encode(now)
    var object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
    #expect(object["psrMedianDB"] as? Double == 9 && object["psrP10DB"] as? Double == 7 && object["psrP90DB"] as? Double == 11)
    #expect(try JSONDecoder().decode(DynamicsStats.self, from: json) == now)
    for key in ["psrMedianDB", "psrP10DB", "psrP90DB"] { object[key] = nil }
    let old = try JSONDecoder().decode(DynamicsStats.self, from: JSONSerialization.data(withJSONObject: object))
    #expect(old == DynamicsStats(plrDB: 10, crestDB: 12, rmsDBFS: -15))
    // Silence is written as explicit nulls, as every other missing value.
    let silent = String(decoding: try JSONEncoder().encode(DynamicsStats(plrDB: nil, crestDB: nil, rmsDBFS: nil)), as: UTF8.self)
    #expect(silent.contains("\"psrMedianDB\":null"))
  }
}
