import DSP
import Foundation
import Testing
import TestSupport

/// Settings and measurements for the multiband tests.
enum MultibandReference {
  /// Default crossovers and per-band defaults, the mid's and the side's bands built by `band`.
  static func settings(mid: (Int) -> CompressorSettings, side: (Int) -> CompressorSettings) -> MultibandCompressorSettings {
    let crossovers = MultibandCompressorSettings.defaultCrossoversHz
    let bands = crossovers.count + 1
    return MultibandCompressorSettings(crossoversHz: crossovers, mid: (0..<bands).map(mid), side: (0..<bands).map(side))
  }

  /// Band defaults at one threshold, with `edit` applied.
  static func band(_ b: Int, threshold: Double, edit: (inout CompressorSettings) -> Void = { _ in }) -> CompressorSettings {
    var s = MultibandCompressorSettings.bandDefaults(
      band: b, of: MultibandCompressorSettings.defaultCrossoversHz.count + 1, thresholdDBFS: threshold)
    edit(&s)
    return s
  }

  /// Runs a fresh multiband compressor over `x` followed by `latencyFrames` of silence, in blocks cycling through
  /// `blocks`; returns the whole output (input frames + latency) and the latency.
  static func compress(
    _ x: [Float], settings: MultibandCompressorSettings, channels: Int, rate: Int, blocks: [Int] = [Int.max]
  ) throws -> (out: [Float], latency: Int, stats: [[CompressorStats]]) {
    var m = try MultibandCompressor(settings: settings, channels: channels, sampleRateHz: rate)
    let latency = m.latencyFrames
    let padded = x + [Float](repeating: 0, count: latency * channels)
    let out = DynamicsReference.stream(padded, channels: channels, blocks: blocks) {
      m.process(&$0, frames: $1, channels: channels)
    }
    return (out, latency, m.stats)
  }

  /// |Σ h[n]·e^(−iωn)| in dB at `frequencyHz`, summed directly in Double.
  static func magnitudeDB(_ h: [Double], frequencyHz: Double, rate: Int) -> Double {
    let w = 2 * Double.pi * frequencyHz / Double(rate)
    var re = 0.0, im = 0.0
    for (n, v) in h.enumerated() where v != 0 {
      re += v * cos(w * Double(n))
      im -= v * sin(w * Double(n))
    }
    return 10 * log10(re * re + im * im)
  }

  /// 61 log-spaced frequencies from 20 Hz to 20 kHz.
  static let frequencies: [Double] = (0...60).map { 20 * pow(1000, Double($0) / 60) }
}

@Suite struct MultibandCompressorTests {
  static let cases = CompressorTests.cases

  @Test("Idle (active, nothing over threshold): the output is the input delayed by latencyFrames, bit for bit", arguments: cases)
  func idleIsDelay(rate: Int, channels: Int) throws {
    var x = Signals.whiteNoise(amplitude: 0.5, seconds: 0.4, sampleRateHz: rate, channels: channels)
    x[1] = -0.0
    let s = MultibandReference.settings(
      mid: { MultibandReference.band($0, threshold: 20) }, side: { MultibandReference.band($0, threshold: 20) })
    let (y, latency, stats) = try MultibandReference.compress(x, settings: s, channels: channels, rate: rate)
    #expect(latency > 0)
    #expect(y.prefix(latency * channels).allSatisfy { $0.bitPattern == 0 })
    #expect(DynamicsReference.bits(Array(y.suffix(from: latency * channels))) == DynamicsReference.bits(x))
    #expect(stats.allSatisfy { $0.allSatisfy { $0.maxGainReductionDB == 0 } })
  }

  @Test("The band split sums flat: +3 dB in every band is +3 dB within ±0.1 dB from 20 Hz to 20 kHz; +6 dB in the lowest band only is +6 dB below, 0 dB above, +3.5 dB at the crossover", arguments: cases)
  func splitIsFlat(rate: Int, channels: Int) throws {
    var impulse = [Float](repeating: 0, count: 16 * channels)
    impulse[0] = 1  // left (or the only channel): both mid and side when stereo
    for (gains, checks) in [
      ([3.0, 3, 3, 3], MultibandReference.frequencies.map { ($0, 3.0, 0.1) }),
      ([6.0, 0, 0, 0], [(20.0, 6.0, 0.1), (50, 6, 0.1), (120, 20 * log10(1.5), 0.2), (500, 0, 0.1), (2000, 0, 0.1), (15000, 0, 0.1)]),
    ] {
      let s = MultibandReference.settings(
        mid: { b in MultibandReference.band(b, threshold: 20) { $0.ratio = 1; $0.makeupGainDB = gains[b] } },
        side: { b in MultibandReference.band(b, threshold: 20) { $0.ratio = 1; $0.makeupGainDB = gains[b] } })
      let m = try MultibandCompressor(settings: s, channels: channels, sampleRateHz: rate)
      let tail = m.latencyFrames + LinearPhaseCrossover.designLength(sampleRateHz: rate)
      let x = impulse + [Float](repeating: 0, count: tail * channels)
      let (y, _, _) = try MultibandReference.compress(x, settings: s, channels: channels, rate: rate)
      for c in 0..<channels {
        let h = (0..<(y.count / channels)).map { Double(y[$0 * channels + c]) }
        for (f, expected, tolerance) in checks {
          // The right channel of a left impulse is the side's minus the mid's: equal gains cancel to silence.
          if c == 1 {
            #expect(h.allSatisfy { abs($0) < 1e-5 }, "right channel of a left impulse at \(gains)")
            break
          }
          let db = MultibandReference.magnitudeDB(h, frequencyHz: f, rate: rate)
          #expect(abs(db - expected) <= tolerance, "gains \(gains): \(db) dB at \(f) Hz, expected \(expected)")
        }
      }
    }
  }

