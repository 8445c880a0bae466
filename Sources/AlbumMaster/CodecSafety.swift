import Analysis
import AudioIO
import DSP
import Foundation
import QualityControl

/// Lossy encoding raises inter-sample peaks. This encodes a track to MP3 (320 kbps, constant) and to Opus
/// (about 128 kbps) in a temp folder through libsndfile, decodes both, and measures their true peak with the
/// same interpolator as the analysis.
public enum CodecSafety {
  /// libsndfile compression levels: MP3 at level 0 in constant-bitrate mode is 320 kbps; Opus at this level
  /// comes out near 128 kbps for stereo music (checked in the tests by file size).
  public static let mp3 = AudioFileWriter.Compression(level: 0, constantBitrate: true)
  /// Opus at `opusLevel`, variable bitrate.
  public static let opus = AudioFileWriter.Compression(level: opusLevel, constantBitrate: false)
  /// libsndfile's compression level for the Opus round trip (about 128 kbps for stereo music).
  public static let opusLevel = 0.5

  /// Decoded true peaks of `path` after MP3 and Opus, encoded in this run's temp folder (removed when the run
  /// ends). A codec that cannot take the file (more than two channels) gives `nil`; a round trip that cannot
  /// run (no temp folder, no space, an encoder error, an interruption) gives its reason, which QA reports as a
  /// failure. `progress` hears the share done (0…1, MP3 then Opus), once per block.
  public static func measure(path: String, progress: ((Double) -> Void)? = nil) -> CodecPeaks {
    let folder: String
    do {
      folder = try TemporaryFiles.runFolder()
    } catch {
      return CodecPeaks(mp3DBTP: nil, opusDBTP: nil, mp3Error: error.description, opusError: error.description)
    }
    let base = (folder as NSString).appendingPathComponent("codec-\(UUID().uuidString)")
    func run(
      _ ext: String, _ format: AudioFileFormat, _ compression: AudioFileWriter.Compression, _ half: Double
    ) -> Result<Double?, any Error> {
      defer { unlink(base + ext) }
      return Result {
        try roundTrip(path, to: base + ext, format: format, compression: compression) { f in progress?((half + f) / 2) }
      }
    }
    let mp3 = run(".mp3", .init(container: .mp3, encoding: .mp3), mp3, 0)
    let opus = run(".opus", .init(container: .ogg, encoding: .opus), opus, 1)
    func error(_ r: Result<Double?, any Error>) -> String? {
      if case .failure(let e) = r { "\(e)" } else { nil }
    }
    return CodecPeaks(
      mp3DBTP: (try? mp3.get()) ?? nil, opusDBTP: (try? opus.get()) ?? nil, mp3Error: error(mp3), opusError: error(opus))
  }

  /// Encodes `source` (resampled to 48 kHz for Opus), decodes it, returns its true peak in dBTP. `progress` hears
  /// the share of the source encoded (0…1) once per block.
  static func roundTrip(
    _ source: String, to path: String, format: AudioFileFormat, compression: AudioFileWriter.Compression,
    progress: ((Double) -> Void)? = nil
  ) throws -> Double? {
    var reader = try AudioFileReader(path: source)
    let channels = reader.info.channels
    guard channels <= 2 else { return nil }  // the codec checks cover stereo and mono deliveries
    let inRate = reader.info.sampleRate
    let outRate = format.encoding == .opus ? 48_000 : inRate
    var resampler = outRate != inRate ? try Resampler(inputRateHz: inRate, outputRateHz: outRate, channels: channels) : nil
    var writer = try AudioFileWriter(
      path: path, format: format, sampleRateHz: outRate, channels: channels, compression: compression)
    let block = UnsafeMutableBufferPointer<Float>.allocate(capacity: 8192 * channels)
    defer { block.deallocate() }
    var sourceFrames = 0
    while true {
      let n = try reader.read(into: block, maxFrames: 8192)
      if n == 0 { break }
      sourceFrames += n
      if reader.info.frames > 0 { progress?(min(1, Double(sourceFrames) / Double(reader.info.frames))) }
      sanitize(UnsafeMutableBufferPointer(rebasing: block[0..<(n * channels)]))
      if resampler != nil {
        var y: [Float] = []
        try resampler!.process(block.baseAddress!, frames: n, into: &y)
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
    var decoded = try AudioFileReader(path: path)
    var meter = try TruePeakMeter(channels: channels, sampleRateHz: decoded.info.sampleRate)
    var decodedFrames = 0
    while true {
      let n = try decoded.read(into: block, maxFrames: 8192)
      if n == 0 { break }
      decodedFrames += n
      for i in 0..<(n * channels) where !block[i].isFinite { block[i] = 0 }
      meter.add(block.baseAddress!, frames: n)
    }
    // An encode cut short (a full disk the encoder did not report) decodes to fewer frames: its peak is not the track's.
    let expectedFrames = Int((Double(sourceFrames) * Double(outRate) / Double(inRate)).rounded())
    if decodedFrames < expectedFrames - shortEncodeToleranceFrames {
      throw AudioIOError.writeFailed(
        path: path, reason: "the encode is short: decoded \(decodedFrames) of \(expectedFrames) frames")
    }
    return meter.finish().compactMap { Decibels.fromAmplitude($0) }.max()
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
