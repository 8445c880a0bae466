import Analysis
import DSP

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Pure functions from analyses and a profile to a plan.
public enum Planner {
  /// EQ is faded to nothing outside these, so the extremes (rumble, codec cut-offs) are left alone.
  public static let eqFullFromHz = 30.0, eqZeroBelowHz = 20.0
  /// The EQ's full range ends at 14 kHz and reaches nothing at 18 kHz (codec low-pass territory).
  public static let eqFullToHz = 14_000.0, eqZeroAboveHz = 18_000.0
  /// How far a rendered master may miss its planned loudness before it is rendered again with a corrected gain.
  public static let renderToleranceLU = 0.05
  /// A band this far under the track's median band level holds no real content: it is never boosted.
  public static let noContentDB = 40.0

  /// The plan for every analysed track.
  public static func plan(
    album: String, tracks: [TrackAnalysis], profile: AlbumProfile, options: MatchingOptions
  ) -> AlbumPlan {
    let shape = AlbumLoudnessShape(sourcesLUFS: tracks.compactMap { $0.loudness.integratedLUFS })
    let plans = tracks.map { t in
      plan(track: t, profile: profile, album: shape, options: options)
    }
    return AlbumPlan(album: album, options: options, profile: profile, albumLoudnessLUFS: shape?.anchorLUFS, tracks: plans)
  }

  /// Integrated loudness of the album played through: BS.1770 gating over every track's blocks. A saved
  /// analysis has no blocks; then the duration-weighted energy mean of the tracks' loudness stands in.
  public static func albumLoudness(_ tracks: [TrackAnalysis]) -> Double? {
    let loud = tracks.filter { $0.loudness.integratedLUFS != nil }
    if !loud.isEmpty && loud.allSatisfy({ !$0.gatingBlockEnergies.isEmpty }) {
      return LoudnessMeter.integratedLoudness(blockEnergies: loud.map(\.gatingBlockEnergies))
    }
    let weight = loud.reduce(0.0) { $0 + $1.durationSeconds }
    guard weight > 0 else { return nil }
    let energy = loud.reduce(0.0) { $0 + $1.durationSeconds * pow(10, $1.loudness.integratedLUFS! / 10) } / weight
    return 10 * log10(energy)
  }

  /// Why a track without an integrated loudness keeps its gain: too short for one 400 ms gating block, or silent;
  /// and, where its peaks are over the ceiling, that the limiter still holds it (a 0.3 s square at full scale was
  /// "left as it is" while the limiter took 3.3 dB).
  static func unmeasuredReason(track t: TrackAnalysis, options: MatchingOptions) -> String {
    let why =
      t.durationSeconds < 0.4
      ? "Too short for a loudness measurement (\(Format.fixed(t.durationSeconds, digits: 2)) s; BS.1770 gates 400 ms blocks)"
      : "Silent (no measurable loudness)"
    let peaks = [t.loudness.truePeakDBTP, t.loudness.interSamplePeakDBTP].compactMap { $0 }
    if options.limiter, let peak = peaks.max(), peak > options.ceilingDBTP {
      return why + ": the gain stays at 0 dB; the limiter holds the \(fmt(options.ceilingDBTP)) dBTP ceiling (the "
        + "source peaks at \(fmt(peak)) dBTP), whatever the limiting budget: there is no gain to lower."
    }
    return why + ": left as it is."
  }