  @Test("Mid/side independence: compressing a loud mid leaves a side below threshold unchanged", arguments: DynamicsReference.rates)
  func midSideIndependence(rate: Int) throws {
    let mid = Signals.sine(frequencyHz: 2000, amplitude: 0.5, seconds: 1, sampleRateHz: rate, channels: 1)
    let side = Signals.sine(frequencyHz: 1300, amplitude: 0.01, seconds: 1, sampleRateHz: rate, channels: 1)
    var x = [Float](repeating: 0, count: 2 * mid.count)
    for i in mid.indices {
      x[2 * i] = mid[i] + side[i]
      x[2 * i + 1] = mid[i] - side[i]
    }
    let s = MultibandReference.settings(
      mid: { b in MultibandReference.band(b, threshold: -40) { $0.ratio = 4 } },
      side: { b in MultibandReference.band(b, threshold: -20) { $0.ratio = 4 } })
    let (y, latency, stats) = try MultibandReference.compress(x, settings: s, channels: 2, rate: rate)
    var sideError = 0.0, midIn = 0.0, midOut = 0.0
    let last = rate * 7 / 10..<mid.count
    for i in mid.indices {
      let o = i + latency
      let outSide = (Double(y[2 * o]) - Double(y[2 * o + 1])) / 2, outMid = (Double(y[2 * o]) + Double(y[2 * o + 1])) / 2
      sideError = max(sideError, abs(outSide - Double(side[i])))
      if last.contains(i) {
        midIn += Double(mid[i]) * Double(mid[i])
        midOut += outMid * outMid
      }
    }
    // 1e-6 is float rounding of L = M + ΔM + S (|L| ≤ 0.51), −80 dB under the side.
    #expect(sideError < 1e-6, "side changed by \(sideError)")
    #expect(10 * log10(midOut / midIn) < -6, "mid gain \(10 * log10(midOut / midIn)) dB")
    #expect(stats[1].allSatisfy { $0.maxGainReductionDB == 0 } && stats[0][2].maxGainReductionDB > 6)
  }

  @Test("Block sizes: 1, 64, 4096 and random sizes give the same output bits and statistics as one block", arguments: cases)
  func blockSizes(rate: Int, channels: Int) throws {
    let tone = Signals.sineSegments(
      frequencyHz: 80, segments: [(-40, 0.1), (-6, 0.2), (-24, 0.1), (-3, 0.1)], sampleRateHz: rate, channels: channels)
    let noise = Signals.whiteNoise(amplitude: 0.2, seconds: 0.5, sampleRateHz: rate, channels: channels)
    let x = zip(tone, noise).map { $0 + $1 }
    let s = MultibandReference.settings(
      mid: { MultibandReference.band($0, threshold: -50) }, side: { MultibandReference.band($0, threshold: -60) })
    let stats = try DynamicsReference.expectSameForEveryBlockSize { blocks in
      let r = try MultibandReference.compress(x, settings: s, channels: channels, rate: rate, blocks: blocks)
      return (r.out, r.stats)
    }
    #expect(stats.allSatisfy { $0.allSatisfy { $0.maxGainReductionDB > 1 } })
  }

  @Test("Amount zero: inactive, no latency, bit-transparent", arguments: cases)
  func amountZero(rate: Int, channels: Int) throws {
    let x = Signals.whiteNoise(amplitude: 0.9, seconds: 0.3, sampleRateHz: rate, channels: channels)
    let s = MultibandReference.settings(
      mid: { MultibandReference.band($0, threshold: -50) { $0.makeupGainDB = 4 } },
      side: { MultibandReference.band($0, threshold: -50) }
    ).withAmount(0)
    #expect(s.isIdentity)
    var m = try MultibandCompressor(settings: s, channels: channels, sampleRateHz: rate)
    #expect(!m.isActive && m.latencyFrames == 0)
    var y = x
    m.process(&y, frames: x.count / channels, channels: channels)
    #expect(DynamicsReference.bits(y) == DynamicsReference.bits(x))
  }

  @Test("Settings the crossover cannot run are refused with one line naming the field")
  func badSettings() {
    let good = MultibandReference.settings(
      mid: { MultibandReference.band($0, threshold: -20) }, side: { MultibandReference.band($0, threshold: -20) })
    #expect(good.problem(sampleRateHz: 44_100) == nil)
    var s = good
    s.crossoversHz = [1000, 120, 6000]
    #expect(s.problem(sampleRateHz: 44_100)?.contains("crossovers") == true)
    s.crossoversHz = [120, 1000, 20000]
    #expect(s.problem(sampleRateHz: 44_100)?.contains("crossovers") == true)
    s = good
    s.side.removeLast()
    #expect(throws: DynamicsSettingsError.self) { _ = try MultibandCompressor(settings: s, channels: 2, sampleRateHz: 48_000) }
    s = good
    s.mid[1].ratio = .infinity
    #expect(s.problem(sampleRateHz: 48_000) == "band 2 mid: compressor ratio must be within 1.0…100.0 (got inf)")
  }
}
