#if canImport(Glibc)
  import Glibc
#endif

/// Settings of the multiband compressor: the crossovers and, per band from low to high, one compressor for the
/// mid and one for the side.
public struct MultibandCompressorSettings: Sendable, Hashable, Codable {
  /// Crossover frequencies in Hz, ascending: 2 or 3 of them, for 3 or 4 bands.
  public var crossoversHz: [Double]
  /// Per band, the mid's compressor (on a mono or multichannel stream: every channel's, unlinked).
  public var mid: [CompressorSettings]
  /// Per band, the side's compressor (stereo only).
  public var side: [CompressorSettings]

  /// The default crossovers: lows, low mids, mids and presence, highs.
  public static let defaultCrossoversHz: [Double] = [120, 1000, 6000]
  /// Lowest crossover allowed (its transition must stay well above the design's 12 Hz bins).
  public static let lowestCrossoverHz = 40.0

  /// Settings from explicit crossovers and per-band compressors.
  public init(crossoversHz: [Double], mid: [CompressorSettings], side: [CompressorSettings]) {
    self.crossoversHz = crossoversHz
    self.mid = mid
    self.side = side
  }

  /// Default settings of band `band` of `bands` at a threshold: time constants slower in the lows (as master_me's
  /// multiband compressor), from 40/400 ms attack/release with a 20 ms detector in the lowest band to 10/100 ms
  /// with 5 ms in the highest, log-spaced between.
  public static func bandDefaults(band: Int, of bands: Int, thresholdDBFS: Double) -> CompressorSettings {
    let t = bands > 1 ? Double(band) / Double(bands - 1) : 0
    func between(_ low: Double, _ high: Double) -> Double { low * pow(high / low, t) }
    var s = CompressorSettings(thresholdDBFS: thresholdDBFS)
    s.attackMS = between(40, 10)
    s.releaseMS = between(400, 100)
    s.detectorMS = between(20, 5)
    return s
  }

  /// Whether no band of either component can change a sample (the stage can then be skipped).
  public var isIdentity: Bool { mid.allSatisfy(\.isIdentity) && side.allSatisfy(\.isIdentity) }

  /// A copy with every band's `amount` set to `amount`.
  public func withAmount(_ amount: Double) -> Self {
    var s = self
    for b in s.mid.indices { s.mid[b].amount = amount }
    for b in s.side.indices { s.side[b].amount = amount }
    return s
  }

  /// The highest crossover a rate allows: the top lowpass's transition ends below Nyquist.
  public static func highestCrossoverHz(sampleRateHz: Int) -> Double {
    Double(sampleRateHz) / 2 / pow(2, LinearPhaseCrossover.transitionOctaves / 2)
  }

  /// Why these settings cannot be run at `sampleRateHz` (one line, naming the field), or nil when they can.
  public func problem(sampleRateHz: Int) -> String? {
    guard (2...3).contains(crossoversHz.count) else {
      return "multiband compressor needs 2 or 3 crossovers (got \(crossoversHz.count))"
    }
    guard mid.count == crossoversHz.count + 1, side.count == mid.count else {
      return "multiband compressor needs one mid and one side setting per band (\(crossoversHz.count + 1) bands)"
    }
    // The top lowpass's transition ends below Nyquist.
    let highest = Self.highestCrossoverHz(sampleRateHz: sampleRateHz)
    var previous = Self.lowestCrossoverHz
    for (i, f) in crossoversHz.enumerated() {
      guard f.isFinite, f >= previous, f < highest, i == 0 || f > previous else {
        return "multiband crossovers must ascend within \(Self.lowestCrossoverHz)…\(Int(highest)) Hz (got \(crossoversHz))"
      }
      previous = f
    }
    if (mid + side).contains(where: { ($0.lookaheadMS ?? 0) > 0 }) {
      return "multiband compressor bands take no look-ahead (the crossover's delay already leads them)"
    }
    for (b, s) in mid.enumerated() { if let p = s.problem { return "band \(b + 1) mid: \(p)" } }
    for (b, s) in side.enumerated() { if let p = s.problem { return "band \(b + 1) side: \(p)" } }
    return nil
  }
}

/// A 3–4 band compressor on mid and side (stereo) or on each channel (otherwise), over a linear-phase
/// complementary split (`LinearPhaseCrossover`), streaming in place with a fixed latency.
///
/// Each band of each component has its own `Compressor` (detector on the band signal). The output is the input
/// delayed by `latencyFrames` plus Σ (g_b − 1)·band_b per component, decoded back (L = M + S, R = M − S): when no
/// band's gain differs from 1 the output is the delayed input bit for bit. The bands are zero-phase about their
/// common delay, so gains of 1 everywhere reproduce the input exactly and any set of constant gains gives a
/// linear-phase (symmetric) response. `latencyFrames` = crossover delay + one hop (the frames waiting for an FFT
/// block); the renderer drops that many frames at the start and feeds as many zeros at the end. With
/// `isActive` false, `process` returns at once and the latency is 0.
public struct MultibandCompressor: InPlaceDynamics, ~Copyable {
  /// Interleaved channels per frame.
  public let channels: Int
  /// The settings it runs with.
  public let settings: MultibandCompressorSettings
  /// Whether it can change a sample; when false `process` returns at once.
  public let isActive: Bool
  private let midSide: Bool
  private var crossover: LinearPhaseCrossover
  /// Index component × bands + band.
  private var compressors: [Compressor]
  private let componentActive: [Bool]
  private let bandScratch: UnsafeMutablePointer<Float>
  private let changes: UnsafeMutablePointer<Float>
  /// The input waiting to go out, frame `lineFirstIndex` first.
  private var line: [Float]
  private var lineHead = 0
  private var lineFrames: Int
  private var lineFirstIndex: Int
  private var hopsDone = 0

