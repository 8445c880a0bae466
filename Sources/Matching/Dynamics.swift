import Analysis
import DSP

#if canImport(Glibc)
  import Glibc
#endif

/// What the dynamics stage does to one track, and the limiting budget it renders under (in `plan.json`).
public struct DynamicsPlan: Sendable, Hashable, Codable {
  /// The track's short-term PSR before mastering (the median), dB; `nil` when it has none (shorter than 3 s,
  /// or silent).
  @NullCoded public var sourcePSRDB: Double?
  /// The short-term PSR the master should have, dB: the verification holds the master to it within
  /// `DynamicsPlanner.verifyToleranceDB`. Set by the render when the limiter or the budget moves it.
  @NullCoded public var targetPSRDB: Double?
  /// The wideband compressor; `nil` when the track is not compressed.
  @NullCoded public var compressor: CompressorSettings?
  /// The limiting budget: the most gain reduction the limiter may take in more than 1 % of the time, dB
  /// (`LimiterStats.p99GainReductionDB`). Past it the render lowers the track's loudness.
  public var maxLimitingDB: Double
  /// How far under the ceiling the limiter's threshold goes, dB (`nil`: 0): it shaves the peaks of a track whose
  /// PSR the compressor cannot bring down (peaks already levelled by the mix), within the limiting budget.
  @NullCoded public var limiterDriveDB: Double? = nil
  /// The short-term PSR the limiter may not pull the master under, dB (`nil`: no floor: dynamics amount 0, or a
  /// loudness mode other than album):
  /// the lower of the source's and the album's, less `DynamicsPlanner.floorMarginDB`. Past it the render lowers
  /// the track's loudness.
  @NullCoded public var floorPSRDB: Double? = nil
  /// Whether the render settled these settings (`plan.json` after a render): they are rendered as they are, with no
  /// measuring pass to tune them, and the master is verified against `targetPSRDB`. Edit them, or set it to
  /// false to tune again.
  @NullCoded public var settled: Bool? = nil
  /// The multiband compressor that replaces the wideband one (`--multiband on`); `nil`: the wideband one. Its
  /// band thresholds follow `compressor`'s, so the render tunes both alike.
  @NullCoded public var multiband: MultibandPlan? = nil

  /// A plan from its parts.
  public init(sourcePSRDB: Double?, targetPSRDB: Double?, compressor: CompressorSettings?, maxLimitingDB: Double) {
    self.sourcePSRDB = sourcePSRDB
    self.targetPSRDB = targetPSRDB
    self.compressor = compressor
    self.maxLimitingDB = maxLimitingDB
  }

  /// Checks a plan's dynamics read from `subject` (`prefix` e.g. `tracks[2].dynamics.`).
  public func validate(subject: String, prefix: String) throws(InputError) {
    for (key, v) in [("sourcePSRDB", sourcePSRDB), ("targetPSRDB", targetPSRDB)] {
      if let v { try MatchingLimits.levelDB.check(v, subject: subject, key: prefix + key) }
    }
    try MatchingLimits.maxLimitingDB.check(maxLimitingDB, subject: subject, key: prefix + "maxLimitingDB")
    if let v = limiterDriveDB { try MatchingLimits.maxLimitingDB.check(v, subject: subject, key: prefix + "limiterDriveDB") }
    if let v = floorPSRDB { try MatchingLimits.levelDB.check(v, subject: subject, key: prefix + "floorPSRDB") }
    if let problem = compressor?.problem { throw InputError(subject: subject, key: prefix + "compressor", problem: problem) }
    if let m = multiband {
      let bands = m.crossoversHz.count + 1
      guard (3...4).contains(bands), m.midOffsetsDB.count == bands, m.sideOffsetsDB.count == bands,
        (m.midOffsetsDB + m.sideOffsetsDB).allSatisfy({ MultibandPlan.offsetRangeDB.contains($0) })
      else {
        throw InputError(
          subject: subject, key: prefix + "multiband",
          problem: "needs 2 or 3 crossovers and one mid and one side offset per band, each within \(MultibandPlan.offsetRangeDB.lowerBound)…\(MultibandPlan.offsetRangeDB.upperBound) dB")
      }
      // What holds at every rate (ascending crossovers from 40 Hz, each band's compressor) is refused here, before
      // any audio is read; the highest crossover a rate allows is the render's to check (checked at 384 kHz here).
      if let c = compressor, let problem = m.settings(compressor: c).problem(sampleRateHz: 384_000) {
        throw InputError(subject: subject, key: prefix + "multiband", problem: problem)
      }
    }
  }
}

