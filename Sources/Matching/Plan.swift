import Analysis
import DSP

/// How loudness is planned.
public enum LoudnessMode: String, Sendable, Hashable, Codable, CaseIterable {
  /// One album gain to the target; tracks keep their relative loudness within ±maxSpreadLU.
  case album
  /// Every track to the target.
  case track
  /// Loudness left alone (the limiter may still act).
  case none
}

/// The knobs of matching, with the documented defaults.
public struct MatchingOptions: Sendable, Hashable, Codable {
  /// Album, per-track or no loudness matching.
  public var loudness: LoudnessMode = .album
  /// Integrated loudness to reach, LUFS.
  public var targetLUFS: Double = -14
  /// Largest distance of a track from the album loudness after matching, LU.
  public var maxSpreadLU: Double = 3
  /// Share of the tonal correction applied, 0…1.
  public var eqAmount: Double = 1
  /// The EQ budget: the largest boost or cut where a band's content is strong (less where it is thin, in the
  /// lows and near a cut-off; `Planner.eqBudgetDB`), dB.
  public var maxEQDB: Double = 12
  /// `maxEQDB`'s default when matching to `--reference` tracks: the user asked for their tonal balance, and at 12 dB
  /// an inconsistent album stayed further from it than Matchering (measurements.md, "EQ curve").
  public static let referenceMaxEQDB = 18.0
  /// The EQ filter's phase; mixed by default (README, "Why mixed phase").
  public var eqPhase: EQPhase = .mixed
  /// Share of the width correction applied, 0…1.
  public var widthAmount: Double = 1
  /// Largest side-gain change, dB.
  public var maxWidthDB: Double = 3
  /// True-peak ceiling, dBTP.
  public var ceilingDBTP: Double = -1
  /// Whether the true-peak limiter runs.
  public var limiter: Bool = true
  /// Share of the move toward the album's dynamics (short-term PSR) applied, 0…1; 0 turns compression off.
  public var dynamicsAmount: Double = 1
  /// The short-term PSR the album is matched to, dB; `nil`: the median of the tracks (or the references').
  public var targetPSRDB: Double? = nil
  /// Largest gain reduction of the compressor (its range), dB.
  public var maxCompressionDB: Double = 6
  /// The limiting budget: the most gain reduction the limiter may take in more than 1 % of the time, dB.
  public var maxLimitingDB: Double = 3
  /// Whether a compressed track gets the multiband compressor (4 bands, mid and side) in place of the wideband one.
  public var multiband: Bool = false

  /// The defaults above.
  public init() {}

  private enum CodingKeys: String, CodingKey {
    case loudness, targetLUFS, maxSpreadLU, eqAmount, maxEQDB, widthAmount, maxWidthDB, ceilingDBTP, limiter
    case dynamicsAmount, targetPSRDB, maxCompressionDB, maxLimitingDB, multiband, eqPhase
  }

