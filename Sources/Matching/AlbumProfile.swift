import Analysis
import DSP

/// The album's shared target: a tonal curve and a width. Saved as `profile.json` and reusable with `--profile`.
public struct AlbumProfile: Codable, Sendable, Hashable {
  /// 1/6-octave band centres, ascending.
  public var bandCentersHz: [Double]
  /// Per band, the median over the tracks of their tonal balance (level − integrated loudness), in dB.
  public var tonalBalanceDB: [Double?]
  /// The median stereo width of the tracks, in dB; `nil` when no track has one (all mono).
  @NullCoded public var widthDB: Double?
  /// How many tracks the profile was made from.
  public var trackCount: Int
  /// The median short-term PSR of the tracks (the references' mean), dB: the album's dynamics target; `nil`
  /// when no track has one (absent in profiles saved before it).
  @NullCoded public var psrDB: Double?
  /// `.reference` for a profile blended from `--reference` tracks; absent (an album's medians) otherwise, as in
  /// profiles saved before it. Only the plan's reasons read it.
  public var source: Source?
  /// The reference files' names, for a `.reference` profile (the plan's reasons and profile.json name them).
  public var references: [String]?

  /// Where a profile's values come from.
  public enum Source: String, Codable, Sendable, Hashable {
    /// The album's own tracks (their medians).
    case album
    /// `--reference` tracks (their mean).
    case reference
  }

  /// Whose balance the plan's reasons name: "the reference's" or "the album's".
  public var targetName: String { source == .reference ? "the reference's" : "the album's" }

  /// The reference files' names joined for a sentence ("a.wav, b.wav"); nil for an album's profile.
  public var referenceNames: String? { references.map { $0.joined(separator: ", ") } }

  /// A profile from saved values (profile.json); `tonalBalanceDB` parallel to `bandCentersHz`.
  public init(
    bandCentersHz: [Double], tonalBalanceDB: [Double?], widthDB: Double?, trackCount: Int, psrDB: Double? = nil,
    source: Source? = nil
  ) {
    self.source = source
    self.psrDB = psrDB
    self.bandCentersHz = bandCentersHz
    self.tonalBalanceDB = tonalBalanceDB
    self.widthDB = widthDB
    self.trackCount = trackCount
  }

  /// The profile of an album: per band the median tonal balance, and the median width.
  /// Silent tracks (no integrated loudness) have no tonal balance and do not count.
  /// Tracks at different sample rates share the bands they have in common; a band that only some tracks
  /// reach (e.g. above a 22.05 kHz file's range) takes the median of those that do.
  public init(tracks: [TrackAnalysis]) {
    var byIndex: [Int: [Double]] = [:]
    var used = 0
    for t in tracks where t.loudness.integratedLUFS != nil {
      used += 1
      for (f, v) in zip(t.spectrum.bandCentersHz, t.spectrum.tonalBalanceDB) {
        if let v { byIndex[FractionalOctaveBands.nearestIndex(frequencyHz: f), default: []].append(v) }
      }
    }
    let indices = byIndex.keys.sorted()
    bandCentersHz = indices.map(FractionalOctaveBands.centerHz(index:))
    tonalBalanceDB = indices.map { median(byIndex[$0]!) }
    // The stored number, so a side-only track counts at its cap (as it always has; see measurements.md).
    widthDB = median(tracks.compactMap { $0.stereo.width.storedDB })
    trackCount = used
    psrDB = median(tracks.filter { $0.loudness.integratedLUFS != nil }.compactMap(\.dynamics.psrMedianDB))
  }
}

extension AlbumProfile {
  /// The profile of reference tracks, blended by mean (per band and for the width).
  public init(blending references: [TrackAnalysis]) {
    var byIndex: [Int: [Double]] = [:]
    let loud = references.filter { $0.loudness.integratedLUFS != nil }
    for t in loud {
      for (f, v) in zip(t.spectrum.bandCentersHz, t.spectrum.tonalBalanceDB) {
        if let v { byIndex[FractionalOctaveBands.nearestIndex(frequencyHz: f), default: []].append(v) }
      }
    }
    let indices = byIndex.keys.sorted()
    let widths = loud.compactMap(\.stereo.width.storedDB)
    let psrs = loud.compactMap(\.dynamics.psrMedianDB)
    self.init(
      bandCentersHz: indices.map(FractionalOctaveBands.centerHz(index:)),
      tonalBalanceDB: indices.map { byIndex[$0]!.reduce(0, +) / Double(byIndex[$0]!.count) },
      widthDB: widths.isEmpty ? nil : widths.reduce(0, +) / Double(widths.count), trackCount: loud.count,
      psrDB: psrs.isEmpty ? nil : psrs.reduce(0, +) / Double(psrs.count), source: .reference)
    self.references = loud.map { $0.file.split(separator: "/").last.map(String.init) ?? $0.file }
  }
}

/// The median, `nil` for no values; the mean of the middle two for an even count.
public func median(_ values: [Double]) -> Double? {
  guard !values.isEmpty else { return nil }
  let s = values.sorted()
  let m = s.count / 2
  return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
}
