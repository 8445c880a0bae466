import Analysis
import AudioIO
import DSP
import Foundation
import Testing
import TestSupport

@Suite struct SpectrumTests {
  @Test("White noise is flat within ±1 dB across bands, at the level Parseval predicts", arguments: testSampleRates, [1, 2])
  func whiteNoiseIsFlat(rate: Int, channels: Int) throws {
    let amplitude: Float = 0.5
    let x = Signals.whiteNoise(amplitude: amplitude, seconds: 12, sampleRateHz: rate, channels: channels)
    let a = try analyzeSignal(x, channels: channels, sampleRateHz: rate)
    let n = Double(SpectrumMeter.fftLength(sampleRateHz: rate))
    // Uniform noise on ±A has mean square A²/3, spread evenly over N/2 one-sided bins.
    let expected = 10 * log10(Double(amplitude * amplitude) / 3 / (n / 2))
    let levels = a.spectrum.levelsDB.map { try! #require($0) }
    #expect(levels.count == a.spectrum.bandCentersHz.count)
    for (f, l) in zip(a.spectrum.bandCentersHz, levels) {
      #expect(abs(l - expected) <= 1.0, "band \(f) Hz: \(l) dB, expected \(expected)")
    }
    // 20 Hz up to 20 kHz or 0.45·fs.
    #expect(abs(a.spectrum.bandCentersHz.first! - 1000 * pow(2, -34.0 / 6)) < 1e-9)  // 19.69 Hz
    #expect(a.spectrum.bandCentersHz.last! <= min(20_000, 0.45 * Double(rate)))
    if channels == 2 {
      // Independent channels: mid and side each carry half the power (−3 dB).
      for (m, s) in zip(a.spectrum.midLevelsDB!, a.spectrum.sideLevelsDB!) {
        #expect(abs(m! - (expected - 3.01)) <= 1.0 && abs(s! - (expected - 3.01)) <= 1.0)
      }
    }
    #expect(abs(try #require(a.spectrum.tiltDB)) <= 1.0)
  }

  @Test("A sine lands in its band", arguments: testSampleRates, [63.0, 250, 1000, 4000, 12_500])
  func sineLandsInItsBand(rate: Int, frequencyHz: Double) throws {
    let x = Signals.sine(frequencyHz: frequencyHz, amplitude: 0.5, seconds: 3, sampleRateHz: rate)
    let a = try analyzeSignal(x, channels: 2, sampleRateHz: rate)
    let levels = a.spectrum.levelsDB.map { $0 ?? -.infinity }
    let loudest = a.spectrum.bandCentersHz[levels.indices.max { levels[$0] < levels[$1] }!]
    #expect(FractionalOctaveBands.nearestIndex(frequencyHz: loudest) == FractionalOctaveBands.nearestIndex(frequencyHz: frequencyHz))
    // A tone identical on L and R is all mid: the side spectrum is empty.
    #expect(a.spectrum.sideLevelsDB!.allSatisfy { $0 == nil })
  }

  @Test("Silent frames are left out of the average")
  func silenceDoesNotTilt() throws {
    let rate = 48_000
    let noise = Signals.whiteNoise(amplitude: 0.5, seconds: 6, sampleRateHz: rate)
    let padded = [Float](repeating: 0, count: rate * 2 * 6) + noise + [Float](repeating: 0, count: rate * 2 * 6)
    let a = try analyzeSignal(noise, channels: 2, sampleRateHz: rate)
    let b = try analyzeSignal(padded, channels: 2, sampleRateHz: rate)
    // The frames that straddle the edges still count, so allow a little; 12 s of silence counted would be −4.8 dB.
    for (x, y) in zip(a.spectrum.levelsDB, b.spectrum.levelsDB) { #expect(abs(x! - y!) <= 0.5) }
  }
}

@Suite struct StereoTests {
  @Test("Correlation: +1 for mono, 0 for independent noise, −1 for an inverted channel", arguments: testSampleRates)
  func correlation(rate: Int) throws {
    let mono = Signals.whiteNoise(seconds: 4, sampleRateHz: rate, channels: 1)
    let dual = mono.flatMap { [$0, $0] }
    let inverted = mono.flatMap { [$0, -$0] }
    let independent = Signals.whiteNoise(seconds: 4, sampleRateHz: rate, channels: 2)
    let d = try analyzeSignal(dual, channels: 2, sampleRateHz: rate)
    let i = try analyzeSignal(inverted, channels: 2, sampleRateHz: rate)
    let n = try analyzeSignal(independent, channels: 2, sampleRateHz: rate)
    #expect(abs(try #require(d.stereo.correlation) - 1) < 1e-9)
    #expect(abs(try #require(i.stereo.correlation) + 1) < 1e-9)
    #expect(abs(try #require(n.stereo.correlation)) < 0.01)
    // Width: dual mono has no side (null); side-only has no mid (the +150 dB cap); independent noise 0 dB.
    #expect(d.stereo.widthDB == nil)
    #expect(try #require(i.stereo.widthDB) >= 100)
    #expect(abs(try #require(n.stereo.widthDB)) < 0.1)
    #expect(i.flags.contains(.phase) && !d.flags.contains(.phase))
  }

  @Test("Width from known M/S: side at a fixed ratio to mid reads that ratio in dB", arguments: [-20.0, -6, 0, 6])
  func widthFromMidSide(ratioDB: Double) throws {
    let rate = 48_000
    let m = Signals.whiteNoise(seconds: 4, sampleRateHz: rate, channels: 1, seed: 1)
    let s = Signals.whiteNoise(seconds: 4, sampleRateHz: rate, channels: 1, seed: 2)
    let g = Float(pow(10, ratioDB / 20))
    let x = zip(m, s).flatMap { m, s in [m + g * s, m - g * s] }
    let w = try #require(try analyzeSignal(x, channels: 2, sampleRateHz: rate).stereo.widthDB)
    #expect(abs(w - ratioDB) <= 0.1, "width \(w)")
  }

  @Test("A DC offset is not stereo image: the same figures with 0.3 added to both channels, or to one", arguments: [-6.0, 0])
  func offsetIsNotImage(ratioDB: Double) throws {
    let rate = 48_000
    let m = Signals.whiteNoise(amplitude: 0.3, seconds: 4, sampleRateHz: rate, channels: 1, seed: 1)
    let s = Signals.whiteNoise(amplitude: 0.3, seconds: 4, sampleRateHz: rate, channels: 1, seed: 2)
    let g = Float(pow(10, ratioDB / 20))
    let x = zip(m, s).flatMap { m, s in [m + g * s, m - g * s] }
    let plain = try analyzeSignal(x, channels: 2, sampleRateHz: rate).stereo
    for offsets: [Float] in [[0.3, 0.3], [0.3, 0]] {
      let y = x.enumerated().map { i, v in v + offsets[i % 2] }
      let dc = try analyzeSignal(y, channels: 2, sampleRateHz: rate).stereo
      #expect(abs(try #require(dc.widthDB) - (try #require(plain.widthDB))) < 0.01)
      #expect(abs(try #require(dc.correlation) - (try #require(plain.correlation))) < 1e-3)
      #expect(abs(try #require(dc.balanceDB) - (try #require(plain.balanceDB))) < 0.01)
    }
  }

  @Test("Balance: L at −20 dBFS and R at −26 dBFS leans 6 dB left", arguments: [44_100, 96_000])
  func balance(rate: Int) throws {
    let x = Signals.sine(
      frequencyHz: 440, seconds: 2, sampleRateHz: rate, channelAmplitudes: [pow(10, -20.0 / 20), pow(10, -26.0 / 20)])
    let a = try analyzeSignal(x, channels: 2, sampleRateHz: rate)
    #expect(abs(try #require(a.stereo.balanceDB) - 6) <= 0.01)
    #expect(a.flags.contains(.imbalance))
  }
}

@Suite struct DefectTests {
  @Test("Clipping: runs of ≥ 3 samples at full scale count; shorter ones and other channels do not", arguments: [1, 2])
  func clippingRuns(channels: Int) throws {
    let rate = 48_000
    var x = Signals.sine(frequencyHz: 100, amplitude: 0.5, seconds: 1, sampleRateHz: rate, channels: channels)
    // Runs on channel 0 of lengths 3, 4 and 10 (one across the 8192-frame block boundary), and 2 (too short).
    for (start, length) in [(1000, 3), (5000, 4), (8188, 10), (20_000, 2)] {
      for i in start..<(start + length) { x[i * channels] = i % 2 == 0 ? 1.0 : -1.0 }
    }
    let d = try analyzeSignal(x, channels: channels, sampleRateHz: rate).defects
    #expect(d.clippedRuns == 3)
    #expect(d.clippedSamples == 17)
  }

  @Test("DC offset: a sine over whole cycles plus 0.01 reads −40 dBFS on that channel only", arguments: [1, 2, 4, 6, 8])
  func dcOffset(channels: Int) throws {
    let rate = 48_000
    var x = Signals.sine(frequencyHz: 100, amplitude: 0.3, seconds: 2, sampleRateHz: rate, channels: channels)
    // On the last channel: with 2, 4 and 8 channels the samples are summed 8 at a time, lane by lane.
    let offsetChannel = channels - 1
    for i in stride(from: offsetChannel, to: x.count, by: channels) { x[i] += 0.01 }
    let d = try analyzeSignal(x, channels: channels, sampleRateHz: rate).defects
    for c in 0..<channels {
      if c == offsetChannel {
        #expect(abs(try #require(d.dcOffsetDBFS[c]) - -40) <= 0.05)
      } else {
        #expect(try #require(d.dcOffsetDBFS[c]) < -100, "channel \(c)")
      }
    }
  }

  @Test("Leading and trailing silence are timed to the sample", arguments: testSampleRates)
  func silenceAtTheEnds(rate: Int) throws {
    let tone = Signals.sine(frequencyHz: 440, amplitude: 0.5, seconds: 3, sampleRateHz: rate)
    // A square-ish start and end so the first and last loud samples are exact: pad with zeros.
    let lead = [Float](repeating: 0, count: Int(1.5 * Double(rate)) * 2)
    let tail = [Float](repeating: 0, count: Int(2.25 * Double(rate)) * 2)
    let d = try analyzeSignal(lead + tone + tail, channels: 2, sampleRateHz: rate).defects
    // The sine starts at phase 0: the first sample at ≥ −60 dBFS comes a few samples in.
    let firstLoud = Double(asin(0.001 / 0.5) / (2 * .pi * 440) * Double(rate)).rounded(.up)
    #expect(abs(d.leadingSilenceSeconds - (1.5 + firstLoud / Double(rate))) <= 1.0 / Double(rate))
    #expect(abs(d.trailingSilenceSeconds - 2.25) <= 3.0 / Double(rate))
  }

  @Test("NaN and ±Inf are counted and measured as zero")
  func nonFinite() throws {
    let rate = 48_000
    let clean = Signals.sine(frequencyHz: 997, amplitude: pow(10, -23.0 / 20), seconds: 5, sampleRateHz: rate)
    var dirty = clean
    for i in stride(from: 1000, to: 1100, by: 1) { dirty[i] = .nan }
    for i in stride(from: 50_000, to: 50_050, by: 1) { dirty[i] = i % 2 == 0 ? .infinity : -.infinity }
    let a = try analyzeSignal(clean, channels: 2, sampleRateHz: rate)
    let b = try analyzeSignal(dirty, channels: 2, sampleRateHz: rate)
    #expect(b.defects.nonFiniteSamples == 150)
    #expect(abs(try #require(b.loudness.integratedLUFS) - (try #require(a.loudness.integratedLUFS))) <= 0.01)
    // Zeroed samples inside a sine are a step; its inter-sample overshoot may lift the true peak a little,
    // but nothing non-finite reaches the meters.
    let tp = try #require(b.loudness.truePeakDBTP)
    #expect(tp >= -23.2 && tp <= -21)
    #expect(b.spectrum.levelsDB.allSatisfy { $0.map { $0.isFinite } ?? true })
    #expect(b.flags.contains(.nonFinite))
  }
}
