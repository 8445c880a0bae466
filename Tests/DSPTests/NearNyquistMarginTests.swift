import DSP
import Foundation
import Testing
import TestSupport

/// The limiter's ceiling lowered by the content near Nyquist (`NearNyquistMargin`), where reconstruction filters
/// disagree: held by common 16× meters on full-band noise, free on music-like material.
@Suite struct NearNyquistMarginTests {
  /// `frames` of white noise (independent samples: flat to Nyquist) per channel, samples' peak at `level`, with
  /// 512-frame raised-cosine fades.
  static func whiteNoise(frames: Int, channels: Int, level: Double, seed: UInt64 = 11) -> [Float] {
    var rng = SplitMix64(seed: seed)
    var y = (0..<(frames * channels)).map { _ in Double(rng.nextBipolar()) }
    for i in 0..<min(512, frames / 2) {
      let g = 0.5 - 0.5 * cos(.pi * Double(i) / 512)
      for c in 0..<channels {
        y[i * channels + c] *= g
        y[(frames - 1 - i) * channels + c] *= g
      }
    }
    let peak = y.map(abs).max() ?? 1
    return y.map { Float(level * $0 / peak) }
  }

  static func ceilings(_ x: [Float], channels: Int, rate: Int, ceiling: Float, block: Int) -> [Float] {
    var margin = NearNyquistMargin(channels: channels, sampleRateHz: rate)
    var out: [Float] = []
    for start in stride(from: 0, to: x.count / channels, by: block) {
      var piece = [Float](repeating: 0, count: min(block, x.count / channels - start))
      x.withUnsafeBufferPointer { p in
        piece.withUnsafeMutableBufferPointer { o in
          margin.ceilings(p.baseAddress! + start * channels, frames: o.count, ceiling: ceiling, into: o.baseAddress!)
        }
      }
      out += piece
    }
    return out
  }

  @Test("Full-band white noise driven 6 dB over stays under the ceiling by common 16× meters (Kaiser β 5 and β 12)",
        arguments: [44_100, 48_000, 96_000, 192_000], [1, 2])
  func fullBandNoiseHoldsByCommonMeters(rate: Int, channels: Int) {
    let ceilingDBTP = -1.0
    let x = Self.whiteNoise(frames: 16_384, channels: channels, level: pow(10, (ceilingDBTP + 6) / 20))
    let y = limitSignal(x, channels: channels, rate: rate, settings: LimiterSettings(ceilingDBTP: ceilingDBTP), block: 4_096)
    for beta in [5.0, 12.0] {
      let peak = WindowedSincMeter16.peakDBTP(y, channels: channels, kaiserBeta: beta)
      #expect(peak <= ceilingDBTP, "β \(beta) at \(rate) Hz, \(channels) ch: \(peak) dBTP")
    }
    // Not over-limited: by the limiter's own (accurate) reading, within the 0.1 dB margin and 0.8 dB for the noise
    // (white noise has a share of about 0.52: its ceiling is lowered by about 0.55 dB).
    var detector = TruePeakInterpolator(channels: channels, interSampleAtRateHz: rate, refined: true)
    let tail = [Float](repeating: 0, count: detector.historyFrames * channels), padded = y + tail
    var peaks = [Float](repeating: 0, count: padded.count / channels)
    padded.withUnsafeBufferPointer { p in
      peaks.withUnsafeMutableBufferPointer { pk in
        for c in 0..<channels {
          detector.accumulatePeaks(p.baseAddress!, frames: pk.count, channel: c, into: pk.baseAddress!, interpolateAbove: 0)
        }
      }
    }
    let own = 20 * log10(Double(peaks.max() ?? 0))
    #expect(own <= ceilingDBTP && own > ceilingDBTP - 0.9, "accurate reading at \(rate) Hz, \(channels) ch: \(own) dBTP")
  }

