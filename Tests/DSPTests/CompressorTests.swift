import DSP
import Foundation
import Testing
import TestSupport

/// Reference formulas and measurements for the dynamics tests, written from the papers and from physics, never
/// with the code under test (the signals come from TestSupport's `Signals`).
enum DynamicsReference {
  static let rates = [44_100, 48_000, 96_000]
  static let channelCounts = [1, 2]

  /// Giannoulis, Massberg and Reiss (2012), eq. 4: the output level of the soft-knee curve for input level x, dB.
  static func softKneeOutputDB(_ x: Double, thresholdDB t: Double, ratio r: Double, kneeDB w: Double) -> Double {
    if 2 * (x - t) < -w { return x }
    if w > 0 && 2 * abs(x - t) <= w { return x + (1 / r - 1) * (x - t + w / 2) * (x - t + w / 2) / (2 * w) }
    return t + (x - t) / r
  }

  /// The level a sine of `peakDBFS` on every channel reads as mean square summed over channels: peak − 3.01 dB
  /// for one channel, + 10·log10(channels).
  static func sineLevelDB(peakDBFS: Double, channels: Int) -> Double {
    peakDBFS + 10 * log10(0.5) + 10 * log10(Double(channels))
  }

  /// Block sizes cycled through by `blocks(_:)` for the "random" case: seeded, 1…5000 frames.
  static func randomBlocks(seed: UInt64) -> [Int] {
    var rng = SplitMix64(seed: seed)
    return (0..<64).map { _ in 1 + Int((rng.nextBipolar() * 0.5 + 0.5) * 4999) }
  }

  /// The block-size cases of every streaming test: one block, 1, 64, 4096 frames, random sizes.
  static let blockCases: [[Int]] = [[Int.max], [1], [64], [4096], randomBlocks(seed: 14)]

  /// Runs a fresh compressor over `x` in blocks cycling through `blocks`.
  static func compress(
    _ x: [Float], settings: CompressorSettings, channels: Int, rate: Int, blocks: [Int] = [Int.max]
  ) throws -> (out: [Float], stats: CompressorStats) {
    var c = try Compressor(settings: settings, channels: channels, sampleRateHz: rate)
    let out = stream(x, channels: channels, blocks: blocks) { c.process(&$0, frames: $1, channels: channels) }
    return (out, c.stats)
  }

  /// Cuts `x` into blocks of the cycled sizes, calls `process(block, frames)` on each and joins the results.
  static func stream(_ x: [Float], channels: Int, blocks: [Int], process: (inout [Float], Int) -> Void) -> [Float] {
    let frames = x.count / channels
    var out: [Float] = []
    out.reserveCapacity(x.count)
    var i = 0, k = 0
    while i < frames {
      let n = min(blocks[k % blocks.count], frames - i)
      var block = Array(x[(i * channels)..<((i + n) * channels)])
      process(&block, n)
      out.append(contentsOf: block)
      i += n
      k += 1
    }
    return out
  }

  /// 10·log10 of the output over the input energy of channel `c` over frames `range`.
  static func gainDB(_ y: [Float], over x: [Float], channels: Int, channel c: Int = 0, frames range: Range<Int>) -> Double {
    var ey = 0.0, ex = 0.0
    for i in range {
      ey += Double(y[i * channels + c]) * Double(y[i * channels + c])
      ex += Double(x[i * channels + c]) * Double(x[i * channels + c])
    }
    return 10 * log10(ey / ex)
  }

  /// The instantaneous gain y/x in dB of channel 0 at every frame where |x| ≥ `minimum` (away from zero crossings).
  static func gainEnvelope(_ y: [Float], over x: [Float], channels: Int, minimum: Float) -> [(frame: Int, db: Double)] {
    (0..<(x.count / channels)).compactMap { i in
      let a = x[i * channels], b = y[i * channels]
      return abs(a) >= minimum ? (i, 20 * log10(Double(b) / Double(a))) : nil
    }
  }

