import AudioIO
import CEBUR128
import DSP

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// libebur128 failed where it should not (allocation, an invalid channel layout).
public struct LoudnessMeterError: Error, Sendable, CustomStringConvertible {
  /// The libebur128 function that failed, e.g. "ebur128_init".
  public let call: String
  /// Its return code.
  public let code: Int32
  /// One line naming the call and the code.
  public var description: String { "libebur128 \(call) failed (code \(code))" }
}

/// BS.1770 loudness of one stream through libebur128: integrated, range, momentary and short-term maxima
/// and a short-term series. Owns its `ebur128_state`; one meter per track, one task per meter.
///
/// The audio is fed in 10 ms chunks. After each chunk `ebur128_loudness_window(10 ms)` gives that chunk's
/// K-weighted energy; running windows of 40 and 300 chunks give momentary and short-term loudness every
/// 10 ms. Asking libebur128 for momentary/short-term directly re-sums 400 ms or 3 s of audio on every call,
/// which costs about 4× the whole measurement. The integrated loudness gates the 400 ms blocks made of those
/// energies exactly as `EBUR128_MODE_I` gates its own (equal to 1e-6 LU). In mode I libebur128 would also
/// re-sum 400 ms of audio every 100 ms: 4 more passes over the K-weighted samples, about 10 % of a master's CPU.
/// At rates that are not a multiple of 100 Hz (22.05, 11.025 kHz) 10 ms is not a whole number of frames, so
/// there the meter runs libebur128 in mode I and takes its figure (its own blocks were 0.05 LU off there).
public struct LoudnessMeter: ~Copyable {
  private var state: UnsafeMutablePointer<ebur128_state>
  /// Interleaved channels per frame.
  public let channels: Int
  /// Sample rate of the stream, in Hz.
  public let sampleRateHz: Int
  /// Frames in one 10 ms chunk (libebur128 uses the same rounding for its window).
  private let chunkFrames: Int
  private var framesInChunk = 0
  private var chunkEnergies: EnergyWindows
  private var seriesChunks: Int
  private var series: [Double?] = []
  /// Energies of the 400 ms gating blocks (every 100 ms), as libebur128 gates them: for album loudness.
  private var blockEnergies: [Double] = []
  /// Short-term energies every 100 ms once the 3 s window is full: the input of the loudness range.
  private var shortTermEnergies: [Double] = []
  /// Short-term PSR: the short-term energies paired with the true peaks of the same 3 s (`addTruePeakBlocks`).
  private var psr = ShortTermPSRMeter()
  private var momentaryMaxEnergy = 0.0
  private var shortTermMaxEnergy = 0.0
  /// Whether the integrated loudness comes from this meter's gating of 10 ms energies (rates that are a
  /// multiple of 100 Hz) or from libebur128's mode I.
  private let gatesItself: Bool
  /// Only the integrated loudness is wanted: no maxima, series or range.
  private let integratedOnly: Bool

  /// The interval of the short-term series.
  public static let seriesIntervalSeconds = 1.0