  /// The plan for one track; `album` is the album's loudness shape (album mode), nil for a silent album.
  public static func plan(
    track t: TrackAnalysis, profile: AlbumProfile, album: AlbumLoudnessShape?, options: MatchingOptions
  ) -> TrackPlan {
    var reasons: [String] = []
    guard let lufs = t.loudness.integratedLUFS else {
      return TrackPlan(
        file: t.file, eq: .flat, gainDB: 0, widthDB: 0, sourceLUFS: nil, targetLUFS: nil,
        ceilingDBTP: options.ceilingDBTP, limiter: options.limiter, reasons: [unmeasuredReason(track: t, options: options)])
    }
    let (eq, heldBack) = eqCurveExplained(track: t, profile: profile, options: options)
    if !eq.isFlat {
      let boost = eq.gainsDB.indices.max { eq.gainsDB[$0] < eq.gainsDB[$1] }!
      let cut = eq.gainsDB.indices.min { eq.gainsDB[$0] < eq.gainsDB[$1] }!
      reasons.append(
        "EQ toward \(profile.targetName) tonal balance ("
          + (profile.referenceNames.map { "\($0); " } ?? "") + "deviation \(fmt(t.tonalDeviationDB)) dB): "
          + "\(fmt(eq.gainsDB[boost], sign: true)) dB around \(hz(eq.frequenciesHz[boost])), "
          + "\(fmt(eq.gainsDB[cut], sign: true)) dB around \(hz(eq.frequenciesHz[cut])).")
    }
    if let heldBack { reasons.append(heldBack) }
    let width = widthChange(track: t, profile: profile, options: options, eq: eq)
    if abs(width) >= negligibleWidthDB, let w = t.stereo.width.midSideDB {
      let eqShare = widthChangeDB(track: t, eq: eq, sideDB: 0)
      reasons.append(
        "Width \(fmt(w)) dB against \(profile.targetName) \(fmt(profile.widthDB)) dB: side \(fmt(width, sign: true)) dB"
          + (width > 0 ? " (not below 150 Hz)" : "")
          + (abs(eqShare) >= negligibleWidthDB ? " with the EQ's \(fmt(eqShare, sign: true)) dB on the side" : "")
          + ", width \(fmt(widthChangeDB(track: t, eq: eq, sideDB: width), sign: true)) dB.")
    }
    let target: Double
    switch options.loudness {
    case .track:
      target = options.targetLUFS
      reasons.append("Loudness \(fmt(lufs)) LUFS to the target \(fmt(target)) LUFS.")
    case .none:
      target = lufs
      reasons.append("Loudness left at \(fmt(lufs)) LUFS.")
    case .album:
      let anchor = album?.anchorLUFS ?? lufs
      target = options.targetLUFS + (album?.offsetLU(sourceLUFS: lufs, maxSpreadLU: options.maxSpreadLU) ?? 0)
      let kept = abs((target - options.targetLUFS) - (lufs - anchor)) < 1e-9
      reasons.append(
        "Album gain \(fmt(options.targetLUFS - anchor, sign: true)) dB puts the album's median track at \(fmt(options.targetLUFS)) LUFS; "
          + (kept
            ? "this track keeps its place at \(fmt(target)) LUFS."
            : "this track's offset \(fmt(lufs - anchor, sign: true)) LU is scaled to \(fmt(target - options.targetLUFS, sign: true)) LU "
              + "(\(fmt(target)) LUFS), keeping the album's order within ±\(fmt(options.maxSpreadLU)) LU."))
    }
    // The gain that lands the EQ'd, widened track on its target; the render measures and corrects the rest.
    let gain = target - lufs - eqLoudnessChangeDB(track: t, curve: eq) - widthLoudnessChangeDB(track: t, sideDB: width)
    let (dynamics, why) = DynamicsPlanner.plan(
      track: t, albumPSRDB: DynamicsPlanner.albumPSRDB(profile: profile, options: options), inputLUFS: target, options: options,
      targetName: profile.targetName)
    return TrackPlan(
      file: t.file, eq: eq, gainDB: gain, widthDB: width, sourceLUFS: lufs, targetLUFS: target,
      ceilingDBTP: options.ceilingDBTP, limiter: options.limiter, reasons: reasons + why, dynamics: dynamics,
      eqPhase: options.eqPhase, highPassHz: SubsonicHighPass.cornerHz)
  }

  /// The tonal correction: (profile − track), both 1/3-octave smoothed and mean-removed over 60 Hz–12 kHz,
  /// scaled by `eqAmount`, held within each band's budget (`eqBudgetDB`), never a boost where the track has no
  /// content, and then made smooth: no two bands differ by more than `eqMaxSlopeDBPerOctave` per octave
  /// (`smoothed`). Measurements.md, "EQ curve".
  public static func eqCurve(track t: TrackAnalysis, profile: AlbumProfile, options: MatchingOptions) -> GainCurve {
    eqCurveExplained(track: t, profile: profile, options: options).curve
  }

  /// A correction held back by at least this much (dB) at some band gets a sentence in the plan's reasons.
  public static let heldBackReasonDB = 3.0