  /// The time constant, in ms, of the gain's approach to `finalDB` after `startFrame`, from `startDB`: ln of the
  /// remaining share d = (g − final)/(start − final) fitted against time by least squares over the points from
  /// the first with d ≤ 0.4 to the first with d < 0.05 (the exponential tail, past the detector's own lag).
  static func timeConstantMS(
    _ envelope: [(frame: Int, db: Double)], startFrame: Int, endFrame: Int, startDB: Double, finalDB: Double, rate: Int
  ) -> Double? {
    var ts: [Double] = [], ls: [Double] = []
    var started = false
    for (n, g) in envelope where n >= startFrame && n < endFrame {
      let d = (g - finalDB) / (startDB - finalDB)
      if !started && d <= 0.4 { started = true }
      if started && d < 0.05 { break }
      if started && d > 0 {
        ts.append(Double(n - startFrame) / Double(rate))
        ls.append(log(d))
      }
    }
    guard ts.count > 10 else { return nil }
    let mt = ts.reduce(0, +) / Double(ts.count), ml = ls.reduce(0, +) / Double(ls.count)
    var sxy = 0.0, sxx = 0.0
    for (t, l) in zip(ts, ls) {
      sxy += (t - mt) * (l - ml)
      sxx += (t - mt) * (t - mt)
    }
    let slope = sxy / sxx
    return slope < 0 ? -1000 / slope : nil
  }

  /// Mean of the envelope's dB over frames `range`.
  static func meanDB(_ envelope: [(frame: Int, db: Double)], frames range: Range<Int>) -> Double {
    let v = envelope.filter { range.contains($0.frame) }.map(\.db)
    return v.reduce(0, +) / Double(max(1, v.count))
  }

  static func bits(_ x: [Float]) -> [UInt32] { x.map(\.bitPattern) }

  /// The constant of the witness channel: quiet enough never to move the detector.
  static let witness: Float = 0.001

  /// Stereo frames: `loud` on the left, the constant `witness` on the right, whose output is the gain itself.
  static func withWitness(_ loud: [Float]) -> [Float] {
    var x = [Float](repeating: witness, count: 2 * loud.count)
    for (i, v) in loud.enumerated() { x[2 * i] = v }
    return x
  }

  /// Runs `run` with one block, then with every other case of `blockCases`, and expects the same output bits and
  /// statistics each time; returns the statistics.
  static func expectSameForEveryBlockSize<Stats: Equatable>(_ run: ([Int]) throws -> (out: [Float], stats: Stats)) rethrows -> Stats {
    let reference = try run(blockCases[0])
    for blocks in blockCases.dropFirst() {
      let other = try run(blocks)
      #expect(bits(other.out) == bits(reference.out), "blocks \(blocks.prefix(3))")
      #expect(other.stats == reference.stats)
    }
    return reference.stats
  }
}

@Suite struct CompressorTests {
  static let cases = DynamicsReference.rates.flatMap { r in DynamicsReference.channelCounts.map { (r, $0) } }

  @Test("Static curve: a 1 kHz sine at −40…0 dBFS follows threshold, ratio, knee and makeup within ±0.3 dB", arguments: cases)
  func staticCurve(rate: Int, channels: Int) throws {
    // (threshold, ratio, knee, makeup)
    for (t, r, w, makeup) in [(-20.0, 2.0, 6.0, 0.0), (-30.0, 4.0, 10.0, 2.0), (-12.0, 1.5, 0.0, 0.0)] {
      var s = CompressorSettings(thresholdDBFS: t)
      s.ratio = r
      s.kneeDB = w
      s.makeupGainDB = makeup
      for peak in stride(from: -40.0, through: 0, by: 2) {
        let x = Signals.sine(
          frequencyHz: 1000, amplitude: pow(10, peak / 20), seconds: 0.6, sampleRateHz: rate, channels: channels)
        let (y, _) = try DynamicsReference.compress(x, settings: s, channels: channels, rate: rate)
        let frames = x.count / channels
        let measured = DynamicsReference.gainDB(y, over: x, channels: channels, frames: (frames - rate / 10)..<frames)
        let level = DynamicsReference.sineLevelDB(peakDBFS: peak, channels: channels)
        let expected = DynamicsReference.softKneeOutputDB(level, thresholdDB: t, ratio: r, kneeDB: w) - level + makeup
        #expect(abs(measured - expected) <= 0.3, "T \(t) R \(r) W \(w) at \(peak) dBFS: \(measured) dB, expected \(expected)")
      }
    }
  }

