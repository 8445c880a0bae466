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

  /// A track against an album profile. `sourceSampleRateHz` (a master resampled up from a lower rate) keeps only
  /// the bands the source's own analysis has (`FractionalOctaveBands.topCenterHz`): above them the master holds
  /// the resampler's stop band, not the plan's work, and the same audio would otherwise read several dB apart
  /// at the two rates.
  public static func deviationDB(track: TrackAnalysis, profile: AlbumProfile, sourceSampleRateHz: Double? = nil) -> Double? {
    guard track.loudness.integratedLUFS != nil else { return nil }
    let centers = track.spectrum.bandCentersHz
    var levels = track.spectrum.levelsDB
    if let rateHz = sourceSampleRateHz {
      let topHz = FractionalOctaveBands.topCenterHz(sampleRateHz: rateHz)
      for i in levels.indices where i < centers.count && centers[i] > topHz { levels[i] = nil }
    }
    return deviationDB(
      trackCentersHz: centers, trackLevelsDB: levels, profileCentersHz: profile.bandCentersHz,
      profileLevelsDB: profile.tonalBalanceDB)
  }
}
