import Analysis
import Foundation
import Testing
import TestSupport

/// EBU Tech 3341 (loudness, true peak) and Tech 3342 (LRA) conformance, with the standards' tolerances.
@Suite struct LoudnessTests {
  static let minus23 = pow(10, -23.0 / 20)

  @Test("Tech 3341 case 1: a 997 Hz sine at −23 dBFS on L and R reads −23.0 LUFS", arguments: testSampleRates)
  func steadyTone997(rate: Int) throws {
    let x = Signals.sine(frequencyHz: 997, amplitude: Self.minus23, seconds: 20, sampleRateHz: rate)
    let a = try analyzeSignal(x, channels: 2, sampleRateHz: rate)
    let i = try #require(a.loudness.integratedLUFS)
    #expect(abs(i - -23.0) <= 0.05, "I = \(i)")
    // A steady tone: every window reads the same.
    #expect(abs(try #require(a.loudness.momentaryMaxLUFS) - -23.0) <= 0.1)
    #expect(abs(try #require(a.loudness.shortTermMaxLUFS) - -23.0) <= 0.1)
    #expect(abs(try #require(a.loudness.samplePeakDBFS) - -23.0) <= 0.01)
    // A sine's true peak is its amplitude.
    #expect(abs(try #require(a.loudness.truePeakDBTP) - -23.0) <= 0.2)
    #expect(a.loudness.rangeLU.map { $0 < 0.5 } == true)
    // Crest factor of a sine: 20·log10(√2) = 3.01 dB; PLR = TP − I ≈ 0.
    #expect(abs(try #require(a.dynamics.crestDB) - 3.0103) <= 0.02)
    #expect(abs(try #require(a.dynamics.plrDB)) <= 0.2)
  }

  @Test("Tech 3341 case 1 at 1 kHz: −23.0 ± 0.1 LUFS", arguments: testSampleRates)
  func steadyTone1k(rate: Int) throws {
    let x = Signals.sine(frequencyHz: 1000, amplitude: Self.minus23, seconds: 20, sampleRateHz: rate)
    let i = try #require(try analyzeSignal(x, channels: 2, sampleRateHz: rate).loudness.integratedLUFS)
    #expect(abs(i - -23.0) <= 0.1, "I = \(i)")
  }

  @Test("Tech 3341 case 2: 20 s at −26, 20.1 s at −20, 20 s at −26 dBFS reads −23.0 ± 0.1", arguments: testSampleRates)
  func gatedSequence(rate: Int) throws {
    let x = Signals.sineSegments(
      frequencyHz: 1000, segments: [(-26, 20), (-20, 20.1), (-26, 20)], sampleRateHz: rate)
    let a = try analyzeSignal(x, channels: 2, sampleRateHz: rate)
    #expect(abs(try #require(a.loudness.integratedLUFS) - -23.0) <= 0.1)
    // The loudest 400 ms and 3 s windows lie inside the −20 dBFS segment.
    #expect(abs(try #require(a.loudness.momentaryMaxLUFS) - -20.0) <= 0.1)
    #expect(abs(try #require(a.loudness.shortTermMaxLUFS) - -20.0) <= 0.1)
    // The series, one value per second, rises from −26 to −20 and back.
    let series = a.loudness.shortTermSeries.valuesLUFS.compactMap { $0 }
    #expect(a.loudness.shortTermSeries.intervalSeconds == 1.0)
    #expect(series.count == 60)
    #expect(abs(series[10] - -26) <= 0.1 && abs(series[30] - -20) <= 0.1 && abs(series[55] - -26) <= 0.1)
  }

  @Test("Tech 3341: 5.0 with L, R at −28, C at −24, Ls, Rs at −30 dBFS reads −23.0 ± 0.1")
  func fiveChannel() throws {
    let amps = [-28.0, -28, -24, -30, -30].map { pow(10, $0 / 20) }
    let x = Signals.sine(frequencyHz: 1000, seconds: 20, sampleRateHz: 48_000, channelAmplitudes: amps)
    let a = try analyzeSignal(x, channels: 5, sampleRateHz: 48_000)
    #expect(abs(try #require(a.loudness.integratedLUFS) - -23.0) <= 0.1)
  }

