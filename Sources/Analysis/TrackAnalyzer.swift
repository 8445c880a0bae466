import AudioIO

/// A track that could not be analysed: the file and a one-line reason.
public struct TrackFailure: Error, Sendable, Hashable, Codable, CustomStringConvertible {
  /// File name relative to the album folder.
  public var file: String
  /// One line, suitable for a terminal, a CSV cell and JSON.
  public var error: String

  public init(file: String, error: String) {
    self.file = file
    self.error = error
  }

  public var description: String { "\(file): \(error)" }
}

/// One streaming pass over a track: every meter is fed the same block, and memory does not depend on length.
public enum TrackAnalyzer {
  /// Frames read per block.
  public static let blockFrames = 8192

  /// Analyses the file at `path`, reporting it as `file` (its name relative to the album).
  /// - Throws: `TrackFailure` for anything that stops the measurement (open, format, truncation, read errors).
  /// `progress` gets the fraction read, 0…1, every few blocks.
  public static func analyze(
    path: String, file: String, progress: ((Double) -> Void)? = nil
  ) throws(TrackFailure) -> TrackAnalysis {
    do {
      return try run(path: path, file: file, progress: progress)
    } catch let error as AudioIOError {
      throw TrackFailure(file: file, error: error.reason)
    } catch {
      throw TrackFailure(file: file, error: "\(error)")
    }
  }

  private static func run(path: String, file: String, progress: ((Double) -> Void)?) throws -> TrackAnalysis {
    var reader = try AudioFileReader(path: path)
    let info = reader.info
    let channels = info.channels
    var loudness = try LoudnessMeter(channels: channels, sampleRateHz: info.sampleRate, channelMap: info.channelMap)
    var truePeak = try TruePeakMeter(channels: channels, sampleRateHz: info.sampleRate)
    var spectrum = SpectrumMeter(channels: channels, sampleRateHz: info.sampleRate)
    var stats = SampleStats(channels: channels)
    var stereo = StereoMeter(channels: channels)

    let block = UnsafeMutableBufferPointer<Float>.allocate(capacity: blockFrames * channels)
    defer { block.deallocate() }
    while true {
      let got = try reader.read(into: block, maxFrames: blockFrames)
      if got == 0 { break }
      let p = block.baseAddress!
      stats.process(p, frames: got)  // first: zeroes NaN/Inf for the others
      try loudness.add(p, frames: got)
      truePeak.add(p, frames: got)
      spectrum.add(p, frames: got)
      stereo.add(p, frames: got)
      if let progress, reader.framesRead % Int64(blockFrames * 16) < Int64(got), info.frames > 0 {
        progress(min(1, Double(reader.framesRead) / Double(info.frames)))
      }
    }
    guard reader.framesRead > 0 else { throw AudioIOError.empty(path: path) }

    let loud = loudness.result(truePeaks: truePeak.finish(), samplePeakDBFS: stats.samplePeakDBFS)
    let rms = stats.rmsDBFS
    let dynamics = DynamicsStats(
      plrDB: loud.truePeakDBTP.flatMap { tp in loud.integratedLUFS.map { tp - $0 } },
      crestDB: stats.samplePeakDBFS.flatMap { pk in rms.map { pk - $0 } }, rmsDBFS: rms)
    var analysis = TrackAnalysis(
      file: file, info: info, frames: reader.framesRead, loudness: loud,
      spectrum: spectrum.result(integratedLUFS: loud.integratedLUFS), stereo: stereo.result, dynamics: dynamics,
      defects: stats.defects(sampleRateHz: info.sampleRate))
    analysis.gatingBlockEnergies = loudness.gatingBlockEnergies
    return analysis
  }
}