  /// Creates a meter. Channel weights follow BS.1770: `channelMap` when the file has one, otherwise the
  /// usual WAV order for the channel count (the LFE of 5.1/7.1 is left out; surrounds weigh 1.41).
  /// With `integratedOnly`, only `integratedLUFS` is measured (the maxima, the series and the range are skipped).
  public init(
    channels: Int, sampleRateHz: Int, channelMap: [ChannelPosition]? = nil, integratedOnly: Bool = false
  ) throws(LoudnessMeterError) {
    // True peak has its own meter (TruePeakMeter), which interpolates only where the maximum can be.
    // LRA is computed here from 10 Hz short-term values (see `loudnessRange`), not by EBUR128_MODE_LRA.
    // Mode M: libebur128 K-weights and keeps 400 ms of audio; the gating blocks come from its 10 ms energies.
    // Mode I would re-sum 400 ms of audio every 100 ms for blocks this meter already has. At rates that are
    // not a multiple of 100 Hz (22.05 kHz) a 10 ms window is not a whole number of frames, the blocks drift
    // from libebur128's, and mode I's own gating is used instead.
    let gatesItself = sampleRateHz % 100 == 0
    let mode = gatesItself ? EBUR128_MODE_M.rawValue : EBUR128_MODE_I.rawValue
    guard let st = ebur128_init(UInt32(channels), UInt(sampleRateHz), Int32(mode)) else {
      throw LoudnessMeterError(call: "ebur128_init", code: -1)
    }
    let weights = channelMap.map(Self.ebuChannels(map:)) ?? Self.defaultChannels(count: channels)
    for (i, ch) in weights.enumerated() {
      let rc = ebur128_set_channel(st, UInt32(i), Int32(ch.rawValue))
      if rc != Int32(EBUR128_SUCCESS.rawValue) {
        var p: UnsafeMutablePointer<ebur128_state>? = st
        ebur128_destroy(&p)
        throw LoudnessMeterError(call: "ebur128_set_channel", code: rc)
      }
    }
    state = st
    self.channels = channels
    self.sampleRateHz = sampleRateHz
    chunkFrames = Self.chunkFrames(sampleRateHz: sampleRateHz)
    chunkEnergies = EnergyWindows(momentaryChunks: 40, shortTermChunks: 300)
    seriesChunks = Int(Self.seriesIntervalSeconds * 100)
    self.integratedOnly = integratedOnly
    self.gatesItself = gatesItself
  }

  deinit {
    var p: UnsafeMutablePointer<ebur128_state>? = state
    ebur128_destroy(&p)
  }

  /// Frames in one 10 ms chunk at `sampleRateHz` (libebur128 uses the same rounding for its window).
  public static func chunkFrames(sampleRateHz: Int) -> Int { max(1, sampleRateHz * 10 / 1000) }

  /// The energy of −70 LUFS: the absolute gate of BS.1770 (integrated loudness) and EBU Tech 3342 (LRA, PSR).
  public static let absoluteGateEnergy = pow(10, (-70 + 0.691) / 10)

  /// EBU Tech 3342's relative gate, in LU under the power mean of the short-term values above the absolute gate
  /// (LRA, and the short-term PSR gated as LRA is).
  public static let rangeRelativeGateLU = -20.0

  /// The true peaks (linear, the maximum over the channels) of the next 100 ms blocks, from a `TruePeakMeter`
  /// fed the same audio (`ShortTermPSRMeter.blockFrames`): the peaks of the short-term PSR. They may arrive
  /// before or after the audio they belong to.
  public mutating func addTruePeakBlocks(_ peaks: [Float]) { psr.addTruePeakBlocks(peaks) }

  /// The short-term PSR of everything paired so far (`nil` without peaks, or when every window is gated out).
  public var shortTermPSR: ShortTermPSR? { psr.result }

  /// Feeds `frames` interleaved frames. Values must be finite.
  public mutating func add(_ samples: UnsafePointer<Float>, frames: Int) throws(LoudnessMeterError) {
    var offset = 0
    while offset < frames {
      let n = min(frames - offset, chunkFrames - framesInChunk)
      let rc = ebur128_add_frames_float(state, samples + offset * channels, n)
      guard rc == Int32(EBUR128_SUCCESS.rawValue) else {
        throw LoudnessMeterError(call: "ebur128_add_frames_float", code: rc)
      }
      offset += n
      framesInChunk += n
      if framesInChunk == chunkFrames {
        framesInChunk = 0
        closeChunk()
      }
    }
  }

  private mutating func closeChunk() {
    var lufs = 0.0
    ebur128_loudness_window(state, 10, &lufs)
    // loudness = −0.691 + 10·log10(energy) (BS.1770), so energy = 10^((L + 0.691)/10); −∞ gives 0.
    let energy = lufs.isFinite ? pow(10, (lufs + 0.691) / 10) : 0
    chunkEnergies.push(energy)
    if integratedOnly {
      if chunkEnergies.count >= 40 && chunkEnergies.count % 10 == 0 { blockEnergies.append(chunkEnergies.momentaryMean) }
      return
    }
    if chunkEnergies.count >= 40 {
      let m = chunkEnergies.momentaryMean
      momentaryMaxEnergy = max(momentaryMaxEnergy, m)
      if chunkEnergies.count % 10 == 0 { blockEnergies.append(m) }
    }
    if chunkEnergies.count >= 300 {
      let st = chunkEnergies.shortTermMean
      shortTermMaxEnergy = max(shortTermMaxEnergy, st)
      if chunkEnergies.count % 10 == 0 {
        shortTermEnergies.append(st)
        psr.addShortTerm(energy: st)
      }
    }
    if chunkEnergies.count % seriesChunks == 0 {
      series.append(Self.lufs(energy: chunkEnergies.shortTermMeanSoFar))
    }
  }

