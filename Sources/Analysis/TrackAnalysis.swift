import AudioIO

/// Loudness per ITU-R BS.1770-4 / EBU Tech 3341–3342, measured by libebur128.
public struct LoudnessStats: Codable, Sendable, Hashable {
  /// Gated integrated loudness; `nil` for silence or a track shorter than one 400 ms block.
  @NullCoded public var integratedLUFS: Double?
  /// Loudness range (Tech 3342, short-term values at 10 Hz); `nil` when there is no integrated loudness or the
  /// track is shorter than one 3 s window.
  @NullCoded public var rangeLU: Double?
  /// Maximum momentary (400 ms) loudness, read every 10 ms; `nil` before one full window.
  @NullCoded public var momentaryMaxLUFS: Double?
  /// Maximum short-term (3 s) loudness, read every 10 ms; `nil` before one full window.
  @NullCoded public var shortTermMaxLUFS: Double?
  /// Maximum true peak over the channels per BS.1770 (libebur128: 4× oversampled below 96 kHz, 2× below 192 kHz).
  @NullCoded public var truePeakDBTP: Double?
  /// True peak per channel; `null` entries for silent channels.
  public var truePeakPerChannelDBTP: [Double?]
  /// The accurate inter-sample peak over the channels (`InterSamplePeakMeter`: a 16× grid at every rate, a kernel
  /// flat to 0.45·fs); `nil` for silence, or where not measured. Verification holds the ceiling by it too.
  @NullCoded public var interSamplePeakDBTP: Double? = nil
  /// Maximum |sample| over all channels.
  @NullCoded public var samplePeakDBFS: Double?
  /// Short-term loudness at regular intervals, for timelines and the track-to-track jump check.
  public var shortTermSeries: LoudnessSeries

  /// A record of measured values; nil where the measurement has none (see each field).
  public init(
    integratedLUFS: Double?, rangeLU: Double?, momentaryMaxLUFS: Double?, shortTermMaxLUFS: Double?,
    truePeakDBTP: Double?, truePeakPerChannelDBTP: [Double?], samplePeakDBFS: Double?, shortTermSeries: LoudnessSeries
  ) {
    self.integratedLUFS = integratedLUFS
    self.rangeLU = rangeLU
    self.momentaryMaxLUFS = momentaryMaxLUFS
    self.shortTermMaxLUFS = shortTermMaxLUFS
    self.truePeakDBTP = truePeakDBTP
    self.truePeakPerChannelDBTP = truePeakPerChannelDBTP
    self.samplePeakDBFS = samplePeakDBFS
    self.shortTermSeries = shortTermSeries
  }
}

/// Short-term loudness sampled every `intervalSeconds`; value i is the 3 s window ending at (i+1)·interval
/// (in the first 3 s, the audio so far). `nil` entries are silence.
public struct LoudnessSeries: Codable, Sendable, Hashable {
  /// Spacing of the values, in seconds.
  public var intervalSeconds: Double
  /// Short-term loudness per interval; nil for a silent window.
  public var valuesLUFS: [Double?]

  /// A series of `valuesLUFS` spaced `intervalSeconds` apart.
  public init(intervalSeconds: Double, valuesLUFS: [Double?]) {
    self.intervalSeconds = intervalSeconds
    self.valuesLUFS = valuesLUFS
  }
}