  @Test("Sparse noise ticks over a loud bass bed, compressed and driven as a plan did, stay under the ceiling by common 16× meters",
        arguments: [96_000, 192_000])
  func sparseTicksHoldByCommonMeters(rate: Int) throws {
    // A helper's file: 0.7·sin(55 Hz) plus Gaussian noise of σ 0.8, on for 0.5 ms every 45 ms, clipped to ±1 as
    // its 16-bit file was; 2 s, stereo. Its plan: a 2:1 compressor at −31 dBFS, then 5.6 dB of gain, then the
    // limiter at −1 dBTP. With a 50 ms share alone, the master read −0.67 dBTP (β 12) at 192 kHz.
    let frames = 2 * rate, on = rate / 2_000, period = rate * 45 / 1_000
    var rng = SplitMix64(seed: 31)
    func gaussian() -> Double {  // Box–Muller
      let u = max(1e-12, 0.5 + 0.5 * Double(rng.nextBipolar())), v = Double(rng.nextBipolar())
      return (-2 * log(u)).squareRoot() * cos(.pi * v)
    }
    var x = [Float](repeating: 0, count: frames * 2)
    for i in 0..<frames {
      let bed = 0.7 * sin(2 * .pi * 55 * Double(i) / Double(rate))
      for c in 0..<2 { x[i * 2 + c] = Float(max(-1, min(1, bed + (i % period < on ? 0.8 * gaussian() : 0)))) }
    }
    var settings = CompressorSettings(thresholdDBFS: -31)
    settings.attackMS = 10
    settings.detectorMS = 20
    settings.lookaheadMS = 10
    settings.rangeDB = 6
    settings.makeupGainDB = 5.6
    var compressor = try Compressor(settings: settings, channels: 2, sampleRateHz: rate)
    compressor.process(&x, frames: frames, channels: 2)
    let ceilingDBTP = -1.0
    let y = limitSignal(x, channels: 2, rate: rate, settings: LimiterSettings(ceilingDBTP: ceilingDBTP), block: 4_096)
    for beta in [5.0, 12.0] {
      let peak = WindowedSincMeter16.peakDBTP(y, channels: 2, kaiserBeta: beta)
      #expect(peak <= ceilingDBTP, "β \(beta) at \(rate) Hz: \(peak) dBTP")
    }
  }

  @Test("A 1 kHz sine at full scale moves the ceiling by under 0.001 dB; white noise, at any level, by 0.4–0.8 dB",
        arguments: testSampleRates)
  func sizeOfTheMargin(rate: Int) {
    let frames = rate / 2, ceiling: Float = 0.9
    // Faded in over 10 ms, as music starts: a step from silence is broadband.
    let fade = Double(rate) / 100
    let sine = (0..<(frames * 2)).map { i in
      Float(min(1, Double(i / 2) / fade) * sin(2 * .pi * 1000 * Double(i / 2) / Double(rate)))
    }
    let sineDB = Self.ceilings(sine, channels: 2, rate: rate, ceiling: ceiling, block: 1_024).suffix(frames / 2)
      .map { 20 * log10(ceiling / $0) }
    #expect((sineDB.max() ?? 1) < 0.001, "\(sineDB.max() ?? 0) dB")
    // The share, not the level, sets the margin: white noise 40 dB apart is lowered alike.
    for level in [0.9, 0.009] {
      var rng = SplitMix64(seed: 3)
      let noise = (0..<(frames * 2)).map { _ in Float(Double(rng.nextBipolar()) * level) }
      let settled = Self.ceilings(noise, channels: 2, rate: rate, ceiling: ceiling, block: 1_024).suffix(frames / 2)
      let noiseDB = settled.map { 20 * log10(Double(ceiling / $0)) }
      #expect(noiseDB.min()! > 0.4 && noiseDB.max()! < 0.8, "level \(level): \(noiseDB.min()!)…\(noiseDB.max()!) dB")
    }
  }

  @Test("An empty block, first or in the middle, changes nothing in the limiter's output")
  func emptyBlocks() {
    let x = Self.whiteNoise(frames: 4_000, channels: 2, level: 1.2)
    let settings = LimiterSettings(ceilingDBTP: -1)
    let plain = limitSignal(x, channels: 2, rate: 48_000, settings: settings, block: 1_000)
    var limiter = TruePeakLimiter(settings: settings, channels: 2, sampleRateHz: 48_000)
    var out: [Float] = []
    x.withUnsafeBufferPointer { p in
      for start in stride(from: 0, to: 4_000, by: 1_000) {
        limiter.process(p.baseAddress! + start * 2, frames: 0, into: &out)
        limiter.process(p.baseAddress! + start * 2, frames: 1_000, into: &out)
      }
    }
    limiter.finish(into: &out)
    #expect(out == plain)
  }

  @Test("The ceilings are the same for any block size")
  func blockSizeInvariance() {
    let x = Self.whiteNoise(frames: 9_000, channels: 2, level: 0.8)
    let whole = Self.ceilings(x, channels: 2, rate: 48_000, ceiling: 0.9, block: 9_000)
    for block in [1, 7, 480, 4_096] {
      #expect(Self.ceilings(x, channels: 2, rate: 48_000, ceiling: 0.9, block: block) == whole, "block \(block)")
    }
  }
}