/// A track's multiband compressor: its crossovers and each band's threshold relative to the wideband compressor's,
/// for the mid and the side (for the channels, off stereo): the band's share of the level the wideband detector
/// reads, from the analysis's long-term spectrum. A band then starts to compress when it is as much over its
/// usual share as the whole track would be over the wideband threshold.
public struct MultibandPlan: Sendable, Hashable, Codable {
  /// Crossover frequencies, Hz, ascending.
  public var crossoversHz: [Double]
  /// Per band, low to high, the mid's (or each channel's) threshold minus the wideband threshold, dB.
  public var midOffsetsDB: [Double]
  /// Per band, the side's threshold minus the wideband threshold, dB (stereo only; else unused).
  public var sideOffsetsDB: [Double]
  /// A band's offset is kept within this range, dB (an empty band gets the lowest).
  public static let offsetRangeDB = -40.0...0.0

  /// A plan from its parts.
  public init(crossoversHz: [Double], midOffsetsDB: [Double], sideOffsetsDB: [Double]) {
    self.crossoversHz = crossoversHz
    self.midOffsetsDB = midOffsetsDB
    self.sideOffsetsDB = sideOffsetsDB
  }

  /// The plan from a track's long-term spectrum, with the default crossovers.
  public static func plan(spectrum s: SpectrumStats, channels: Int) -> MultibandPlan {
    let crossovers = MultibandCompressorSettings.defaultCrossoversHz
    // Power per band: the mean power per bin times the bins of a 1/6-octave band, which grow as its centre.
    func bandPowers(_ levels: [Double?]) -> [Double] {
      var p = [Double](repeating: 0, count: crossovers.count + 1)
      for (f, l) in zip(s.bandCentersHz, levels) {
        guard let l, l.isFinite else { continue }
        p[crossovers.firstIndex { f < $0 } ?? crossovers.count] += pow(10, l / 10) * f
      }
      return p
    }
    func offsets(_ p: [Double], total: Double) -> [Double] {
      p.map { total > 0 && $0 > 0 ? min(offsetRangeDB.upperBound, max(offsetRangeDB.lowerBound, 10 * log10($0 / total))) : offsetRangeDB.lowerBound }
    }
    if channels == 2, let mid = s.midLevelsDB, let side = s.sideLevelsDB {
      let m = bandPowers(mid), sd = bandPowers(side)
      // The wideband detector sums L² + R² = 2 (M² + S²).
      let total = 2 * (m.reduce(0, +) + sd.reduce(0, +))
      return MultibandPlan(crossoversHz: crossovers, midOffsetsDB: offsets(m, total: total), sideOffsetsDB: offsets(sd, total: total))
    }
    let p = bandPowers(s.levelsDB)
    let o = offsets(p, total: p.reduce(0, +))
    return MultibandPlan(crossoversHz: crossovers, midOffsetsDB: o, sideOffsetsDB: o)
  }

  /// The multiband settings at the wideband compressor `c` for `sampleRateHz`: each band's threshold at `c`'s plus
  /// its offset, `c`'s ratio, knee, range and amount, and time constants slower in the lows (`bandDefaults`).
  /// Crossovers the rate cannot carry (6 kHz at 16 kHz and under) are dropped, the bands above them merged into
  /// the top one (their shares summed); `nil` when fewer than two crossovers remain (the wideband compressor then).
  public func settings(compressor c: CompressorSettings, sampleRateHz: Int) -> MultibandCompressorSettings? {
    let keep = crossoversHz.filter { $0 < MultibandCompressorSettings.highestCrossoverHz(sampleRateHz: sampleRateHz) }.count
    guard keep >= 2, midOffsetsDB.count == crossoversHz.count + 1, sideOffsetsDB.count == midOffsetsDB.count else { return nil }
    func merged(_ offsets: [Double]) -> [Double] {
      let top = offsets[keep...].map { pow(10, $0 / 10) }.reduce(0, +)
      return Array(offsets[..<keep]) + [min(Self.offsetRangeDB.upperBound, 10 * log10(top))]
    }
    return MultibandPlan(crossoversHz: Array(crossoversHz[..<keep]), midOffsetsDB: merged(midOffsetsDB), sideOffsetsDB: merged(sideOffsetsDB))
      .settings(compressor: c)
  }