/// Long-term average spectrum in 1/6-octave bands (Welch, Hann, 50 % overlap). Parallel arrays.
public struct SpectrumStats: Codable, Sendable, Hashable {
  /// Centre frequency of each band, ascending, in Hz; the other arrays have one entry per band.
  public var bandCentersHz: [Double]
  /// Mean power per FFT bin in each band, all channels, in dB relative to a full-scale mean square.
  public var levelsDB: [Double?]
  /// The same for M = (L+R)/2; `nil` for one channel.
  public var midLevelsDB: [Double?]?
  /// The same for S = (L−R)/2; `nil` for one channel.
  public var sideLevelsDB: [Double?]?
  /// `levelsDB` minus the integrated loudness: the level-independent shape used for matching.
  public var tonalBalanceDB: [Double?]
  /// Spectral tilt: the least-squares slope of `levelsDB` against log2(frequency), 100 Hz–10 kHz,
  /// times the log2(100) ≈ 6.64 octaves of that span. Negative is dark, positive bright.
  @NullCoded public var tiltDB: Double?
  /// Frames averaged (those under −70 dBFS RMS are left out).
  public var framesAveraged: Int
  /// How much each band's place in the spectrum moves over the track: the standard deviation, over its 10 s
  /// segments, of the band's level relative to the segment's median band, in dB. Small where the balance holds
  /// through the track (a correction fits it throughout), large where it comes and goes. `nil` per band with
  /// fewer than 3 segments; the whole array `nil` when the analysis has none.
  public var levelSpreadDB: [Double?]?

  /// A record of measured values; arrays parallel to `bandCentersHz`.
  public init(
    bandCentersHz: [Double], levelsDB: [Double?], midLevelsDB: [Double?]?, sideLevelsDB: [Double?]?,
    tonalBalanceDB: [Double?], tiltDB: Double?, framesAveraged: Int, levelSpreadDB: [Double?]? = nil
  ) {
    self.levelSpreadDB = levelSpreadDB
    self.bandCentersHz = bandCentersHz
    self.levelsDB = levelsDB
    self.midLevelsDB = midLevelsDB
    self.sideLevelsDB = sideLevelsDB
    self.tonalBalanceDB = tonalBalanceDB
    self.tiltDB = tiltDB
    self.framesAveraged = framesAveraged
  }

  private enum CodingKeys: String, CodingKey {
    case bandCentersHz, levelsDB, midLevelsDB, sideLevelsDB, tonalBalanceDB, tiltDB, framesAveraged, levelSpreadDB
  }

  /// Writes every key, with explicit `null` for the mid/side levels of a mono track, a missing tilt and spread.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(bandCentersHz, forKey: .bandCentersHz)
    try c.encode(levelsDB, forKey: .levelsDB)
    try c.encode(midLevelsDB, forKey: .midLevelsDB)  // explicit null for mono
    try c.encode(sideLevelsDB, forKey: .sideLevelsDB)
    try c.encode(tonalBalanceDB, forKey: .tonalBalanceDB)
    try c.encode(_tiltDB, forKey: .tiltDB)
    try c.encode(framesAveraged, forKey: .framesAveraged)
    try c.encode(levelSpreadDB, forKey: .levelSpreadDB)  // explicit null without segments
  }
}

/// Stereo image from the first two channels; every field is `nil` (the width `.mono`) for one channel.
public struct StereoStats: Codable, Sendable, Hashable {
  /// ΣL·R / √(ΣL²·ΣR²); `nil` if a channel is silent.
  @NullCoded public var correlation: Double?
  /// Side against mid: a width in dB, mono (no side) or side only (no mid).
  public var width: StereoWidth
  /// 10·log10(ΣL²/ΣR²); positive leans left.
  @NullCoded public var balanceDB: Double?

  /// The width as stored in `analysis.json`: `nil` for mono, `StereoWidth.sideOnlyStoredDB` for side only.
  /// For files and tables; rules read `width`.
  public var widthDB: Double? {
    get { width.storedDB }
    set { width = StereoWidth(storedDB: newValue) }
  }

  /// The figures, with the width as a case.
  public init(correlation: Double?, width: StereoWidth, balanceDB: Double?) {
    self.correlation = correlation
    self.width = width
    self.balanceDB = balanceDB
  }

  /// The figures, with the width as `analysis.json` stores it.
  public init(correlation: Double?, widthDB: Double?, balanceDB: Double?) {
    self.init(correlation: correlation, width: StereoWidth(storedDB: widthDB), balanceDB: balanceDB)
  }

  private enum CodingKeys: String, CodingKey { case correlation, widthDB, balanceDB }