  @Test("Time constants: attack and release measured on +10 dB tone bursts are within ±15 % of the settings", arguments: cases)
  func timeConstants(rate: Int, channels: Int) throws {
    for (attack, release) in [(20.0, 200.0), (30.0, 300.0)] {
      var s = CompressorSettings(thresholdDBFS: -40)
      s.attackMS = attack
      s.releaseMS = release
      // Both levels above the knee: the static gain steps by 10 × (1 − 1/2) = 5 dB.
      let x = Signals.sineSegments(
        frequencyHz: 1000, segments: [(-25, 0.6), (-15, 0.6), (-25, 2.4)], sampleRateHz: rate, channels: channels)
      let (y, _) = try DynamicsReference.compress(x, settings: s, channels: channels, rate: rate)
      let env = DynamicsReference.gainEnvelope(y, over: x, channels: channels, minimum: Float(pow(10, -25.0 / 20) * 0.5))
      let up = Int(0.6 * Double(rate)), down = Int(1.2 * Double(rate)), end = x.count / channels, tail = rate / 20
      let quiet = DynamicsReference.meanDB(env, frames: (up - tail)..<up)
      let loud = DynamicsReference.meanDB(env, frames: (down - tail)..<down)
      let settled = DynamicsReference.meanDB(env, frames: (end - tail)..<end)
      #expect(abs((quiet - loud) - 5) < 0.3 && abs(settled - quiet) < 0.05, "steps \(quiet) → \(loud) → \(settled) dB")
      let a = DynamicsReference.timeConstantMS(env, startFrame: up, endFrame: down, startDB: quiet, finalDB: loud, rate: rate)
      let r = DynamicsReference.timeConstantMS(env, startFrame: down, endFrame: end, startDB: loud, finalDB: settled, rate: rate)
      #expect(a.map { abs($0 / attack - 1) <= 0.15 } == true, "attack \(attack) ms measured \(String(describing: a))")
      #expect(r.map { abs($0 / release - 1) <= 0.15 } == true, "release \(release) ms measured \(String(describing: r))")
    }
  }

  @Test("Linked stereo: a constant quiet witness channel gets the same gain as the loud channel", arguments: DynamicsReference.rates)
  func linkedStereo(rate: Int) throws {
    let loud = Signals.sineSegments(
      frequencyHz: 1000, segments: [(-40, 0.3), (-6, 0.4), (-20, 0.5), (0, 0.3)], sampleRateHz: rate, channels: 1)
    let x = DynamicsReference.withWitness(loud)
    let witness = DynamicsReference.witness
    var s = CompressorSettings(thresholdDBFS: -30)
    s.ratio = 3
    let (y, stats) = try DynamicsReference.compress(x, settings: s, channels: 2, rate: rate)
    var worst = 0.0, lowest = 1.0
    for i in loud.indices where abs(loud[i]) >= 0.05 {
      let g0 = Double(y[2 * i]) / Double(x[2 * i]), g1 = Double(y[2 * i + 1]) / Double(witness)
      worst = max(worst, abs(g0 - g1) / g1)
      lowest = min(lowest, g1)
    }
    #expect(worst < 1e-5, "largest relative difference between the channels' gains: \(worst)")
    #expect(20 * log10(lowest) < -8 && stats.maxGainReductionDB > 8, "it compressed: \(20 * log10(lowest)) dB")
  }