  /// The multiband settings at the wideband compressor `c`, crossovers as planned.
  func settings(compressor c: CompressorSettings) -> MultibandCompressorSettings {
    func bands(_ offsets: [Double]) -> [CompressorSettings] {
      offsets.enumerated().map { b, offset in
        var s = MultibandCompressorSettings.bandDefaults(band: b, of: offsets.count, thresholdDBFS: c.thresholdDBFS + offset)
        s.ratio = c.ratio
        s.kneeDB = c.kneeDB
        s.rangeDB = c.rangeDB
        s.amount = c.amount
        return s
      }
    }
    return MultibandCompressorSettings(crossoversHz: crossoversHz, mid: bands(midOffsetsDB), side: bands(sideOffsetsDB))
  }
}

extension TrackPlan {
  /// The level the limiter holds the true peak to, dBTP: the ceiling, less the dynamics' limiter drive.
  public var limiterThresholdDBTP: Double { ceilingDBTP - max(0, dynamics?.limiterDriveDB ?? 0) }
}

/// Plans the dynamics of each track toward the album's: pure functions of the analysis and the options.
///
/// The album's dynamics are its median short-term PSR (`DynamicsStats.psrMedianDB`), or `--target-psr`, or the
/// references'. A track more dynamic than that by more than `toleranceDB` is compressed toward it: the PSR drop
/// is `dynamicsAmount` × the excess, at most `maxCompressionDB`, by a gentle wideband compressor (2:1, 6 dB soft
/// knee, 20 ms RMS detection, 10 ms attack with as much look-ahead, 200 ms release, gain linked across channels): an attack at the short
/// end of mastering's range, so that it reaches the loud moments' peaks and not only their body, and a detector slow
/// enough not to follow a chord's beating (a 5 ms one moved the gain within a sustained chord: intermodulation, see
/// docs/benchmarks.md#distortion). A track already denser is
/// never expanded. The render tunes the compressor's threshold until the master's PSR lands on the plan.
public enum DynamicsPlanner {
  /// A track within this of the album's PSR is left alone, dB.
  public static let toleranceDB = 1.0
  /// How far a master's PSR may be from its plan, dB.
  public static let verifyToleranceDB = 1.0
  /// How the planner's sentence about a track's dynamics begins (album.yaml's `dynamics: off` replaces it).
  public static let reasonPrefix = "Short-term PSR"
  /// A planned PSR drop under this is not worth a compressor, dB.
  public static let smallestDropDB = 0.5
  /// How far under the lower of its own PSR and the album's the limiter may pull a track, dB (the PSR floor), with
  /// the default limiting budget; a higher `--max-limiting-db` lowers the floor by as much.
  public static let floorMarginDB = 0.5
  /// The compressor's look-ahead, ms: as long as its attack, so a transient meets a gain that has already fallen
  /// (without it the onsets, which set the PSR's peaks, pass untouched and only the body is compressed).
  public static let lookaheadMS = 10.0
  /// The compressor's RMS detector, ms: it averages over a few periods of the beating between a chord's notes.
  public static let detectorMS = 20.0

  /// The compressor the plan starts from: threshold `thresholdDBFS` (within the range a compressor runs with: a
  /// click in silence measures a PSR of 50 dB, which would put it over 30 dBFS), gain reduction at most `rangeDB`.
  public static func compressor(thresholdDBFS: Double, rangeDB: Double) -> CompressorSettings {
    let r = CompressorSettings.thresholdRangeDBFS
    var c = CompressorSettings(thresholdDBFS: min(r.upperBound, max(r.lowerBound, thresholdDBFS)))
    c.ratio = 2
    c.kneeDB = 6
    c.attackMS = 10
    c.releaseMS = 200
    c.detectorMS = detectorMS
    c.rangeDB = rangeDB
    c.lookaheadMS = lookaheadMS
    return c
  }