  /// Reads `analysis.json`'s stereo object: `widthDB` a number, `null` or absent (mono).
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    _correlation = try c.decode(NullCoded<Double>.self, forKey: .correlation)
    width = StereoWidth(storedDB: try c.decode(NullCoded<Double>.self, forKey: .widthDB).wrappedValue)
    _balanceDB = try c.decode(NullCoded<Double>.self, forKey: .balanceDB)
  }

  /// Writes the same keys and values as ever: `widthDB` is a number or an explicit `null`.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(_correlation, forKey: .correlation)
    try c.encode(NullCoded(wrappedValue: widthDB), forKey: .widthDB)
    try c.encode(_balanceDB, forKey: .balanceDB)
  }
}

/// Peak-to-loudness, peak-to-short-term loudness and crest factor. The loudness range is `LoudnessStats.rangeLU`.
public struct DynamicsStats: Codable, Sendable, Hashable {
  /// truePeakDBTP − integratedLUFS.
  @NullCoded public var plrDB: Double?
  /// samplePeakDBFS − RMS (all channels, all samples).
  @NullCoded public var crestDB: Double?
  /// RMS of all samples of all channels, in dBFS (a full-scale sine reads −3.01).
  @NullCoded public var rmsDBFS: Double?
  /// Short-term PSR, the median over the track: every 100 ms, the true peak of the last 3 s minus their
  /// short-term loudness, gated as LRA (`ShortTermPSRMeter`). `nil` for silence, audio under −70 LUFS, or a track
  /// shorter than 3 s; absent (so `nil`) in files written before it was measured.
  @NullCoded public var psrMedianDB: Double?
  /// The 10th percentile of the same values (the densest passages).
  @NullCoded public var psrP10DB: Double?
  /// The 90th percentile of the same values (the most open passages).
  @NullCoded public var psrP90DB: Double?

  /// The figures; the PSR ones default to `nil` (not measured).
  public init(
    plrDB: Double?, crestDB: Double?, rmsDBFS: Double?, psrMedianDB: Double? = nil, psrP10DB: Double? = nil,
    psrP90DB: Double? = nil
  ) {
    self.plrDB = plrDB
    self.crestDB = crestDB
    self.rmsDBFS = rmsDBFS
    self.psrMedianDB = psrMedianDB
    self.psrP10DB = psrP10DB
    self.psrP90DB = psrP90DB
  }
}

/// Defects that a release should not ship with.
public struct DefectStats: Codable, Sendable, Hashable {
  /// Runs of ≥ 3 consecutive samples on one channel at |x| ≥ 0.9999.
  public var clippedRuns: Int
  /// Samples inside those runs.
  public var clippedSamples: Int
  /// Per channel, 20·log10|mean|; `null` when the mean is exactly 0.
  public var dcOffsetDBFS: [Double?]
  /// Time before the first sample at ≥ −60 dBFS on any channel (the whole track if none is).
  public var leadingSilenceSeconds: Double
  /// Time after the last sample at ≥ −60 dBFS on any channel (the whole track if none is).
  public var trailingSilenceSeconds: Double
  /// NaN and ±Inf samples; the meters saw them as 0.
  public var nonFiniteSamples: Int
  /// Samples larger than `AudioLimits.maxSampleMagnitude` (corrupt data); the meters saw them as 0. `nil` (the key
  /// absent from JSON) when there are none.
  public var overRangeSamples: Int?
  /// Level of the first frame (largest |x| over the channels); high means the track starts with a click.
  @NullCoded public var firstSampleDBFS: Double?
  /// Level of the last frame; high means the track ends with a click.
  @NullCoded public var lastSampleDBFS: Double?