  /// `eqCurve`, with a sentence for the band where the curve falls furthest short of the wanted correction (by
  /// `heldBackReasonDB` or more) naming the rule that held it: no target or no content there, a cut-off, the lows,
  /// the extremes, thin content, a balance that moves over the track, the budget, or the slope limit.
  public static func eqCurveExplained(
    track t: TrackAnalysis, profile: AlbumProfile, options: MatchingOptions
  ) -> (curve: GainCurve, heldBack: String?) {
    guard options.eqAmount > 0, t.loudness.integratedLUFS != nil else { return (.flat, nil) }
    let shapes = TonalComparison(
      track: TonalShape(centersHz: t.spectrum.bandCentersHz, levelsDB: t.spectrum.levelsDB),
      profile: TonalShape(centersHz: profile.bandCentersHz, levelsDB: profile.tonalBalanceDB))
    guard let shapes else { return (.flat, nil) }
    let medianDB = median(t.spectrum.levelsDB.compactMap { $0 }) ?? 0
    let cutoff = cutoffHz(centersHz: t.spectrum.bandCentersHz, levelsDB: t.spectrum.levelsDB)
    var freqs: [Double] = [], bands: [Int] = [], wanted: [Double] = [], lo: [Double] = [], hi: [Double] = []
    var evidence: [Double] = [], strong: [Bool] = [], why: [String] = []
    // Consistency over the track limits corrections toward the album; toward `--reference` tracks the user chose
    // the balance to reach, as the raised budget says (with it, reference closeness fell from 2.44 to 2.64 dB
    // against Matchering's 2.69 on refcheck.py's album).
    let spreads = (profile.source == .reference ? nil : t.spectrum.levelSpreadDB) ?? t.spectrum.levelsDB.map { _ in nil }
    for ((f, level), spread) in zip(zip(t.spectrum.bandCentersHz, t.spectrum.levelsDB), spreads) {
      let band = FractionalOctaveBands.nearestIndex(frequencyHz: f)
      // A band the profile does not reach (a reference at a lower rate, a saved profile) has no target: it is a
      // band without evidence, held like an empty one, so the curve's last point is not carried past the profile.
      let correction = shapes.correctionDB(band: band)
      guard correction != nil || level != nil else { continue }
      // Under the silence floor a band is empty whatever the median says (a track with content in a few bands
      // only has its median band in digital silence).
      let below = correction == nil ? nil : level.map { max(medianDB - $0, $0 < eqSilenceFloorDB ? noContentDB : -.infinity) }
      let budget = eqBudgetDB(
        frequencyHz: f, levelBelowMedianDB: below, cutoffHz: cutoff, levelSpreadDB: spread, options: options)
      freqs.append(f)
      bands.append(band)
      wanted.append((correction ?? 0) * options.eqAmount)
      lo.append(-budget)
      // The empty-band rule: never a boost where there is no content.
      hi.append(level == nil || level! < medianDB - noContentDB ? 0 : budget)
      evidence.append(eqEvidence(frequencyHz: f, levelBelowMedianDB: below, cutoffHz: cutoff))
      strong.append(below.map { $0 <= eqStrongContentDB } ?? false)
      why.append(
        eqLimitName(
          frequencyHz: f, hasTarget: correction != nil, levelBelowMedianDB: below, cutoffHz: cutoff, levelSpreadDB: spread,
          targetName: profile.targetName))
    }
    var gains = smoothed(wanted, bands: bands, lowerDB: lo, upperDB: hi)
    // The empty-band rule, relative to the track: the loudness gain gives back what the EQ takes from the content,
    // so a band without evidence (empty, or at or past a cut-off) is held at the content's median correction when
    // that is a cut, not at 0, or the gain would lift it by that much against the music.
    let content = gains.indices.filter { strong[$0] && (eqContentFromHz...eqContentToHz).contains(freqs[$0]) }
    if let cut = median(content.map { gains[$0] }), cut < 0 {
      let shift = evidence.map { $0 > 0 ? 0 : cut }
      gains = smoothed(
        wanted, bands: bands, lowerDB: zip(lo, shift).map { $0 + $1 }, upperDB: zip(hi, shift).map { $0 + $1 })
    }
    let curve = GainCurve(frequenciesHz: freqs, gainsDB: gains)
    // Where the curve falls furthest short of the wish (same direction, less of it; or the other way).
    // Within the tonal range only: the extremes' wishes are never granted and say nothing about the music.
    let short = gains.indices.map { i in
      (TonalShape.lowHz...TonalShape.highHz).contains(freqs[i])
        ? (wanted[i] >= 0 ? wanted[i] - gains[i] : gains[i] - wanted[i]) : 0
    }
    var heldBack: String?
    if let i = short.indices.max(by: { short[$0] < short[$1] }), short[i] >= heldBackReasonDB {
      let rule = abs(gains[i]) >= (lo[i] == -hi[i] ? hi[i] : max(abs(lo[i]), abs(hi[i]))) - 0.05 || hi[i] == lo[i]
        ? why[i] : "the curve's \(fmt(eqMaxSlopeDBPerOctave)) dB/octave slope limit"
      heldBack = "EQ held back around \(hz(freqs[i])): \(fmt(wanted[i], sign: true)) dB wanted, \(fmt(gains[i], sign: true)) dB "
        + "given (\(rule))."
    }
    return (curve.isFlat ? .flat : curve, heldBack)
  }

