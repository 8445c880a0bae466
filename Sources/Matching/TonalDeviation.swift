import Analysis
import DSP

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How far a track's tonal shape lies from a profile, per measurements.md: both curves smoothed to 1/3 octave,
/// mean-removed over 60 Hz–12 kHz (`TonalShape`), then the RMS of the difference.
public enum TonalDeviation {
  /// RMS difference in dB between the mean-removed, 1/3-octave-smoothed curves; `nil` with fewer than 3 shared bands.
  public static func deviationDB(
    trackCentersHz: [Double], trackLevelsDB: [Double?], profileCentersHz: [Double], profileLevelsDB: [Double?]
  ) -> Double? {
    TonalComparison(
      track: TonalShape(centersHz: trackCentersHz, levelsDB: trackLevelsDB),
      profile: TonalShape(centersHz: profileCentersHz, levelsDB: profileLevelsDB))?.rmsDeviationDB
  }

  /// A track against an album profile.
  public static func deviationDB(track: TrackAnalysis, profile: AlbumProfile) -> Double? {
    guard track.loudness.integratedLUFS != nil else { return nil }
    return deviationDB(
      trackCentersHz: track.spectrum.bandCentersHz, trackLevelsDB: track.spectrum.levelsDB,
      profileCentersHz: profile.bandCentersHz, profileLevelsDB: profile.tonalBalanceDB)
  }
}
