/// The lossy delivery codecs written through libsndfile, and the one table of their delivery settings: the
/// bitrates and modes the platforms use. AAC is not among them: libsndfile has no AAC encoder.
///
/// | codec | default | mode | rate |
/// | --- | --- | --- | --- |
/// | MP3 (LAME) | 320 kb/s | constant bitrate | the master's (MPEG-1 at 32 kHz and up); above 48 kHz, 44.1 or 48 |
/// | Opus | 128 kb/s | variable bitrate (libopus's default) | 48 kHz |
/// | Ogg Vorbis | quality 5 (about 160 kb/s for stereo) | variable bitrate | the master's; above 192 kHz, 44.1 or 48 |
public enum LossyCodec: String, Sendable, Hashable, Codable, CaseIterable {
  /// MP3, Opus (in Ogg), Ogg Vorbis; the raw value is the `--codec-safe` spelling.
  case mp3, opus, vorbis

  /// The codec of a lossy encoding; `nil` for PCM.
  public init?(_ encoding: SampleEncoding) {
    switch encoding {
    case .mp3: self = .mp3
    case .opus: self = .opus
    case .vorbis: self = .vorbis
    default: return nil
    }
  }

  /// The delivery settings when none are given: MP3 320 kb/s CBR, Opus 128 kb/s VBR, Vorbis quality 5.
  public var delivery: LossySettings {
    switch self {
    case .mp3: LossySettings(bitrateKbps: 320)
    case .opus: LossySettings(bitrateKbps: 128)
    case .vorbis: LossySettings(quality: 5)
    }
  }

  /// Whether the encoder is set by bitrate (MP3, Opus) rather than by quality (Vorbis: libsndfile 1.2 has no
  /// bitrate control for it).
  public var takesBitrate: Bool { self != .vorbis }

  /// The container and encoding written.
  public var format: AudioFileFormat {
    switch self {
    case .mp3: AudioFileFormat(container: .mp3, encoding: .mp3)
    case .opus: AudioFileFormat(container: .ogg, encoding: .opus)
    case .vorbis: AudioFileFormat(container: .ogg, encoding: .vorbis)
    }
  }

  /// The file extension of a temp encode.
  public var fileExtension: String { self == .opus ? "opus" : format.container.fileExtension }

  /// The rate the encoder runs at for a master at `sampleRateHz`, as a platform would deliver it: Opus always codes at
  /// 48 kHz; MP3 and Vorbis at the master's rate when they take it, else at the top rate of the same family (44.1 kHz
  /// for multiples of 11.025 kHz, else 48 kHz: a 96 kHz master's MP3 is a 48 kHz MP3).
  public func encodeRateHz(for sampleRateHz: Int) -> Int {
    if self == .opus { return 48_000 }
    if format.writeProblem(sampleRateHz: sampleRateHz, channels: 1) == nil { return sampleRateHz }
    return sampleRateHz % 11_025 == 0 ? 44_100 : 48_000
  }

  /// The settings in effect: `settings`' bitrate or quality where it sets the one this codec takes, the
  /// delivery default otherwise.
  public func resolved(_ settings: LossySettings) -> LossySettings {
    takesBitrate
      ? LossySettings(bitrateKbps: settings.bitrateKbps ?? delivery.bitrateKbps)
      : LossySettings(quality: settings.quality ?? delivery.quality)
  }

  /// A label for messages and reports, e.g. "MP3 320 kb/s CBR", "Opus 128 kb/s VBR", "Vorbis q5".
  public func label(_ settings: LossySettings = .init()) -> String {
    let s = resolved(settings)
    let kbps = s.bitrateKbps ?? 0
    switch self {
    case .mp3: return "MP3 \(kbps) kb/s CBR"
    case .opus: return "Opus \(kbps) kb/s VBR"
    case .vorbis:
      let q = s.quality ?? 0
      return "Vorbis q\(q == q.rounded() ? String(Int(q)) : String(q))"
    }
  }

  /// libsndfile's controls for `settings` (defaults from the table) at `sampleRateHz` (the encoder's) with
  /// `channels`, from libsndfile 1.2's own mappings (src/mpeg_l3_encode.c, ogg_opus.c, ogg_vorbis.c):
  /// - MP3 CBR: bitrate = 320 − level × 288 kb/s at 32 kHz and up (160 − level × 152 at 16–24 kHz,
  ///   64 − level × 56 below), truncated; LAME rounds to the nearest legal bitrate.
  /// - Opus: bitrate = ((1 − level) × 250 000 + 6 000, truncated) × channels b/s; libopus's default VBR.
  /// - Vorbis: quality = 1 − level (libvorbis's −q/10), variable bitrate.
  /// Each level is nudged by half a unit so that the truncation lands on the asked bitrate.
  public func compression(
    _ settings: LossySettings = .init(), sampleRateHz: Int, channels: Int
  ) -> AudioFileWriter.Compression {
    let s = resolved(settings)
    func clamped(_ x: Double) -> Double { min(1, max(0, x)) }
    switch self {
    case .mp3:
      let (top, bottom): (Double, Double) = sampleRateHz >= 32_000 ? (320, 32) : sampleRateHz >= 16_000 ? (160, 8) : (64, 8)
      let kbps = Double(s.bitrateKbps ?? 320)
      return .init(level: clamped((top - kbps - 0.5) / (top - bottom)), constantBitrate: true)
    case .opus:
      let perChannel = Double(s.bitrateKbps ?? 128) * 1000 / Double(max(1, channels))
      return .init(level: clamped(1 - (perChannel - 6000 + 0.5) / 250_000), constantBitrate: false)
    case .vorbis:
      return .init(level: clamped(1 - (s.quality ?? 5) / 10), constantBitrate: false)
    }
  }
}

/// A lossy encoder's setting as asked (`--bitrate`, `--quality`, or an album.yaml variant's `bitrate:` /
/// `quality:`); `nil` takes the codec's delivery default (`LossyCodec.delivery`).
public struct LossySettings: Sendable, Hashable, Codable {
  /// Bitrate for MP3 (constant) and Opus (the variable bitrate's target), kb/s.
  public var bitrateKbps: Int?
  /// Ogg Vorbis quality, 0…10 (libvorbis's `-q` scale).
  public var quality: Double?

  /// Settings; both `nil` take the table's.
  public init(bitrateKbps: Int? = nil, quality: Double? = nil) {
    self.bitrateKbps = bitrateKbps
    self.quality = quality
  }
}