  /// The rule that bounds the correction at one band, in words (for `eqCurveExplained`): the first of no target,
  /// no content, a cut-off, or the smallest of the budget's factors; the budget itself when none is under 1.
  static func eqLimitName(
    frequencyHz f: Double, hasTarget: Bool, levelBelowMedianDB: Double?, cutoffHz: Double?, levelSpreadDB: Double?,
    targetName: String
  ) -> String {
    guard hasTarget else { return "\(targetName) balance does not reach it" }
    guard let below = levelBelowMedianDB else { return "no content" }
    if below >= noContentDB { return "no content: \(fmt(below)) dB under the median band" }
    if let c = cutoffHz, f >= c { return "at or past the cut-off at \(hz(c))" }
    let k = EQBudgetFactors(frequencyHz: f, levelBelowMedianDB: below, cutoffHz: cutoffHz, levelSpreadDB: levelSpreadDB)
    let factors: [(Double, String)] = [
      (k.low, "the lows' smaller budget"), (k.extremes, "the spectrum's extremes"),
      (k.content, "thin content: \(fmt(below)) dB under the median band"),
      (k.codec, "near the cut-off at \(cutoffHz.map(hz) ?? "")"),
      (k.consistency, "a balance that moves \(fmt(levelSpreadDB)) dB over the track"),
    ]
    guard let smallest = factors.min(by: { $0.0 < $1.0 }), smallest.0 < 1 else { return "the EQ budget" }
    return smallest.1
  }

  /// A band under this level (mean power per FFT bin, dB; 16-bit dither reads about −137 at 48 kHz) is empty
  /// whatever the track's median band: a track with content in a few bands only (noise above 15 kHz) has its
  /// median band in digital silence, and the EQ boosted 62–561 Hz there by 12 dB.
  public static let eqSilenceFloorDB = -150.0

  /// The bands whose median correction the loudness gain gives back (the empty-band rule, relative): where the
  /// music's loudness lives.
  public static let eqContentFromHz = 100.0, eqContentToHz = 10_000.0

  /// How much a band's level can be trusted as the music's, 0...1: the content and cut-off factors of
  /// `eqBudgetDB` (not the lows' or the extremes', which limit a correction's cost, not its evidence).
  public static func eqEvidence(frequencyHz f: Double, levelBelowMedianDB: Double?, cutoffHz: Double?) -> Double {
    let k = EQBudgetFactors(frequencyHz: f, levelBelowMedianDB: levelBelowMedianDB, cutoffHz: cutoffHz, levelSpreadDB: nil)
    return min(k.content, k.codec)
  }

  /// The factors of a band's EQ budget, each 0...1 (the one home of their formulas; `eqBudgetDB`, `eqEvidence`
  /// and the reasons read them).
  struct EQBudgetFactors {
    /// The lows: 1 from `eqFullBudgetFromHz`, the log-frequency share down to nothing at `eqZeroBelowHz`.
    let low: Double
    /// The spectrum's extremes (`fade`).
    let extremes: Double
    /// The content: 1 up to `eqStrongContentDB` under the median band, 0 from `noContentDB` (or without a level).
    let content: Double
    /// A cut-off: 1 up to `eqCutoffMarginOctaves` under it, 0 at it.
    let codec: Double
    /// The consistency over the track (`eqConsistency`).
    let consistency: Double

    init(frequencyHz f: Double, levelBelowMedianDB: Double?, cutoffHz: Double?, levelSpreadDB: Double?) {
      low = f >= eqFullBudgetFromHz ? 1 : max(0, log2(f / eqZeroBelowHz) / log2(eqFullBudgetFromHz / eqZeroBelowHz))
      extremes = fade(f)
      content = levelBelowMedianDB.map { min(1, max(0, (noContentDB - $0) / (noContentDB - eqStrongContentDB))) } ?? 0
      codec = cutoffHz.map { min(1, max(0, log2($0 / f) / eqCutoffMarginOctaves)) } ?? 1
      consistency = eqConsistency(levelSpreadDB: levelSpreadDB)
    }
  }