  /// A sine's x² is a constant plus a component at twice its frequency; put that component 30 Hz off the 7th
  /// multiple of the segment rate (fs/K, K = 64 frames, 128 at 96 kHz) and a detector that only averaged each
  /// segment would see it folded to 30 Hz, attenuated by the mean's sinc alone (≈ −45 dB): measured with such a
  /// detector, 0.0010–0.0012 dB of gain wobble peak to peak at 2:1 and 5 ms. Smoothed per frame first, the fold is
  /// 90 dB down: 0.00001 dB.
  @Test("Anti-aliased detector: a steady tone whose x² sits near a multiple of the segment rate gets a steady gain", arguments: DynamicsReference.rates)
  func detectorDoesNotAlias(rate: Int) throws {
    let segmentFrames = rate >= 88_200 ? 128 : 64
    let toneHz = (7 * Double(rate) / Double(segmentFrames) + 30) / 2
    let loud = Signals.sineSegments(frequencyHz: toneHz, segments: [(-6, 2.0)], sampleRateHz: rate, channels: 1)
    let x = DynamicsReference.withWitness(loud)
    let witness = DynamicsReference.witness
    var s = CompressorSettings(thresholdDBFS: -20)
    s.detectorMS = 5
    let (y, stats) = try DynamicsReference.compress(x, settings: s, channels: 2, rate: rate)
    let gainsDB = (loud.count / 2..<loud.count).map { 20 * log10(Double(y[2 * $0 + 1]) / Double(witness)) }
    let spreadDB = gainsDB.max()! - gainsDB.min()!
    #expect(stats.maxGainReductionDB > 3, "it compressed: \(stats.maxGainReductionDB) dB")
    #expect(spreadDB < 0.0002, "gain wobble over the last second: \(spreadDB) dB peak to peak")
  }

  @Test("Block sizes: 1, 64, 4096 and random sizes give the same output bits and statistics as one block", arguments: cases)
  func blockSizes(rate: Int, channels: Int) throws {
    let tone = Signals.sineSegments(
      frequencyHz: 1000, segments: [(-40, 0.2), (-6, 0.3), (-24, 0.2), (0, 0.3)], sampleRateHz: rate, channels: channels)
    let noise = Signals.whiteNoise(amplitude: 0.05, seconds: 1, sampleRateHz: rate, channels: channels)
    let x = zip(tone, noise).map { $0 + $1 }
    var s = CompressorSettings(thresholdDBFS: -30)
    s.makeupGainDB = 3
    let stats = try DynamicsReference.expectSameForEveryBlockSize { blocks in
      try DynamicsReference.compress(x, settings: s, channels: channels, rate: rate, blocks: blocks)
    }
    #expect(stats.maxGainReductionDB > 5)
  }

  @Test("Amount zero, ratio 1 without makeup, or a signal below the knee: bit-transparent", arguments: cases)
  func transparent(rate: Int, channels: Int) throws {
    var x = Signals.whiteNoise(amplitude: 0.8, seconds: 0.5, sampleRateHz: rate, channels: channels)
    x[3] = -0.0  // a negative zero must come out as it went in
    var heavy = CompressorSettings(thresholdDBFS: -60)
    heavy.ratio = 10
    heavy.makeupGainDB = 6
    heavy.amount = 0
    var unity = CompressorSettings(thresholdDBFS: -60)
    unity.ratio = 1
    #expect(heavy.isIdentity && unity.isIdentity)
    for s in [heavy, unity] {
      let c = try Compressor(settings: s, channels: channels, sampleRateHz: rate)
      #expect(!c.isActive)
      let (y, stats) = try DynamicsReference.compress(x, settings: s, channels: channels, rate: rate)
      #expect(DynamicsReference.bits(y) == DynamicsReference.bits(x) && stats.maxGainReductionDB == 0)
    }
    // Active, but the signal stays below the knee: every gain is exactly 1.
    let quiet = x.map { $0 * 0.01 }
    let idle = CompressorSettings(thresholdDBFS: -10)
    let (y, stats) = try DynamicsReference.compress(quiet, settings: idle, channels: channels, rate: rate)
    #expect(DynamicsReference.bits(y) == DynamicsReference.bits(quiet) && stats.maxGainReductionDB == 0)
  }