  /// A multiband compressor for `channels` at `sampleRateHz`, or the first problem of `settings`.
  public init(settings: MultibandCompressorSettings, channels: Int, sampleRateHz: Int) throws(DynamicsSettingsError) {
    if let problem = settings.problem(sampleRateHz: sampleRateHz) { throw DynamicsSettingsError(problem) }
    guard channels >= 1 else { throw DynamicsSettingsError("multiband compressor needs at least one channel") }
    let components = channels
    var compressors: [Compressor] = []
    var active: [Bool] = []
    for c in 0..<components {
      let perBand = channels == 2 && c == 1 ? settings.side : settings.mid
      for s in perBand { compressors.append(try Compressor(settings: s, channels: 1, sampleRateHz: sampleRateHz)) }
      active.append(perBand.contains { !$0.isIdentity })
    }
    self.channels = channels
    self.settings = settings
    midSide = channels == 2
    self.compressors = compressors
    componentActive = active
    isActive = active.contains(true)
    crossover = LinearPhaseCrossover(crossoversHz: settings.crossoversHz, components: components, sampleRateHz: sampleRateHz)
    let hop = crossover.hop
    bandScratch = .allocate(capacity: hop)
    changes = .allocate(capacity: components * hop)
    lineFrames = crossover.groupDelayFrames + hop - 1
    lineFirstIndex = -lineFrames
    line = Array(repeating: 0, count: 4 * (lineFrames + hop) * channels)
  }

  deinit {
    bandScratch.deallocate()
    changes.deallocate()
  }

  /// Frames between input and output: the crossover's delay plus one hop less a frame; 0 when inactive.
  public var latencyFrames: Int { isActive ? crossover.groupDelayFrames + crossover.hop - 1 : 0 }

  /// Per component (mid, side; or channel) and band, what its compressor did so far.
  public var stats: [[CompressorStats]] {
    let bands = settings.mid.count
    return (0..<channels).map { c in (0..<bands).map { compressors[c * bands + $0].stats } }
  }

  /// What every band did, merged: the deepest reduction of any band, per interval and in all.
  public var mergedStats: CompressorStats {
    let all = stats.flatMap { $0 }
    var series: [Double] = []
    for s in all {
      for (i, v) in s.gainReductionDB.enumerated() {
        if i < series.count { series[i] = max(series[i], v) } else { series.append(v) }
      }
    }
    return CompressorStats(
      maxGainReductionDB: all.map(\.maxGainReductionDB).max() ?? 0, intervalSeconds: all.first?.intervalSeconds ?? 0.1,
      gainReductionDB: series)
  }

  /// Compresses `frames` interleaved frames at `samples` in place; the result lags the input by `latencyFrames`.
  public mutating func process(_ samples: UnsafeMutablePointer<Float>, frames: Int) {
    guard isActive else { return }
    let ch = channels
    var done = 0
    while done < frames {
      let p = samples + done * ch
      let take = crossover.append(p, frames: frames - done, channels: ch, midSide: midSide)
      pushLine(p, frames: take)
      if crossover.isFull { runHop() }
      // Out: the oldest frames of the line (the input `latencyFrames` ago, with its changes added).
      line.withUnsafeBufferPointer { l in p.update(from: l.baseAddress! + lineHead * ch, count: take * ch) }
      lineHead += take
      lineFrames -= take
      lineFirstIndex += take
      done += take
    }
  }

  private mutating func pushLine(_ p: UnsafePointer<Float>, frames: Int) {
    let ch = channels
    if (lineHead + lineFrames + frames) * ch > line.count {
      line.withUnsafeMutableBufferPointer { l in
        l.baseAddress!.update(from: l.baseAddress! + lineHead * ch, count: lineFrames * ch)
      }
      lineHead = 0
    }
    line.withUnsafeMutableBufferPointer { l in
      (l.baseAddress! + (lineHead + lineFrames) * ch).update(from: p, count: frames * ch)
    }
    lineFrames += frames
  }

  /// Splits the complete hop, runs every active band's compressor and adds the changes to the waiting input.
  private mutating func runHop() {
    let hop = crossover.hop, bands = settings.mid.count, ch = channels
    for c in 0..<channels where componentActive[c] {
      let delta = changes + c * hop
      delta.initialize(repeating: 0, count: hop)
      crossover.filter(component: c)
      for b in 0..<bands where compressors[c * bands + b].isActive {
        crossover.band(b, component: c, into: bandScratch)
        compressors[c * bands + b].accumulateChange(of: bandScratch, frames: hop, into: delta)
      }
    }
    crossover.advance()
    // Band output i of this hop is input frame hopsDone·hop + i − D.
    let first = hopsDone * hop - crossover.groupDelayFrames - lineFirstIndex + lineHead
    hopsDone += 1
    let changes = changes, midSide = midSide, active = componentActive
    line.withUnsafeMutableBufferPointer { l in
      let out = l.baseAddress! + first * ch
      if midSide {
        let dm = changes, ds = changes + hop
        let useM = active[0], useS = active[1]
        for i in 0..<hop {
          let m = useM ? dm[i] : 0, s = useS ? ds[i] : 0
          // Only non-zero changes are added: x + 0 would turn −0 into +0.
          if m != 0 || s != 0 {
            out[2 * i] += m + s
            out[2 * i + 1] += m - s
          }
        }
      } else {
        for c in 0..<ch where active[c] {
          let d = changes + c * hop
          for i in 0..<hop where d[i] != 0 { out[i * ch + c] += d[i] }
        }
      }
    }
  }
}