  /// The album's target PSR: the option, else the profile's (the tracks' median, or the references').
  public static func albumPSRDB(profile: AlbumProfile, options: MatchingOptions) -> Double? {
    options.targetPSRDB ?? profile.psrDB
  }

  /// The dynamics plan of one track whose master will be at `inputLUFS` at the compressor (its planned
  /// loudness), with one plain sentence per decision; `targetName` names whose dynamics they are.
  public static func plan(
    track t: TrackAnalysis, albumPSRDB: Double?, inputLUFS: Double?, options: MatchingOptions,
    targetName: String = "the album's"
  ) -> (DynamicsPlan?, [String]) {
    let budget = options.maxLimitingDB
    guard let source = t.dynamics.psrMedianDB, let lufs = inputLUFS else {
      return (options.limiter ? DynamicsPlan(sourcePSRDB: nil, targetPSRDB: nil, compressor: nil, maxLimitingDB: budget) : nil, [])
    }
    var plan = DynamicsPlan(sourcePSRDB: source, targetPSRDB: source, compressor: nil, maxLimitingDB: budget)
    // The floor guards an album's consistency (album mode: the tracks keep their places); where each track is
    // sent to a loudness of its own (track mode), the loudness asked for wins, and only the budget holds it back.
    if options.dynamicsAmount > 0, options.loudness == .album {
      // A budget raised over the default lowers the floor as much: --max-limiting-db trades PSR for loudness too.
      let raisedDB = max(0, options.maxLimitingDB - MatchingOptions().maxLimitingDB)
      plan.floorPSRDB = min(source, albumPSRDB ?? source) - floorMarginDB - raisedDB
    }
    guard let album = albumPSRDB else { return (plan, []) }
    let excess = source - album
    let psr = "\(reasonPrefix) \(Format.fixed(source)) dB against \(targetName) \(Format.fixed(album)) dB"
    if excess < -toleranceDB { return (plan, ["\(psr): denser, never expanded."]) }
    if excess <= toleranceDB { return (plan, ["\(psr): within ±\(Format.fixed(toleranceDB)) dB, not compressed."]) }
    let drop = min(options.dynamicsAmount * excess, options.maxCompressionDB)
    guard drop >= smallestDropDB else {
      let why = options.dynamicsAmount * excess < smallestDropDB
        ? "dynamics amount \(Format.fixed(options.dynamicsAmount, digits: 2))"
        : "at most \(Format.fixed(options.maxCompressionDB)) dB of compression"
      return (plan, ["\(psr): more dynamic, left as it is (\(why))."])
    }
    plan.targetPSRDB = source - drop
    plan.compressor = compressor(thresholdDBFS: initialThresholdDBFS(inputLUFS: lufs, sourcePSRDB: source, dropDB: drop),
      rangeDB: options.maxCompressionDB)
    if options.multiband { plan.multiband = MultibandPlan.plan(spectrum: t.spectrum, channels: t.channels) }
    return (plan, [
      "\(psr): compressed \(options.multiband ? "by 4 bands, mid and side, 2:1 (soft knee, 40/400 ms in the lows to 10/100 ms in the highs)" : "2:1 (soft knee, 10/200 ms, 10 ms look-ahead)") toward \(Format.fixed(source - drop)) dB"
        + (drop < options.dynamicsAmount * excess ? " (at most \(Format.fixed(options.maxCompressionDB)) dB of compression)." : ".")
    ])
  }

  /// Where the threshold starts, relative to the track's loudness at the compressor: the loud moments' short RMS
  /// level sits about PSR − 3 dB over the loudness, and 2:1 takes half of what passes the threshold, so
  /// the threshold goes 2 × drop under them. The render corrects it from measurement.
  static func initialThresholdDBFS(inputLUFS: Double, sourcePSRDB: Double, dropDB: Double) -> Double {
    let level = inputLUFS + 0.691  // the detector reads a mean square without K-weighting
    return min(level + sourcePSRDB, max(level - 12, level + sourcePSRDB - 3 - 2 * dropDB))
  }
}
