import AudioIO
import DSP

/// A track that could not be analysed: the file and a one-line reason.
public struct TrackFailure: Error, Sendable, Hashable, Codable, CustomStringConvertible {
  /// File name relative to the album folder.
  public var file: String
  /// One line, suitable for a terminal, a CSV cell and JSON.
  public var error: String

  /// A failure of `file` with a one-line `error`.
  public init(file: String, error: String) {
    self.file = file
    self.error = error
  }

  /// "file: error", one line.
  public var description: String { "\(file): \(error)" }
}

/// One streaming pass over a track: every meter is fed the same block, and memory does not depend on length.
public enum TrackAnalyzer {
  /// Frames read per block.
  public static let blockFrames = 8192

  /// Analyses the file at `path`, reporting it as `file` (its name relative to the album).
  /// - Throws: `TrackFailure` for anything that stops the measurement (open, not a regular file, format,
  ///   truncation, read errors).
  /// `progress` gets the fraction read, 0…1, every few blocks.
  public static func analyze(
    path: String, file: String, progress: ((Double) -> Void)? = nil
  ) throws(TrackFailure) -> TrackAnalysis {
    do {
      let input = try InputFile(path: path)
      return try analyze(input: input, file: file, progress: progress)
    } catch let e as TrackFailure {
      throw e
    } catch let e as AudioIOError {
      throw TrackFailure(file: file, error: e.reason)
    } catch {
      throw TrackFailure(file: file, error: "\(error)")
    }
  }

  /// Analyses an input file already opened and checked (the one its cache hash was taken from).
  public static func analyze(
    input: borrowing InputFile, file: String, progress: ((Double) -> Void)? = nil
  ) throws(TrackFailure) -> TrackAnalysis {
    do {
      return try run(input: input, file: file, progress: progress)
    } catch let error as AudioIOError {
      throw TrackFailure(file: file, error: error.reason)
    } catch {
      throw TrackFailure(file: file, error: "\(error)")
    }
  }

  private static func run(input: borrowing InputFile, file: String, progress: ((Double) -> Void)?) throws -> TrackAnalysis {
    var reader = try AudioFileReader(file: input)
    let path = input.path
    let info = reader.info
    var meters = try TrackMeters(info: info)
    let block = UnsafeMutableBufferPointer<Float>.allocate(capacity: blockFrames * info.channels)
    defer { block.deallocate() }
    while true {
      let got = try reader.read(into: block, maxFrames: blockFrames)
      if got == 0 { break }
      meters.add(block.baseAddress!, frames: got)
      if let progress, reader.framesRead % Int64(blockFrames * 16) < Int64(got), info.frames > 0 {
        progress(min(1, Double(reader.framesRead) / Double(info.frames)))
      }
    }
    guard reader.framesRead > 0 else { throw AudioIOError.empty(path: path) }
    return try meters.result(file: file, info: info)
  }
}

/// Every meter of the analysis, fed the same blocks in order: by `TrackAnalyzer` from a file, or by the
/// renderer with the very samples it writes (so a master is verified while it is written, not read back).
/// Use it from one thread. The loudness meter runs on a thread of its own (`LoudnessThread`): libebur128's
/// K-weighting is the largest serial piece of the analysis, and with it apart two cores share one track.
public struct TrackMeters: ~Copyable {
  private let info: AudioFileInfo
  private let loudness: LoudnessThread
  private var truePeak: TruePeakMeter
  private var interSamplePeak: InterSamplePeakMeter
  private var spectrum: SpectrumMeter
  private var stats: SampleStats
  private var stereo: StereoMeter
  /// Frames fed so far.
  public private(set) var frames: Int64 = 0

  /// Meters for audio of `info`'s rate, channels and channel layout.
  public init(info: AudioFileInfo) throws(LoudnessMeterError) {
    let t = try TruePeakMeter(
      channels: info.channels, sampleRateHz: info.sampleRate,
      blockFrames: ShortTermPSRMeter.blockFrames(sampleRateHz: info.sampleRate))
    self.info = info
    loudness = LoudnessThread(info: info)
    truePeak = t
    interSamplePeak = InterSamplePeakMeter(channels: info.channels, sampleRateHz: info.sampleRate)
    spectrum = SpectrumMeter(channels: info.channels, sampleRateHz: info.sampleRate)
    stats = SampleStats(channels: info.channels)
    stereo = StereoMeter(channels: info.channels)
  }

  /// Feeds `frames` interleaved frames; non-finite samples are counted, then zeroed in place.
  public mutating func add(_ p: UnsafeMutablePointer<Float>, frames count: Int) {
    stats.process(p, frames: count)  // first: zeroes NaN/Inf for the others
    // True peak before loudness: the loudness thread pairs each 3 s window with the peaks of its blocks.
    truePeak.add(p, frames: count)
    loudness.feedTruePeakBlocks(truePeak.takeBlockPeaks())
    interSamplePeak.add(p, frames: count)
    loudness.feed(p, frames: count)
    spectrum.add(p, frames: count)
    stereo.add(p, frames: count)
    frames += Int64(count)
  }

  /// The analysis of everything fed, reported as `file` with the file's `info` (format, tags).
  /// - Throws: what libebur128 reported on the loudness thread.
  public consuming func result(file: String, info fileInfo: AudioFileInfo) throws(LoudnessMeterError) -> TrackAnalysis {
    let truePeaks = truePeak.finish()
    loudness.feedTruePeakBlocks(truePeak.takeBlockPeaks())
    let measured = try loudness.finish()
    let blockEnergies = measured.blockEnergies
    var loud = measured.loudness
    loud.setPeaks(truePeaks: truePeaks, samplePeakDBFS: stats.samplePeakDBFS)
    loud.interSamplePeakDBTP = interSamplePeak.finish().compactMap { Decibels.fromAmplitude($0) }.max()
    let rms = stats.rmsDBFS
    let psr = measured.shortTermPSR
    let dynamics = DynamicsStats(
      plrDB: loud.truePeakDBTP.flatMap { tp in loud.integratedLUFS.map { tp - $0 } },
      crestDB: stats.samplePeakDBFS.flatMap { pk in rms.map { pk - $0 } }, rmsDBFS: rms,
      psrMedianDB: psr?.medianDB, psrP10DB: psr?.p10DB, psrP90DB: psr?.p90DB)
    var analysis = TrackAnalysis(
      file: file, info: fileInfo, frames: frames, loudness: loud,
      spectrum: spectrum.result(integratedLUFS: loud.integratedLUFS), stereo: stereo.result, dynamics: dynamics,
      defects: stats.defects(sampleRateHz: info.sampleRate))
    analysis.gatingBlockEnergies = blockEnergies
    return analysis
  }
}