  /// How fast an EQ curve may change with frequency: at most this many dB per octave, between any two bands (2 dB
  /// per 1/6-octave band: no zig-zag). Why 12: at 6 dB/octave a reference's tilt could not be followed (reference
  /// closeness 4.02 dB against 2.41 at 12, measurements.md "EQ curve").
  public static let eqMaxSlopeDBPerOctave = 12.0
  /// The EQ budget is full from here up; below, it falls with the log-frequency share to nothing at
  /// `eqZeroBelowHz` (63 % at 40 Hz, 37 % at 30 Hz): low corrections cost the most ringing and headroom.
  public static let eqFullBudgetFromHz = 60.0
  /// A band this far or more under the track's median band level has the full budget; from here to
  /// `noContentDB` under it, the budget falls linearly to nothing (thin content: a noisy estimate).
  public static let eqStrongContentDB = 20.0
  /// A cut-off is a fall of at least this much within half an octave, above `cutoffSearchFromHz`.
  public static let cutoffDropDB = 20.0, cutoffSearchFromHz = 5_000.0
  /// The budget is full up to this many octaves below a cut-off and nothing at it.
  public static let eqCutoffMarginOctaves = 0.5

  /// A band whose level relative to the median band moves by this much or less over the track's 10 s segments
  /// (standard deviation, `SpectrumStats.levelSpreadDB`) has the full budget; above, the budget is this over the
  /// spread, down to `eqMinConsistency`. The crosscheck albums' tracks measure 1.5–9.6 dB median (10 s segments).
  public static let eqSteadySpreadDB = 6.0
  /// The least share of the budget a band keeps however much its balance moves over the track.
  public static let eqMinConsistency = 0.5

  /// The largest correction at one band, dB: `maxEQDB` scaled by the smallest of the frequency factor (lows,
  /// extremes: `fade`), the content factor and the cut-off factor, then by the consistency over the track
  /// (`eqConsistency`).
  public static func eqBudgetDB(
    frequencyHz f: Double, levelBelowMedianDB: Double?, cutoffHz: Double?, levelSpreadDB: Double? = nil,
    options: MatchingOptions
  ) -> Double {
    let k = EQBudgetFactors(frequencyHz: f, levelBelowMedianDB: levelBelowMedianDB, cutoffHz: cutoffHz, levelSpreadDB: levelSpreadDB)
    return options.maxEQDB * k.consistency * min(k.low, k.extremes, k.content, k.codec)
  }

  /// 1 for a band whose balance holds over the track (spread at most `eqSteadySpreadDB`, or not measured),
  /// `eqSteadySpreadDB` / spread above, never under `eqMinConsistency`: a deviation that comes and goes is
  /// corrected less, since a fixed curve fits it only part of the time.
  public static func eqConsistency(levelSpreadDB: Double?) -> Double {
    guard let spread = levelSpreadDB, spread > eqSteadySpreadDB else { return 1 }
    return max(eqMinConsistency, eqSteadySpreadDB / spread)
  }

  /// A low-pass cut-off in a track's spectrum (a lossy codec's, an old transfer's): the lowest band centre at or
  /// above `cutoffSearchFromHz` that is `cutoffDropDB` under the band half an octave below it; `nil` if none.
  public static func cutoffHz(centersHz: [Double], levelsDB: [Double?]) -> Double? {
    var byIndex: [Int: Double] = [:]
    for (f, l) in zip(centersHz, levelsDB) { byIndex[FractionalOctaveBands.nearestIndex(frequencyHz: f)] = l ?? -.infinity }
    for (f, l) in zip(centersHz, levelsDB) where f >= cutoffSearchFromHz {
      let k = FractionalOctaveBands.nearestIndex(frequencyHz: f)
      guard let below = byIndex[k - 3], below.isFinite else { continue }
      if (l ?? -.infinity) <= below - cutoffDropDB { return f }
    }
    return nil
  }