  /// The 400 ms gating-block energies so far (BS.1770 "z" values, channel-weighted mean squares).
  public var gatingBlockEnergies: [Double] { blockEnergies }

  /// Integrated loudness of the concatenation of several programmes, from their gating blocks (BS.1770-4:
  /// absolute gate −70 LUFS, relative gate 10 LU under the absolute-gated mean). `nil` for silence.
  public static func integratedLoudness(blockEnergies: [[Double]]) -> Double? {
    let absoluteGate = absoluteGateEnergy
    var sum = 0.0, count = 0
    for blocks in blockEnergies { for z in blocks where z >= absoluteGate { sum += z; count += 1 } }
    guard count > 0 else { return nil }
    let relativeGate = sum / Double(count) * 0.1
    var gatedSum = 0.0, gatedCount = 0
    for blocks in blockEnergies { for z in blocks where z >= absoluteGate && z >= relativeGate { gatedSum += z; gatedCount += 1 } }
    return gatedCount > 0 ? -0.691 + 10 * log10(gatedSum / Double(gatedCount)) : nil
  }

  /// Loudness range per EBU Tech 3342 (2016): short-term values at 10 Hz (windows overlapping by 2.9 s),
  /// gated at −70 LUFS and at 20 LU under their power mean, then the 95th minus the 10th percentile
  /// (indices rounded as libebur128 and the Tech 3342 reference code round them).
  ///
  /// libebur128 1.2.6 samples the short-term loudness once per second for LRA, the rate of the 2011 text;
  /// on a 43 s track with deep swells that read 2.4 LU under ffmpeg, which samples at 10 Hz as the 2016
  /// revision requires. The energies are libebur128's own K-weighted ones.
  /// - Returns: `nil` with no short-term value above the gates (silence, or shorter than 3 s).
  public static func loudnessRange(shortTermEnergies: [Double]) -> Double? {
    let absoluteGate = absoluteGateEnergy
    let aboveAbsolute = shortTermEnergies.filter { $0 >= absoluteGate }
    guard !aboveAbsolute.isEmpty else { return nil }
    let relativeGate = aboveAbsolute.reduce(0, +) / Double(aboveAbsolute.count) * pow(10, rangeRelativeGateLU / 10)
    let gated = aboveAbsolute.filter { $0 >= relativeGate }.sorted()
    guard !gated.isEmpty else { return nil }
    let low = gated[Int(Double(gated.count - 1) * 0.10 + 0.5)]
    let high = gated[Int(Double(gated.count - 1) * 0.95 + 0.5)]
    return 10 * log10(high / low)
  }

  private static func lufs(energy: Double) -> Double? {
    energy > 0 ? -0.691 + 10 * log10(energy) : nil
  }