  @Test("5.1 leaves the LFE out: the same 5.0 bed plus a loud LFE still reads −23.0 ± 0.1")
  func fivePointOne() throws {
    let amps = [-28.0, -28, -24, -6, -30, -30].map { pow(10, $0 / 20) }
    let x = Signals.sine(frequencyHz: 1000, seconds: 20, sampleRateHz: 48_000, channelAmplitudes: amps)
    let a = try analyzeSignal(x, channels: 6, sampleRateHz: 48_000)
    #expect(abs(try #require(a.loudness.integratedLUFS) - -23.0) <= 0.1)
  }

  @Test("Mono counts once: a −23 dBFS 997 Hz sine in one channel is half the power, −26.0 LUFS", arguments: testSampleRates)
  func mono(rate: Int) throws {
    let x = Signals.sine(frequencyHz: 997, amplitude: Self.minus23, seconds: 10, sampleRateHz: rate, channels: 1)
    let a = try analyzeSignal(x, channels: 1, sampleRateHz: rate)
    #expect(abs(try #require(a.loudness.integratedLUFS) - (-23.0 - 10 * log10(2.0))) <= 0.05)
    #expect(a.stereo.correlation == nil && a.stereo.widthDB == nil && a.stereo.balanceDB == nil)
    #expect(a.spectrum.midLevelsDB == nil && a.spectrum.sideLevelsDB == nil)
    #expect(a.loudness.truePeakPerChannelDBTP.count == 1)
  }

  @Test(
    "Tech 3341 true peak: fs/4 at 45°, 100 ms fades, reads −6.0 and +3.0 dBTP (+0.2/−0.4)",
    arguments: testSampleRates, [(0.5, -6.0), (1.41, 3.0)])
  func truePeak(rate: Int, c: (amplitude: Double, expectedDBTP: Double)) throws {
    let tone = Signals.sine(
      frequencyHz: Double(rate) / 4, amplitude: c.amplitude, phaseDegrees: 45, seconds: 3.2, sampleRateHz: rate)
    let x = Signals.faded(tone, channels: 2, seconds: 0.1, sampleRateHz: rate)
    let a = try analyzeSignal(x, channels: 2, sampleRateHz: rate)
    let tp = try #require(a.loudness.truePeakDBTP)
    #expect(tp <= c.expectedDBTP + 0.2 && tp >= c.expectedDBTP - 0.4, "TP = \(tp)")
    // The samples only reach a·sin(45°): the inter-sample peak is 3 dB above them.
    let sp = try #require(a.loudness.samplePeakDBFS)
    #expect(abs(sp - 20 * log10(c.amplitude * sin(Double.pi / 4))) <= 0.01)
    #expect(a.loudness.truePeakPerChannelDBTP.count == 2)
  }

  @Test(
    "Tech 3342 LRA: −20 then −30 dBFS reads 10 ± 1 LU; −40 then −20 reads 20 ± 1 LU",
    arguments: testSampleRates, [(-20.0, -30.0, 10.0), (-40.0, -20.0, 20.0)])
  func loudnessRange(rate: Int, c: (first: Double, second: Double, expectedLU: Double)) throws {
    let x = Signals.sineSegments(frequencyHz: 1000, segments: [(c.first, 20), (c.second, 20)], sampleRateHz: rate)
    let lra = try #require(try analyzeSignal(x, channels: 2, sampleRateHz: rate).loudness.rangeLU)
    #expect(abs(lra - c.expectedLU) <= 1, "LRA = \(lra)")
  }

  @Test("Silence has no loudness: integrated, range, maxima and true peak are null")
  func silence() throws {
    let a = try analyzeSignal([Float](repeating: 0, count: 48_000 * 5 * 2), channels: 2, sampleRateHz: 48_000)
    #expect(a.loudness.integratedLUFS == nil && a.loudness.rangeLU == nil)
    #expect(a.loudness.momentaryMaxLUFS == nil && a.loudness.shortTermMaxLUFS == nil)
    #expect(a.loudness.truePeakDBTP == nil && a.loudness.samplePeakDBFS == nil)
    #expect(a.loudness.shortTermSeries.valuesLUFS.allSatisfy { $0 == nil })
    #expect(a.stereo.correlation == nil && a.stereo.widthDB == nil)
    #expect(a.dynamics.plrDB == nil && a.dynamics.crestDB == nil)
    #expect(a.defects.leadingSilenceSeconds == 5 && a.defects.trailingSilenceSeconds == 5)
    #expect(a.flags.contains(.noLoudness))
  }