  /// The smooth curve near `wantedDB` (bands on the 1/6-octave index grid, ascending) within [`lowerDB`,
  /// `upperDB`] per band (each holding 0). The wanted gains are clamped into the slope-limited envelopes of the
  /// bounds; every pair of neighbours steeper than `eqMaxSlopeDBPerOctave` is then pulled together, both by half
  /// the excess, until none is (at most `smoothingPasses` passes), which keeps broad corrections whole and
  /// flattens zig-zag. A last step makes the limit exact whatever is left: the mean of the largest slope-limited
  /// minorant and the smallest slope-limited majorant, which changes a curve already within the limit not at all.
  public static func smoothed(_ wantedDB: [Double], bands: [Int], lowerDB: [Double], upperDB: [Double]) -> [Double] {
    let perBand = eqMaxSlopeDBPerOctave / 6
    let n = wantedDB.count
    func dist(_ i: Int, _ j: Int) -> Double { perBand * Double(abs(bands[i] - bands[j])) }
    let upper = (0..<n).map { i in (0..<n).map { j in upperDB[j] + dist(i, j) }.min() ?? upperDB[i] }  // j = i is always there
    let lower = (0..<n).map { i in (0..<n).map { j in lowerDB[j] - dist(i, j) }.max() ?? lowerDB[i] }
    var g = (0..<n).map { min(upper[$0], max(lower[$0], wantedDB[$0])) }
    for _ in 0..<smoothingPasses {
      var moved = false
      for i in 0..<max(0, n - 1) {
        let step = g[i + 1] - g[i], allowed = dist(i, i + 1)
        guard abs(step) > allowed + 1e-12 else { continue }
        let half = (abs(step) - allowed) / 2 * (step > 0 ? 1 : -1)
        g[i] = min(upper[i], max(lower[i], g[i] + half))
        g[i + 1] = min(upper[i + 1], max(lower[i + 1], g[i + 1] - half))
        moved = true
      }
      if !moved { break }
    }
    return (0..<n).map { i in
      let minorant = (0..<n).map { j in g[j] + dist(i, j) }.min() ?? g[i]
      let majorant = (0..<n).map { j in g[j] - dist(i, j) }.max() ?? g[i]
      return (minorant + majorant) / 2
    }
  }

  /// Passes of the neighbour smoothing in `smoothed`: enough for a 40 dB step to settle on the 1/6-octave grid.
  static let smoothingPasses = 400

  /// 1 across the body of the spectrum, falling to 0 (log-linearly) at 20 Hz and 18 kHz.
  static func fade(_ f: Double) -> Double {
    if f <= eqZeroBelowHz || f >= eqZeroAboveHz { return 0 }
    if f < eqFullFromHz { return log2(f / eqZeroBelowHz) / log2(eqFullFromHz / eqZeroBelowHz) }
    if f > eqFullToHz { return log2(eqZeroAboveHz / f) / log2(eqZeroAboveHz / eqFullToHz) }
    return 1
  }

  /// Side gain d (dB) that moves the master's width toward the album's: the width change, the EQ's own effect on
  /// side and mid included (`widthChangeDB`), is (album − track) × `widthAmount` limited to ±`maxWidthDB`, so an EQ
  /// that would widen a track is undone by a narrowing d. A widening is reduced (down to none) while the predicted
  /// correlation falls more than `maxCorrelationDrop` − `correlationHeadroom` under the track's. No change for
  /// mono or side-only tracks.
  public static func widthChange(track t: TrackAnalysis, profile: AlbumProfile, options: MatchingOptions, eq: GainCurve) -> Double {
    guard case .db(let w) = t.stereo.width, let target = profile.widthDB, let corr = t.stereo.correlation,
      options.widthAmount > 0 || !eq.isFlat
    else { return 0 }
    var change = min(options.maxWidthDB, max(-options.maxWidthDB, (target - w) * options.widthAmount))
    // A widening is taken back toward no change, never past it into a narrowing.
    let floor = corr - maxCorrelationDrop + correlationHeadroom
    while change > 0 && predictedCorrelation(track: t, sideDB: change) < floor { change = max(0, change - 0.1) }
    let fromEQ = widthChangeDB(track: t, eq: eq, sideDB: 0)
    // An EQ that leaves the width alone: the side gain is the change itself.
    if abs(fromEQ) < negligibleWidthDB { return change }
    // A narrowing is a flat side gain: the width moves by d exactly. A widening fades out in the lows, so it is
    // found by bisection; it stops at the EQ's range past the limit (enough to undo any EQ).
    if change < fromEQ { return change - fromEQ }
    var lo = 0.0, hi = options.maxWidthDB + 2 * options.maxEQDB
    if widthChangeDB(track: t, eq: eq, sideDB: hi) <= change { return hi }
    for _ in 0..<50 {
      let mid = (lo + hi) / 2
      if widthChangeDB(track: t, eq: eq, sideDB: mid) <= change { lo = mid } else { hi = mid }
    }
    return lo
  }

