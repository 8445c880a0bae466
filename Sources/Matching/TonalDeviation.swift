import Analysis
import DSP

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How far a track's tonal shape lies from a profile, per measurements.md:
/// both curves smoothed to 1/3 octave, mean-removed over 60 Hz–12 kHz, then the RMS of the difference.
public enum TonalDeviation {
  /// The band range that counts.
  public static let lowHz = 60.0
  /// The top of that range, in Hz (`lowHz` is the bottom).
  public static let highHz = 12_000.0

  /// RMS difference in dB between the mean-removed, 1/3-octave-smoothed curves; `nil` with fewer than 3 shared bands.
  public static func deviationDB(
    trackCentersHz: [Double], trackLevelsDB: [Double?], profileCentersHz: [Double], profileLevelsDB: [Double?]
  ) -> Double? {
    let t = smoothed(centersHz: trackCentersHz, levelsDB: trackLevelsDB)
    let p = smoothed(centersHz: profileCentersHz, levelsDB: profileLevelsDB)
    // Band indices whose centres lie inside [lowHz, highHz]: 62.5 Hz … 11.3 kHz.
    let lo = Int((6 * log2(lowHz / 1000)).rounded(.up))
    let hi = Int((6 * log2(highHz / 1000)).rounded(.down))
    let shared = t.keys.filter { $0 >= lo && $0 <= hi && p[$0] != nil }.sorted()
    guard shared.count >= 3 else { return nil }
    let mt = shared.reduce(0) { $0 + t[$1]! } / Double(shared.count)
    let mp = shared.reduce(0) { $0 + p[$1]! } / Double(shared.count)
    let sq = shared.reduce(0.0) { acc, k in
      let d = (t[k]! - mt) - (p[k]! - mp)
      return acc + d * d
    }
    return (sq / Double(shared.count)).squareRoot()
  }

  /// A track against an album profile.
  public static func deviationDB(track: TrackAnalysis, profile: AlbumProfile) -> Double? {
    guard track.loudness.integratedLUFS != nil else { return nil }
    return deviationDB(
      trackCentersHz: track.spectrum.bandCentersHz, trackLevelsDB: track.spectrum.levelsDB,
      profileCentersHz: profile.bandCentersHz, profileLevelsDB: profile.tonalBalanceDB)
  }

  /// 1/3-octave smoothing: each band becomes the mean (in dB) of the bands whose centres lie within
  /// ±1/6 octave of it, i.e. itself and its two 1/6-octave neighbours where they exist.
  public static func smoothed(centersHz: [Double], levelsDB: [Double?]) -> [Int: Double] {
    var byIndex: [Int: Double] = [:]
    for (f, l) in zip(centersHz, levelsDB) {
      if let l { byIndex[FractionalOctaveBands.nearestIndex(frequencyHz: f)] = l }
    }
    var out: [Int: Double] = [:]
    for k in byIndex.keys {
      let near = [k - 1, k, k + 1].compactMap { byIndex[$0] }
      out[k] = near.reduce(0, +) / Double(near.count)
    }
    return out
  }
}
