import Analysis
import AudioIO
import DSP

/// A TrackAnalysis with a chosen spectrum, loudness and width, for the pure Matching functions.
public func fixtureTrack(
  file: String, integratedLUFS: Double? = -14, levelsDB: (Double) -> Double?, widthDB: Double? = -12,
  sampleRateHz: Int = 48_000
) -> TrackAnalysis {
  let centers = FractionalOctaveBands(sampleRateHz: Double(sampleRateHz)).centersHz
  let levels = centers.map(levelsDB)
  let info = AudioFileInfo(
    sampleRate: sampleRateHz, channels: 2, frames: Int64(sampleRateHz),
    format: AudioFileFormat(container: .wav, encoding: .pcm24))
  return TrackAnalysis(
    file: file, info: info, frames: Int64(sampleRateHz),
    loudness: LoudnessStats(
      integratedLUFS: integratedLUFS, rangeLU: nil, momentaryMaxLUFS: nil, shortTermMaxLUFS: nil, truePeakDBTP: nil,
      truePeakPerChannelDBTP: [nil, nil], samplePeakDBFS: nil,
      shortTermSeries: LoudnessSeries(intervalSeconds: 1, valuesLUFS: [])),
    spectrum: SpectrumStats(
      bandCentersHz: centers, levelsDB: levels, midLevelsDB: nil, sideLevelsDB: nil,
      tonalBalanceDB: levels.map { l in integratedLUFS.flatMap { i in l.map { $0 - i } } },
      tiltDB: SpectrumMeter.tiltDB(centersHz: centers, levelsDB: levels), framesAveraged: 1),
    stereo: StereoStats(correlation: 0.5, widthDB: widthDB, balanceDB: 0),
    dynamics: DynamicsStats(plrDB: nil, crestDB: nil, rmsDBFS: nil),
    defects: DefectStats(
      clippedRuns: 0, clippedSamples: 0, dcOffsetDBFS: [nil, nil], leadingSilenceSeconds: 0,
      trailingSilenceSeconds: 0, nonFiniteSamples: 0))
}