  /// A width effect of the EQ under this is not counted (the side gain is then the width change itself, with no
  /// compensation for a widening's low-end fade), and a side gain under it gets no reason, dB.
  public static let negligibleWidthDB = 0.05

  /// The most a widening may lower the correlation (narrowing raises it).
  public static let maxCorrelationDrop = 0.1
  /// A plan keeps its predicted correlation this far inside `maxCorrelationDrop`, for what the prediction misses
  /// (content outside the bands, the limiter's weighting, the FIR's magnitude between band centres) on tracks
  /// planned right at the limit. 0.01 held under a 6 dB/octave EQ; a 12 dB/octave curve with 12 dB in the lows
  /// missed by 0.019 (`WidthPromiseTests`), so 0.03.
  public static let correlationHeadroom = 0.03

  /// Taken off a side gain beyond a master's measured excess when it is rendered again, dB.
  public static let widthRetryMarginDB = 0.2

  /// The side gain to render a track again with when its master broke the width promise, measured: the width
  /// moved more than `maxWidthDB` from the source's, or the correlation fell more than `maxCorrelationDrop` under
  /// it. The limiter and compressor weigh loud passages less, so a track whose loud passages are narrower comes
  /// out wider than its plan. The plan's side gain moves by the excess and `widthRetryMarginDB`; nil when the
  /// master keeps the promise (or has no width to judge).
  public static func widthRetry(track t: TrackAnalysis, sideDB: Double, master: StereoStats, options: MatchingOptions) -> Double? {
    guard case .db(let w0) = t.stereo.width, case .db(let w1) = master.width, let c0 = t.stereo.correlation,
      let c1 = master.correlation
    else { return nil }
    let moved = w1 - w0
    var highest = options.maxWidthDB
    if c1 < c0 - maxCorrelationDrop {
      // The largest width change whose predicted correlation keeps within the drop.
      var lo = -options.maxWidthDB, hi = moved
      for _ in 0..<50 {
        let mid = (lo + hi) / 2
        if predictedCorrelation(track: t, sideDB: mid) >= c0 - maxCorrelationDrop { lo = mid } else { hi = mid }
      }
      highest = min(highest, lo)
    }
    if moved > highest { return sideDB - (moved - highest) - widthRetryMarginDB }
    if moved < -options.maxWidthDB { return sideDB + (-options.maxWidthDB - moved) + widthRetryMarginDB }
    return nil
  }

  /// Side gain weight as rendered: a widening gain fades out below 200 Hz (log-linearly, gone at 100 Hz), so the
  /// low end is never widened; a narrowing applies everywhere.
  public static func sideGainWeight(frequencyHz f: Double, sideDB: Double) -> Double {
    guard sideDB > 0 else { return 1 }
    if f <= 100 { return 0 }
    if f >= 200 { return 1 }
    return log2(f / 100)
  }

  /// Predicted change of the width 10·log10(ΣS²/ΣM²), dB, when the mid is filtered with `eq` and the side with `eq`
  /// plus the weighted `sideDB`: from the track's mid and side band powers. Without them (an older analysis) the EQ
  /// counts as moving both alike, and the change is the side gain's over the track's whole spectrum.
  public static func widthChangeDB(track t: TrackAnalysis, eq: GainCurve, sideDB: Double) -> Double {
    let centers = t.spectrum.bandCentersHz
    let sideGain = { (f: Double) in sideDB * sideGainWeight(frequencyHz: f, sideDB: sideDB) }
    guard let mid = t.spectrum.midLevelsDB, let side = t.spectrum.sideLevelsDB,
      let m = bandPowerChangeDB(centersHz: centers, levelsDB: mid, weight: { _ in 1 }, gainDB: eq.gainDB(at:)),
      let s = bandPowerChangeDB(centersHz: centers, levelsDB: side, weight: { _ in 1 }, gainDB: { eq.gainDB(at: $0) + sideGain($0) })
    else {
      return bandPowerChangeDB(centersHz: centers, levelsDB: t.spectrum.levelsDB, weight: { _ in 1 }, gainDB: sideGain) ?? sideDB
    }
    return s - m
  }

  /// Power change, dB, of a spectrum given as mean power per bin in constant-Q bands (a band holds bins ∝ its
  /// centre) under `gainDB`, each band weighted by `weight` (e.g. K-weighting); nil without any power.
  static func bandPowerChangeDB(
    centersHz: [Double], levelsDB: [Double?], weight: (Double) -> Double, gainDB: (Double) -> Double
  ) -> Double? {
    var before = 0.0, after = 0.0
    for (f, l) in zip(centersHz, levelsDB) {
      guard let l else { continue }
      let p = pow(10, l / 10) * f * weight(f)
      before += p
      after += p * pow(10, gainDB(f) / 10)
    }
    return before > 0 && after > 0 ? 10 * log10(after / before) : nil
  }