  @Test("Statistics: the gain reduction series has one value per ~100 ms, its maximum is the maximum")
  func statistics() throws {
    let rate = 48_000
    let x = Signals.sineSegments(frequencyHz: 1000, segments: [(-40, 1), (-6, 1), (-40, 1)], sampleRateHz: rate, channels: 2)
    let (_, stats) = try DynamicsReference.compress(x, settings: CompressorSettings(thresholdDBFS: -20), channels: 2, rate: rate)
    #expect(abs(stats.intervalSeconds - 0.1) < 0.002)
    #expect(abs(Double(stats.gainReductionDB.count) * stats.intervalSeconds - 3) < 0.1)
    #expect(stats.gainReductionDB.max() == stats.maxGainReductionDB)
    // Static reduction at −6 dBFS peak on two channels (level −6 dB): (−6 + 20) × (1 − 1/2) = 7 dB.
    #expect(abs(stats.maxGainReductionDB - 7) < 0.1)
    #expect(stats.gainReductionDB.prefix(9).allSatisfy { $0 == 0 } && stats.gainReductionDB[15] > 6.9)
  }

  @Test("Settings out of range are refused with a one-line message naming the field")
  func badSettings() {
    var s = CompressorSettings(thresholdDBFS: -20)
    s.ratio = 0.5
    #expect(throws: DynamicsSettingsError.self) { try Compressor(settings: s, channels: 2, sampleRateHz: 48_000) }
    #expect(s.problem?.contains("ratio") == true)
    s.ratio = 2
    s.attackMS = .nan
    #expect(s.problem?.contains("attackMS") == true)
  }

  @Test("Speed note: 10 minutes of 48 kHz stereo through each block (prints x-realtime; asserts only correctness)")
  func speedNote() throws {
    let rate = 48_000, seconds = 600, block = 4096
    let tone = Signals.sineSegments(
      frequencyHz: 1000, segments: [(-30, 0.25), (-6, 0.25), (-18, 0.25), (-3, 0.25)], sampleRateHz: rate, channels: 2)
    let noise = Signals.whiteNoise(amplitude: 0.1, seconds: 1, sampleRateHz: rate, channels: 2)
    let second = zip(tone, noise).map { $0 + $1 }
    var wide = try Compressor(settings: CompressorSettings(thresholdDBFS: -24), channels: 2, sampleRateHz: rate)
    let bands = MultibandCompressorSettings.defaultCrossoversHz.count + 1
    let per = (0..<bands).map { MultibandCompressorSettings.bandDefaults(band: $0, of: bands, thresholdDBFS: -30) }
    var multi = try MultibandCompressor(
      settings: MultibandCompressorSettings(crossoversHz: MultibandCompressorSettings.defaultCrossoversHz, mid: per, side: per),
      channels: 2, sampleRateHz: rate)
    var work = [Float](repeating: 0, count: block * 2)
    var finite = true
    // This thread's CPU time: other tests run in parallel on the same cores.
    func cpuSeconds() -> Double {
      var t = timespec()
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
      return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
    func time(_ body: (inout [Float], Int) -> Void) -> Double {
      let start = cpuSeconds()
      var fed = 0
      while fed < seconds * rate {
        let offset = fed % rate, n = min(block, rate - offset)
        work.withUnsafeMutableBufferPointer { w in
          second.withUnsafeBufferPointer { s in w.baseAddress!.update(from: s.baseAddress! + 2 * offset, count: 2 * n) }
        }
        body(&work, n)
        fed += n
      }
      finite = finite && work.allSatisfy(\.isFinite)
      return cpuSeconds() - start
    }
    let baseline = time { _, _ in }
    let wideSeconds = time { wide.process(&$0, frames: $1, channels: 2) }
    let multiSeconds = time { multi.process(&$0, frames: $1, channels: 2) }
    print(String(format: "dynamics speed, 10 min 48 kHz stereo, thread CPU time: copy loop %.2f s; wideband %.1f× realtime (%.2f s); multiband %.1f× realtime (%.2f s)",
      baseline, Double(seconds) / max(1e-9, wideSeconds - baseline), wideSeconds - baseline,
      Double(seconds) / max(1e-9, multiSeconds - baseline), multiSeconds - baseline))
    #expect(finite && wide.stats.maxGainReductionDB > 3 && multi.stats[0].contains { $0.maxGainReductionDB > 1 })
  }
}