  /// A record of measured values; `overRangeSamples` nil means none.
  public init(
    clippedRuns: Int, clippedSamples: Int, dcOffsetDBFS: [Double?], leadingSilenceSeconds: Double,
    trailingSilenceSeconds: Double, nonFiniteSamples: Int, overRangeSamples: Int? = nil, firstSampleDBFS: Double? = nil,
    lastSampleDBFS: Double? = nil
  ) {
    self.overRangeSamples = overRangeSamples
    self.firstSampleDBFS = firstSampleDBFS
    self.lastSampleDBFS = lastSampleDBFS
    self.clippedRuns = clippedRuns
    self.clippedSamples = clippedSamples
    self.dcOffsetDBFS = dcOffsetDBFS
    self.leadingSilenceSeconds = leadingSilenceSeconds
    self.trailingSilenceSeconds = trailingSilenceSeconds
    self.nonFiniteSamples = nonFiniteSamples
  }

  /// The largest per-channel DC offset, `nil` if every channel has none.
  public var maxDCOffsetDBFS: Double? { dcOffsetDBFS.compactMap { $0 }.max() }
}

/// Everything one streaming pass learns about a track. Keys follow `analysis.json` schema version 1.
public struct TrackAnalysis: Codable, Sendable, Hashable {
  /// File name relative to the album folder.
  public var file: String
  /// Title tag; nil when untagged.
  @NullCoded public var title: String?
  /// Artist tag; nil when untagged.
  @NullCoded public var artist: String?
  /// Sample rate of the file, in Hz.
  public var sampleRate: Int
  /// Channels of the file.
  public var channels: Int
  /// Frames actually decoded.
  public var frames: Int64
  /// `frames` over the sample rate, in seconds.
  public var durationSeconds: Double
  /// Container name, e.g. "FLAC".
  public var format: String
  /// Sample encoding, e.g. "PCM_24".
  public var subtype: String
  /// Every tag the file carries.
  public var metadata: AudioMetadata
  /// BS.1770 loudness, true peak and the short-term series.
  public var loudness: LoudnessStats
  /// Long-term spectrum and tilt.
  public var spectrum: SpectrumStats
  /// Correlation, width and balance.
  public var stereo: StereoStats
  /// PLR, crest factor and RMS.
  public var dynamics: DynamicsStats
  /// Clipping, DC, silence at the ends, corrupt samples, clicks.
  public var defects: DefectStats
  /// RMS deviation (dB) of the track's 1/3-octave shape from the album profile, 60 Hz–12 kHz.
  @NullCoded public var tonalDeviationDB: Double?
  /// The 400 ms gating-block energies, kept in memory for album loudness; not written to JSON
  /// (a saved analysis falls back to a duration-weighted estimate).
  public var gatingBlockEnergies: [Double] = []

  private enum CodingKeys: String, CodingKey {
    case file, title, artist, sampleRate, channels, frames, durationSeconds, format, subtype, metadata, loudness
    case spectrum, stereo, dynamics, defects, tonalDeviationDB
  }

  /// Combines the meters' results with the file's header; the tonal deviation comes later, against the album.
  public init(
    file: String, info: AudioFileInfo, frames: Int64, loudness: LoudnessStats, spectrum: SpectrumStats,
    stereo: StereoStats, dynamics: DynamicsStats, defects: DefectStats, tonalDeviationDB: Double? = nil
  ) {
    self.file = file
    self.title = info.metadata.title
    self.artist = info.metadata.artist
    self.sampleRate = info.sampleRate
    self.channels = info.channels
    self.frames = frames
    self.durationSeconds = Double(frames) / Double(info.sampleRate)
    self.format = info.format.container.rawValue
    self.subtype = info.format.encoding.rawValue
    self.metadata = info.metadata
    self.loudness = loudness
    self.spectrum = spectrum
    self.stereo = stereo
    self.dynamics = dynamics
    self.defects = defects
    self.tonalDeviationDB = tonalDeviationDB
  }

  /// Takes the format, rate and tags from a file's header (for measurements made before the file existed).
  public mutating func describe(_ info: AudioFileInfo) {
    title = info.metadata.title
    artist = info.metadata.artist
    sampleRate = info.sampleRate
    channels = info.channels
    durationSeconds = Double(frames) / Double(info.sampleRate)
    format = info.format.container.rawValue
    subtype = info.format.encoding.rawValue
    metadata = info.metadata
  }
}
