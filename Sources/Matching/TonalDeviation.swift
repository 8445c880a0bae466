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

  /// A track against an album profile. `sourceNyquistHz` (a master resampled up from a lower rate) leaves out the
  /// bands its source could not hold (lower edge, a 1/12 octave under the centre, at or over the source's Nyquist):
  /// as the source's own analysis has no level there, the master is compared over the same bands.
  public static func deviationDB(track: TrackAnalysis, profile: AlbumProfile, sourceNyquistHz: Double? = nil) -> Double? {
    guard track.loudness.integratedLUFS != nil else { return nil }
    let centers = track.spectrum.bandCentersHz
    var levels = track.spectrum.levelsDB
    if let nyquist = sourceNyquistHz {
      for i in levels.indices where i < centers.count && centers[i] * pow(2, -1.0 / 12) >= nyquist { levels[i] = nil }
    }
    return deviationDB(
      trackCentersHz: centers, trackLevelsDB: levels, profileCentersHz: profile.bandCentersHz,
      profileLevelsDB: profile.tonalBalanceDB)
  }
}
