import Analysis

/// A delivery target, as data: where a platform or standard wants loudness and true peak, and its format rules
/// (measurements.md, with sources).
public struct DeliveryPreset: Sendable, Hashable, Codable {
  /// The `--preset` name, e.g. `spotify`.
  public var name: String
  /// The loudness the platform normalizes to or the standard requires; `nil` where there is none (CD).
  public var targetLUFS: Double?
  /// How far from the target is still fine, LU.
  public var loudnessToleranceLU: Double
  /// Whether missing the loudness is a failure (broadcast) or a warning (streaming platforms normalize).
  public var loudnessIsRequirement: Bool
  /// The highest true peak allowed.
  public var ceilingDBTP: Double
  /// A lower ceiling for tracks louder than `louderThanLUFS` (Spotify: −2 dBTP above −14 LUFS).
  public var loudCeilingDBTP: Double?
  /// The integrated loudness above which `loudCeilingDBTP` applies; nil with it.
  public var louderThanLUFS: Double?
  /// Required sample rate, bits and channels (CD); `nil` = any.
  public var sampleRateHz: Int?
  /// Required integer bit depth; nil = any.
  public var bits: Int?
  /// Required channel count; nil = any.
  public var channels: Int?
  /// Minimum integer bit depth recommended (Apple Digital Masters: 24); a warning when lower.
  public var recommendedMinimumBits: Int?
  /// Shortest track allowed, seconds (Red Book: 4 s).
  public var minimumTrackSeconds: Double?
  /// Where the figures come from, for the report.
  public var source: String
  /// The `psr-floor` check's limit: a master whose median short-term PSR is under it is a warning, dB.
  public var psrFloorDB: Double

  init(
    _ name: String, target: Double?, tolerance: Double = 1, requirement: Bool = false, ceiling: Double,
    loudCeiling: Double? = nil, louderThan: Double? = nil, rate: Int? = nil, bits: Int? = nil, channels: Int? = nil,
    recommendedBits: Int? = nil, minimumSeconds: Double? = nil, psrFloor: Double = DefectThresholds.standard.minimumPSRDB,
    source: String
  ) {
    psrFloorDB = psrFloor
    self.name = name
    targetLUFS = target
    loudnessToleranceLU = tolerance
    loudnessIsRequirement = requirement
    ceilingDBTP = ceiling
    loudCeilingDBTP = loudCeiling
    louderThanLUFS = louderThan
    sampleRateHz = rate
    self.bits = bits
    self.channels = channels
    recommendedMinimumBits = recommendedBits
    minimumTrackSeconds = minimumSeconds
    self.source = source
  }

  /// The presets.
  public static let all: [DeliveryPreset] = [
    .init("spotify", target: -14, ceiling: -1, loudCeiling: -2, louderThan: -14, source: "Spotify for Artists, Loudness normalization"),
    .init("apple-music", target: -16, ceiling: -1, recommendedBits: 24, source: "Apple Digital Masters guidance (approximate)"),
    .init("youtube", target: -14, ceiling: -1, source: "public measurements"),
    .init("tidal", target: -14, ceiling: -1, source: "Tidal loudness normalization notes"),
    .init("amazon-music", target: -14, ceiling: -2, source: "secondary sources; approximate"),
    .init("ebu-r128", target: -23, tolerance: 0.5, requirement: true, ceiling: -1, psrFloor: 10, source: "EBU R 128"),
    .init("atsc-a85", target: -24, tolerance: 2, requirement: true, ceiling: -2, psrFloor: 10, source: "ATSC A/85"),
    .init("aes-td1008-album", target: -14, ceiling: -1, source: "AES TD1008"),
    .init(
      "cd-redbook", target: nil, ceiling: -0.1, rate: RedBook.sampleRateHz, bits: RedBook.bits, channels: RedBook.channels,
      minimumSeconds: RedBook.minTrackSeconds, source: "Red Book"),
  ]

  /// The preset called `name`, if any.
  public static func named(_ name: String) -> DeliveryPreset? { all.first { $0.name == name } }

  /// The true-peak limit for a track of this loudness.
  public func ceiling(forLoudness lufs: Double?) -> Double {
    if let loud = loudCeilingDBTP, let over = louderThanLUFS, let l = lufs, l > over { return loud }
    return ceilingDBTP
  }
}