  /// The figures for everything fed so far. Peaks come from the caller: `truePeaks` (linear, per channel)
  /// from a `TruePeakMeter`, `samplePeakDBFS` from the sample statistics.
  public func result(truePeaks: [Double], samplePeakDBFS: Double?) -> LoudnessStats {
    var integratedLUFS: Double? = nil
    if gatesItself {
      integratedLUFS = Self.integratedLoudness(blockEnergies: [blockEnergies])
    } else {
      var lufs = 0.0
      if ebur128_loudness_global(state, &lufs) == Int32(EBUR128_SUCCESS.rawValue) && lufs.isFinite { integratedLUFS = lufs }
    }
    let rangeLU = integratedLUFS == nil ? nil : Self.loudnessRange(shortTermEnergies: shortTermEnergies)
    var stats = LoudnessStats(
      integratedLUFS: integratedLUFS, rangeLU: rangeLU,
      momentaryMaxLUFS: chunkEnergies.count >= 40 ? Self.lufs(energy: momentaryMaxEnergy) : nil,
      shortTermMaxLUFS: chunkEnergies.count >= 300 ? Self.lufs(energy: shortTermMaxEnergy) : nil,
      truePeakDBTP: nil, truePeakPerChannelDBTP: [], samplePeakDBFS: nil,
      shortTermSeries: LoudnessSeries(intervalSeconds: Self.seriesIntervalSeconds, valuesLUFS: series))
    stats.setPeaks(truePeaks: truePeaks, samplePeakDBFS: samplePeakDBFS)
    return stats
  }

  static func defaultChannels(count: Int) -> [channel] {
    let l = EBUR128_LEFT, r = EBUR128_RIGHT, c = EBUR128_CENTER, lfe = EBUR128_UNUSED
    let ls = EBUR128_LEFT_SURROUND, rs = EBUR128_RIGHT_SURROUND
    switch count {
    case 1: return [l]  // mono counts once, as ffmpeg's ebur128 filter does by default
    case 2: return [l, r]
    case 3: return [l, r, c]
    case 4: return [l, r, ls, rs]  // quad
    case 5: return [l, r, c, ls, rs]
    case 6: return [l, r, c, lfe, ls, rs]  // 5.1 in WAV/SMPTE order
    case 7: return [l, r, c, lfe, EBUR128_Mp180, ls, rs]  // 6.1
    default: return [l, r, c, lfe, ls, rs, ls, rs] + Array(repeating: l, count: max(0, count - 8))  // 7.1
    }
  }

  static func ebuChannels(map: [ChannelPosition]) -> [channel] {
    map.map {
      switch $0 {
      case .left, .mono, .other: EBUR128_LEFT
      case .right: EBUR128_RIGHT
      case .center: EBUR128_CENTER
      case .lfe: EBUR128_UNUSED
      case .leftSurround: EBUR128_LEFT_SURROUND
      case .rightSurround: EBUR128_RIGHT_SURROUND
      }
    }
  }
}

extension LoudnessStats {
  /// Puts in the peaks measured beside the loudness: `truePeaks` linear, per channel (from a `TruePeakMeter`),
  /// and `samplePeakDBFS` (from the sample statistics).
  public mutating func setPeaks(truePeaks: [Double], samplePeakDBFS: Double?) {
    let perChannel = truePeaks.map { Decibels.fromAmplitude($0) }
    truePeakDBTP = perChannel.compactMap { $0 }.max()
    truePeakPerChannelDBTP = perChannel
    self.samplePeakDBFS = samplePeakDBFS
  }
}

/// Ring buffers of 10 ms chunk energies with exact sums over the last 40 (momentary) and 300 (short-term) chunks.
/// Summing 340 values per 10 ms is cheaper than anything clever and never drifts.
struct EnergyWindows {
  private var ring: [Double]
  private var next = 0
  private(set) var count = 0
  let momentaryChunks: Int

  init(momentaryChunks: Int, shortTermChunks: Int) {
    self.momentaryChunks = momentaryChunks
    ring = Array(repeating: 0, count: shortTermChunks)
  }

  mutating func push(_ energy: Double) {
    ring[next] = energy
    next = (next + 1) % ring.count
    count += 1
  }

  private func sumOfLast(_ n: Int) -> Double {
    var s = 0.0
    var i = next
    for _ in 0..<n {
      i = i == 0 ? ring.count - 1 : i - 1
      s += ring[i]
    }
    return s
  }

  var momentaryMean: Double { sumOfLast(momentaryChunks) / Double(momentaryChunks) }
  var shortTermMean: Double { sumOfLast(ring.count) / Double(ring.count) }
  /// Mean over the last 300 chunks, or over all chunks so far when fewer.
  var shortTermMeanSoFar: Double {
    let n = min(count, ring.count)
    return n > 0 ? sumOfLast(n) / Double(n) : 0
  }
}