  /// Correlation after scaling the side by `sideDB`, from the track's width and balance:
  /// ΣLR = ΣM² − ΣS², ΣL² + ΣR² = 2(ΣM² + ΣS²), ΣL² − ΣR² = 4ΣMS. Side only (no mid) stays −1 at any side gain.
  public static func predictedCorrelation(track t: TrackAnalysis, sideDB: Double) -> Double {
    let widthDB: Double
    switch t.stereo.width {
    case .db(let w): widthDB = w
    case .mono: widthDB = -200
    case .sideOnly: return -1
    }
    let s2 = pow(10, widthDB / 10), m2 = 1.0
    let b = pow(10, (t.stereo.balanceDB ?? 0) / 10)
    let sumLR2 = 2 * (m2 + s2)  // ΣL² + ΣR²
    let ms = (sumLR2 * b / (1 + b) - sumLR2 / (1 + b)) / 4
    let g2 = pow(10, sideDB / 10), g = sqrt(g2)
    let ll = m2 + g2 * s2 + 2 * g * ms, rr = m2 + g2 * s2 - 2 * g * ms
    return (m2 - g2 * s2) / sqrt(max(1e-30, ll * rr))
  }

  /// Loudness change of an EQ on this track: band powers weighted by K-weighting, before and after.
  public static func eqLoudnessChangeDB(track t: TrackAnalysis, curve: GainCurve) -> Double {
    guard !curve.isFlat else { return 0 }
    let rate = Double(t.sampleRate)
    return bandPowerChangeDB(
      centersHz: t.spectrum.bandCentersHz, levelsDB: t.spectrum.levelsDB,
      weight: { KWeighting.powerGain(frequencyHz: $0, sampleRateHz: rate) }, gainDB: curve.gainDB(at:)) ?? 0
  }

  /// Loudness change of a side gain: total power 2(ΣM² + g²ΣS²) against 2(ΣM² + ΣS²).
  public static func widthLoudnessChangeDB(track t: TrackAnalysis, sideDB: Double) -> Double {
    guard sideDB != 0, case .db(let w) = t.stereo.width else { return 0 }
    let s2 = pow(10, w / 10)
    return 10 * log10((1 + pow(10, sideDB / 10) * s2) / (1 + s2))
  }

  static func fmt(_ v: Double?, sign: Bool = false) -> String { Format.fixed(v, sign: sign, missing: "n/a") }

  static func hz(_ f: Double) -> String { f >= 1000 ? "\(fmt(f / 1000)) kHz" : "\(Int(f.rounded())) Hz" }
}

/// The BS.1770 K-weighting filter's power response (a +4 dB shelf near 1.7 kHz and a 38 Hz high-pass),
/// from the same analog prototype that libebur128 discretizes.
public enum KWeighting {
  /// The linear power gain |H(f)|² of the two K-weighting biquads at `frequencyHz` for a stream at `sampleRateHz`.
  public static func powerGain(frequencyHz f: Double, sampleRateHz fs: Double) -> Double {
    func biquad(_ b: [Double], _ a: [Double]) -> Double {
      let w = 2 * Double.pi * f / fs
      let (c1, s1, c2, s2) = (cos(w), -sin(w), cos(2 * w), -sin(2 * w))
      let nr = b[0] + b[1] * c1 + b[2] * c2, ni = b[1] * s1 + b[2] * s2
      let dr = a[0] + a[1] * c1 + a[2] * c2, di = a[1] * s1 + a[2] * s2
      return (nr * nr + ni * ni) / (dr * dr + di * di)
    }
    var k = tan(Double.pi * 1681.974450955533 / fs)
    let vh = pow(10, 3.999843853973347 / 20), vb = pow(vh, 0.4996667741545416), q = 0.7071752369554196
    let a0 = 1 + k / q + k * k
    let shelf = biquad(
      [(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0],
      [1, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0])
    k = tan(Double.pi * 38.13547087602444 / fs)
    let q2 = 0.5003270373238773, d = 1 + k / q2 + k * k
    let hp = biquad([1, -2, 1], [1, 2 * (k * k - 1) / d, (1 - k / q2 + k * k) / d])
    return shelf * hp
  }
}