  /// Reads saved options. The dynamics keys may be absent (plans written before them): such a plan had no
  /// dynamics stage and no budget, so it reads as amount 0 and the largest budget, and renders as it did.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    loudness = try c.decode(LoudnessMode.self, forKey: .loudness)
    targetLUFS = try c.decode(Double.self, forKey: .targetLUFS)
    maxSpreadLU = try c.decode(Double.self, forKey: .maxSpreadLU)
    eqAmount = try c.decode(Double.self, forKey: .eqAmount)
    maxEQDB = try c.decode(Double.self, forKey: .maxEQDB)
    widthAmount = try c.decode(Double.self, forKey: .widthAmount)
    maxWidthDB = try c.decode(Double.self, forKey: .maxWidthDB)
    ceilingDBTP = try c.decode(Double.self, forKey: .ceilingDBTP)
    limiter = try c.decode(Bool.self, forKey: .limiter)
    dynamicsAmount = try c.decodeIfPresent(Double.self, forKey: .dynamicsAmount) ?? 0
    targetPSRDB = try c.decodeIfPresent(Double.self, forKey: .targetPSRDB)
    maxCompressionDB = try c.decodeIfPresent(Double.self, forKey: .maxCompressionDB) ?? 6
    maxLimitingDB = try c.decodeIfPresent(Double.self, forKey: .maxLimitingDB) ?? MatchingLimits.maxLimitingDB.range.upperBound
    multiband = try c.decodeIfPresent(Bool.self, forKey: .multiband) ?? false
    // Plans written before the key were linear phase.
    eqPhase = try c.decodeIfPresent(EQPhase.self, forKey: .eqPhase) ?? .linear
  }

  /// Writes every key (`targetPSRDB` as `null` when not set).
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(loudness, forKey: .loudness)
    try c.encode(targetLUFS, forKey: .targetLUFS)
    try c.encode(maxSpreadLU, forKey: .maxSpreadLU)
    try c.encode(eqAmount, forKey: .eqAmount)
    try c.encode(maxEQDB, forKey: .maxEQDB)
    try c.encode(widthAmount, forKey: .widthAmount)
    try c.encode(maxWidthDB, forKey: .maxWidthDB)
    try c.encode(ceilingDBTP, forKey: .ceilingDBTP)
    try c.encode(limiter, forKey: .limiter)
    try c.encode(dynamicsAmount, forKey: .dynamicsAmount)
    try c.encode(NullCoded(wrappedValue: targetPSRDB), forKey: .targetPSRDB)
    try c.encode(maxCompressionDB, forKey: .maxCompressionDB)
    try c.encode(maxLimitingDB, forKey: .maxLimitingDB)
    try c.encode(multiband, forKey: .multiband)
    try c.encode(eqPhase, forKey: .eqPhase)
  }
}

/// What to do to one track.
public struct TrackPlan: Sendable, Hashable, Codable {
  /// File name relative to the album folder: which track this plan is for.
  public var file: String
  /// The EQ, as gains at 1/6-octave band centres (empty frequencies = flat).
  public var eq: GainCurve
  /// Gain after EQ and width, dB.
  public var gainDB: Double
  /// Side gain in M/S, dB (never applied below about 150 Hz when positive).
  public var widthDB: Double
  /// The track's measured integrated loudness.
  @NullCoded public var sourceLUFS: Double?
  /// The loudness the master should have; `nil` for a silent track.
  @NullCoded public var targetLUFS: Double?
  /// True-peak ceiling for this track's master, dBTP (the options' ceiling when planned).
  public var ceilingDBTP: Double
  /// Whether the true-peak limiter runs on this track.
  public var limiter: Bool
  /// One plain sentence per decision.
  public var reasons: [String]
  /// Compression toward the album's dynamics and the limiting budget; `nil` (absent in plans written before
  /// it) leaves dynamics alone and puts no budget on the limiter.
  @NullCoded public var dynamics: DynamicsPlan?
  /// The corner of the subsonic high-pass that removes DC and rumble (`SubsonicHighPass`), Hz; it runs only on a
  /// master that changes anyway (`renderedHighPassHz`). `nil` (and plans written before it): none.
  @NullCoded public var highPassHz: Double?
  /// The EQ filter's phase; `nil` (plans written before it) is linear.
  @NullCoded public var eqPhase: EQPhase?

  /// The phase the EQ is rendered in.
  public var renderedEQPhase: EQPhase { eqPhase ?? .linear }

  /// A plan from its parts; `sourceLUFS` and `targetLUFS` nil for a silent track.
  public init(
    file: String, eq: GainCurve, gainDB: Double, widthDB: Double, sourceLUFS: Double?, targetLUFS: Double?,
    ceilingDBTP: Double, limiter: Bool, reasons: [String], dynamics: DynamicsPlan? = nil, eqPhase: EQPhase? = nil,
    highPassHz: Double? = nil
  ) {
    self.dynamics = dynamics
    self.eqPhase = eqPhase
    self.highPassHz = highPassHz
    self.file = file
    self.eq = eq
    self.gainDB = gainDB
    self.widthDB = widthDB
    self.sourceLUFS = sourceLUFS
    self.targetLUFS = targetLUFS
    self.ceilingDBTP = ceilingDBTP
    self.limiter = limiter
    self.reasons = reasons
  }

  /// Whether rendering this plan changes nothing but the container (no EQ, width, gain or limiter). The
  /// high-pass does not count: it never runs alone, so an identity plan stays bit-exact.
  public var isIdentity: Bool {
    eq.isFlat && abs(gainDB) < 1e-9 && abs(widthDB) < 1e-9 && !limiter && dynamics?.compressor == nil
  }

