import Analysis
import AudioIO

extension RenderSettings {
  /// The encoder settings of a master in `format`: the delivery table's (`LossyCodec`) with `lossy`'s bitrate or
  /// quality on top; `nil` (libsndfile's defaults) for lossless formats.
  public func compression(for format: AudioFileFormat, sampleRateHz: Int, channels: Int) -> AudioFileWriter.Compression? {
    LossyCodec(format.encoding).map { $0.compression(lossy ?? .init(), sampleRateHz: sampleRateHz, channels: channels) }
  }

  /// Why `lossy` does not fit the output format (a bitrate for Ogg Vorbis, a quality for MP3 or Opus, either for
  /// a lossless format), in one line; `nil` when it fits or the input decides the format.
  public var lossyProblem: String? {
    guard let lossy, lossy.bitrateKbps != nil || lossy.quality != nil else { return nil }
    guard let container else { return nil }  // the input's format: checked per track, ignored for lossless ones
    let codec: LossyCodec? =
      switch container {
      case .mp3: .mp3
      case .ogg: opus ? .opus : .vorbis
      default: nil
      }
    guard let codec else { return "a bitrate or quality needs a lossy format (mp3, ogg or opus)" }
    if codec.takesBitrate, lossy.quality != nil { return "\(codec == .mp3 ? "MP3" : "Opus") takes a bitrate, not a quality" }
    if !codec.takesBitrate, lossy.bitrateKbps != nil { return "Ogg Vorbis takes a quality (0 to 10), not a bitrate" }
    return nil
  }
}

/// What holding a master's ceiling after lossy encoding took (`CodecCeiling`): the codecs checked, the
/// ceiling the limiter was last given, the worst decoded true peak, and the renders made for it.
public struct CodecCeilingOutcome: Sendable, Hashable, Codable {
  /// The codecs decoded, as labels ("MP3 320 kb/s CBR").
  public var codecs: [String]
  /// The limiter's ceiling for the final render, dBTP (the plan's minus the headroom the codecs needed).
  public var limiterCeilingDBTP: Double
  /// The highest decoded true peak over the codecs after the final render, dBTP; `nil` when silent or not measured.
  @NullCoded public var decodedTruePeakDBTP: Double? = nil
  /// The codec whose decode peaked highest (its label).
  @NullCoded public var worstCodec: String? = nil
  /// Renders made because a decode went over the ceiling (0: the first one held).
  public var extraRenders: Int
  /// Whether every decode is within the plan's ceiling.
  public var held: Bool

  /// An outcome from its parts.
  public init(
    codecs: [String], limiterCeilingDBTP: Double, decodedTruePeakDBTP: Double?, worstCodec: String?, extraRenders: Int,
    held: Bool
  ) {
    self.codecs = codecs
    self.limiterCeilingDBTP = limiterCeilingDBTP
    self.decodedTruePeakDBTP = decodedTruePeakDBTP
    self.worstCodec = worstCodec
    self.extraRenders = extraRenders
    self.held = held
  }
}
