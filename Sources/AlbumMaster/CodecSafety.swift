import Analysis
import AudioIO
import DSP
import Foundation
import QualityControl

/// Lossy encoding raises inter-sample peaks. This encodes a track to MP3 and to Opus at the delivery settings
/// (`LossyCodec.delivery`: MP3 320 kb/s CBR, Opus 128 kb/s VBR at 48 kHz) in a temp folder through libsndfile,
/// decodes both, and measures their true peak (`decodedPeak`, the one meter of decoded lossy audio).
public enum CodecSafety {
  /// Decoded true peaks of `path` after MP3 and Opus, encoded in this run's temp folder (removed when the run
  /// ends). A codec that cannot take the file (more than two channels) gives `nil`; a round trip that cannot
  /// run (no temp folder, no space, an encoder error, an interruption) gives its reason, which QA reports as a
  /// failure. `progress` hears the share done (0…1, MP3 then Opus), once per block.
  public static func measure(path: String, progress: ((Double) -> Void)? = nil) -> CodecPeaks {
    func run(_ codec: LossyCodec, _ half: Double) -> Result<Double?, any Error> {
      Result { try roundTripPeakDBTP(path, codec: codec) { f in progress?((half + f) / 2) } }
    }
    let mp3 = run(.mp3, 0)
    let opus = run(.opus, 1)
    func error(_ r: Result<Double?, any Error>) -> String? {
      if case .failure(let e) = r { "\(e)" } else { nil }
    }
    return CodecPeaks(
      mp3DBTP: (try? mp3.get()) ?? nil, opusDBTP: (try? opus.get()) ?? nil, mp3Error: error(mp3), opusError: error(opus))
  }

  /// The true peak of `source` after a round trip through `codec` at `settings` (the table's by default), dBTP:
  /// encoded to a file in this run's temp folder (removed after), decoded and measured. `nil` for more than
  /// two channels (the round trips cover stereo and mono deliveries) or silence.
  /// - Throws: the run folder's, the reader's or the encoder's error; a short encode.
  public static func roundTripPeakDBTP(
    _ source: String, codec: LossyCodec, settings: LossySettings = .init(), progress: ((Double) -> Void)? = nil
  ) throws -> Double? {
    let folder = try TemporaryFiles.runFolder()
    let path = (folder as NSString).appendingPathComponent("codec-\(UUID().uuidString).\(codec.fileExtension)")
    defer { unlink(path) }
    do {
      return try roundTrip(source, to: path, codec: codec, settings: settings, progress: progress)
    } catch let e as AudioIOError where e.path == path {
      // The temp file's name means nothing to a user and changes from run to run (reports stay the same bytes).
      throw e.naming("the \(codec.label(settings)) encode")
    }
  }

  /// What a decode measured: the true peak over the channels (`nil` for silence) and the frames decoded.
  public struct DecodedPeak: Sendable, Hashable {
    /// dBTP; `nil` when every sample is 0.
    public var truePeakDBTP: Double?
    /// Frames decoded.
    public var frames: Int
  }

  /// The one meter of decoded lossy audio: decodes `path` through libsndfile and measures its true peak as the
  /// verification does: the higher of BS.1770's (`TruePeakMeter`) and the accurate inter-sample peak
  /// (`InterSamplePeakMeter`). The codec check, the lossy masters' ceiling loop and `--codec-safe` all measure here.
  /// Non-finite decoded samples count as 0.
  /// - Throws: the reader's error.
  public static func decodedPeak(path: String) throws -> DecodedPeak {
    var decoded = try AudioFileReader(path: path)
    let channels = decoded.info.channels
    var meter = try TruePeakMeter(channels: channels, sampleRateHz: decoded.info.sampleRate)
    var accurate = InterSamplePeakMeter(channels: channels, sampleRateHz: decoded.info.sampleRate)
    let block = UnsafeMutableBufferPointer<Float>.allocate(capacity: 8192 * channels)
    defer { block.deallocate() }
    var frames = 0
    while true {
      let n = try decoded.read(into: block, maxFrames: 8192)
      if n == 0 { break }
      frames += n
      for i in 0..<(n * channels) where !block[i].isFinite { block[i] = 0 }
      if let base = block.baseAddress {
        meter.add(base, frames: n)
        accurate.add(base, frames: n)
      }
    }
    let peaks = meter.finish() + accurate.finish()
    return DecodedPeak(truePeakDBTP: peaks.compactMap { Decibels.fromAmplitude($0) }.max(), frames: frames)
  }