  /// The high-pass the render runs: the plan's, unless nothing else changes the samples.
  public var renderedHighPassHz: Double? { isIdentity ? nil : highPassHz }
}

/// `plan.json`: the album's plan, editable, and renderable with `albummaster render --plan`.
public struct AlbumPlan: Sendable, Hashable, Codable {
  /// The version this build writes and accepts; `load` refuses any other.
  public static let currentSchemaVersion = 1
  /// The version the document was written in.
  public var schemaVersion = currentSchemaVersion
  /// The album's name (its folder name).
  public var album: String
  /// The options the plan was made with.
  public var options: MatchingOptions
  /// The target the tracks were matched to.
  public var profile: AlbumProfile
  /// Integrated loudness of the whole album before mastering.
  @NullCoded public var albumLoudnessLUFS: Double?
  /// One plan per track, in album order.
  public var tracks: [TrackPlan]

  /// A plan of the current schema version; `albumLoudnessLUFS` nil when the album is silent.
  public init(album: String, options: MatchingOptions, profile: AlbumProfile, albumLoudnessLUFS: Double?, tracks: [TrackPlan]) {
    self.album = album
    self.options = options
    self.profile = profile
    self.albumLoudnessLUFS = albumLoudnessLUFS
    self.tracks = tracks
  }
}

/// Options given explicitly (by album.yaml or flags); `nil` leaves the value below in place.
public struct MatchingOverrides: Sendable, Hashable {
  /// Loudness mode; nil leaves the one below.
  public var loudness: LoudnessMode?
  /// Target integrated loudness, LUFS; nil leaves the one below.
  public var targetLUFS: Double?
  /// Largest distance from the album loudness, LU; nil leaves the one below.
  public var maxSpreadLU: Double?
  /// Share of the tonal correction, 0…1; nil leaves the one below.
  public var eqAmount: Double?
  /// Largest EQ boost or cut, dB; nil leaves the one below.
  public var maxEQDB: Double?
  /// Share of the width correction, 0…1; nil leaves the one below.
  public var widthAmount: Double?
  /// Largest side-gain change, dB; nil leaves the one below.
  public var maxWidthDB: Double?
  /// True-peak ceiling, dBTP; nil leaves the one below.
  public var ceilingDBTP: Double?
  /// Whether the limiter runs; nil leaves the one below.
  public var limiter: Bool?
  /// Share of the dynamics correction, 0…1; nil leaves the one below.
  public var dynamicsAmount: Double?
  /// The album's target short-term PSR, dB; nil leaves the one below.
  public var targetPSRDB: Double?
  /// Largest compressor gain reduction, dB; nil leaves the one below.
  public var maxCompressionDB: Double?
  /// The limiting budget, dB; nil leaves the one below.
  public var maxLimitingDB: Double?
  /// Whether compressed tracks get the multiband compressor; nil leaves the one below.
  public var multiband: Bool?
  /// The EQ filter's phase; nil leaves the one below.
  public var eqPhase: EQPhase?

  /// Nothing given.
  public init() {}

  /// `base` with every given value on top.
  public func apply(to base: MatchingOptions) -> MatchingOptions {
    var o = base
    if let v = loudness { o.loudness = v }
    if let v = targetLUFS { o.targetLUFS = v }
    if let v = maxSpreadLU { o.maxSpreadLU = v }
    if let v = eqAmount { o.eqAmount = v }
    if let v = maxEQDB { o.maxEQDB = v }
    if let v = widthAmount { o.widthAmount = v }
    if let v = maxWidthDB { o.maxWidthDB = v }
    if let v = ceilingDBTP { o.ceilingDBTP = v }
    if let v = limiter { o.limiter = v }
    if let v = dynamicsAmount { o.dynamicsAmount = v }
    if let v = targetPSRDB { o.targetPSRDB = v }
    if let v = maxCompressionDB { o.maxCompressionDB = v }
    if let v = maxLimitingDB { o.maxLimitingDB = v }
    if let v = multiband { o.multiband = v }
    if let v = eqPhase { o.eqPhase = v }
    return o
  }
}