  @Test("Shorter than one 400 ms block: loudness null, everything else measured", arguments: [44_100, 48_000])
  func shortTrack(rate: Int) throws {
    let x = Signals.sine(frequencyHz: 1000, amplitude: 0.5, seconds: 0.3, sampleRateHz: rate)
    let a = try analyzeSignal(x, channels: 2, sampleRateHz: rate)
    #expect(a.loudness.integratedLUFS == nil && a.loudness.momentaryMaxLUFS == nil)
    #expect(abs(try #require(a.loudness.samplePeakDBFS) - 20 * log10(0.5)) <= 0.01)
    #expect(abs(try #require(a.loudness.truePeakDBTP) - 20 * log10(0.5)) <= 0.2)
    #expect(a.spectrum.levelsDB.contains { $0 != nil })
    #expect(abs(try #require(a.stereo.correlation) - 1) < 1e-9)
  }
}

@Suite struct LoudnessRangeStatisticTests {
  static func energy(_ lufs: Double) -> Double { pow(10, (lufs + 0.691) / 10) }

  @Test("LRA is the 95th minus the 10th percentile of the gated short-term values")
  func percentiles() throws {
    // 1001 values evenly from −30 to −10 LUFS: indices 100 and 950 are −28 and −11 LUFS.
    let values = (0...1000).map { Self.energy(-30 + 20 * Double($0) / 1000) }
    let lra = try #require(LoudnessMeter.loudnessRange(shortTermEnergies: values.shuffled()))
    #expect(abs(lra - 17) < 1e-9)
  }

  @Test("Values under −70 LUFS and more than 20 LU under the power mean do not count")
  func gates() throws {
    let steady = Array(repeating: Self.energy(-20), count: 500)
    let quiet = Array(repeating: Self.energy(-45), count: 500)  // under −20 − 20 LU (the mean is ≈ −23)
    let silent = Array(repeating: Self.energy(-80), count: 500)
    #expect(try #require(LoudnessMeter.loudnessRange(shortTermEnergies: steady + quiet + silent)) < 1e-9)
    #expect(LoudnessMeter.loudnessRange(shortTermEnergies: silent) == nil)
    #expect(LoudnessMeter.loudnessRange(shortTermEnergies: []) == nil)
  }
}

@Suite struct RateAndLayoutTests {
  @Test("The reader and meters cover 8 kHz to 384 kHz: a −23 dBFS 997 Hz sine on L and R reads −23.0 LUFS",
        arguments: [8_000, 22_050, 32_000, 88_200, 176_400, 192_000, 384_000])
  func extremeRates(rate: Int) throws {
    let x = Signals.sine(frequencyHz: 997, amplitude: pow(10, -23.0 / 20), seconds: 5, sampleRateHz: rate)
    let a = try analyzeSignal(x, channels: 2, sampleRateHz: rate)
    #expect(a.sampleRate == rate)
    #expect(abs(try #require(a.loudness.integratedLUFS) - -23.0) <= 0.1)
    // At 192 kHz and above libebur128 does not oversample: the true peak is the sample peak.
    #expect(abs(try #require(a.loudness.truePeakDBTP) - -23.0) <= 0.2)
    #expect(a.spectrum.bandCentersHz.last! <= min(20_000, 0.45 * Double(rate)))
  }

  @Test("7.1: the same −23 dBFS sine on all 8 channels weighs L, R, C once, the LFE never, the four surrounds 1.41")
  func sevenPointOne() throws {
    let x = Signals.sine(frequencyHz: 997, amplitude: pow(10, -23.0 / 20), seconds: 5, sampleRateHz: 48_000, channels: 8)
    let a = try analyzeSignal(x, channels: 8, sampleRateHz: 48_000)
    // Stereo (weight 2) reads −23; weight 3 + 4 × 1.41 = 8.64 reads 10·log10(8.64 / 2) dB more.
    let expected = -23.0 + 10 * log10((3 + 4 * 1.41) / 2)
    #expect(abs(try #require(a.loudness.integratedLUFS) - expected) <= 0.1)
    #expect(a.loudness.truePeakPerChannelDBTP.count == 8)
  }
}