  /// Encodes `source` (resampled to 48 kHz for Opus) to `path` with `codec` at `settings`, decodes it, returns
  /// its true peak in dBTP. `progress` hears the share of the source encoded (0…1) once per block.
  static func roundTrip(
    _ source: String, to path: String, codec: LossyCodec, settings: LossySettings = .init(),
    progress: ((Double) -> Void)? = nil
  ) throws -> Double? {
    var reader = try AudioFileReader(path: source)
    let channels = reader.info.channels
    guard channels <= 2 else { return nil }  // the codec checks cover stereo and mono deliveries
    let inRate = reader.info.sampleRate
    let outRate = codec.encodeRateHz(for: inRate)
    var resampler = outRate != inRate ? try Resampler(inputRateHz: inRate, outputRateHz: outRate, channels: channels) : nil
    var writer = try AudioFileWriter(
      path: path, format: codec.format, sampleRateHz: outRate, channels: channels,
      compression: codec.compression(settings, sampleRateHz: outRate, channels: channels))
    let block = UnsafeMutableBufferPointer<Float>.allocate(capacity: 8192 * channels)
    defer { block.deallocate() }
    var sourceFrames = 0
    while true {
      let n = try reader.read(into: block, maxFrames: 8192)
      if n == 0 { break }
      sourceFrames += n
      if reader.info.frames > 0 { progress?(min(1, Double(sourceFrames) / Double(reader.info.frames))) }
      sanitize(UnsafeMutableBufferPointer(rebasing: block[0..<(n * channels)]))
      if resampler != nil, let base = block.baseAddress {
        var y: [Float] = []
        try resampler!.process(base, frames: n, into: &y)
        try writer.write(y)
      } else {
        try writer.write(UnsafeBufferPointer(rebasing: block[0..<(n * channels)]), frames: n)
      }
    }
    if resampler != nil {
      var y: [Float] = []
      try resampler!.finish(into: &y)
      try writer.write(y)
    }
    try writer.finish()
    let decoded = try decodedPeak(path: path)
    // An encode cut short (a full disk the encoder did not report) decodes to fewer frames: its peak is not the track's.
    let expectedFrames = Int((Double(sourceFrames) * Double(outRate) / Double(inRate)).rounded())
    if decoded.frames < expectedFrames - shortEncodeToleranceFrames {
      throw AudioIOError.writeFailed(
        path: path, reason: "the encode is short: decoded \(decoded.frames) of \(expectedFrames) frames")
    }
    return decoded.truePeakDBTP
  }

  /// How many frames a decode may come out shorter than its source: a codec's delay and padding trimming
  /// moves its length by a frame or two (MP3 1152, Opus 960 samples); a short encode loses more.
  public static let shortEncodeToleranceFrames = 4096

  /// The largest sample magnitude fed to an encoder: +18 dBFS. libmp3lame asserts on NaN, infinities and huge
  /// values (psymodel's energies overflow); a track this loud fails the true-peak check anyway, so clamping
  /// changes no verdict, and samples within the bound pass unchanged.
  public static let encoderBound: Float = 8

  /// Non-finite samples become 0, the rest are clamped to ±`encoderBound`; a clean block (the usual case) is
  /// only scanned.
  static func sanitize(_ block: UnsafeMutableBufferPointer<Float>) {
    // `!(a <= b)` is true for NaN too.
    guard block.contains(where: { !(abs($0) <= encoderBound) }) else { return }
    for i in block.indices {
      let x = block[i]
      block[i] = x.isFinite ? min(encoderBound, max(-encoderBound, x)) : 0
    }
  }
}
