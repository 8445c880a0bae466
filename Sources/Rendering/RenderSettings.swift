import AudioIO

/// The output sample format a user asks for.
public enum OutputBits: String, Sendable, Hashable, Codable, CaseIterable {
  /// 16-bit and 24-bit integer PCM, 32-bit float; the raw value is the `--bits` spelling.
  case pcm16 = "16", pcm24 = "24", float32 = "32f"
}

/// Dither for integer outputs.
public enum DitherMode: String, Sendable, Hashable, Codable, CaseIterable {
  /// Triangular dither of ±1 LSB before rounding, or plain rounding.
  case tpdf, none
}

/// How masters are written. `nil` fields follow the input.
public struct RenderSettings: Sendable, Hashable, Codable {
  /// Output container; `nil` = the input's.
  public var container: AudioContainer?
  /// Opus instead of Vorbis when the container is Ogg.
  public var opus = false
  /// Output sample format for PCM containers; `nil` = the input's (lossy or 32-bit inputs give 24-bit).
  public var bits: OutputBits?
  /// Output sample rate; `nil` = the input's.
  public var sampleRateHz: Int?
  /// Dither before quantizing to integers: used only when the audio changed or loses bits, never for float.
  public var dither: DitherMode = .tpdf
  /// Seeds the dither; with the file name it fixes every dither value, so masters are byte-identical run to run.
  public var seed: UInt64 = 0x416C_6275_6D4D_6173

  /// The defaults: everything follows the input, TPDF dither, the fixed seed.
  public init() {}

  /// The format a master of `input` is written in, or a clear reason why the combination cannot be written.
  public func outputFormat(for input: AudioFileInfo) -> AudioFileFormat {
    let container = self.container ?? (input.format.container == .other ? .wav : input.format.container)
    switch container {
    case .ogg: return AudioFileFormat(container: .ogg, encoding: opus ? .opus : .vorbis)
    case .mp3: return AudioFileFormat(container: .mp3, encoding: .mp3)
    default: break
    }
    let resolved: OutputBits =
      bits
      ?? {
        switch input.format.encoding {
        case .pcm16, .pcmS8, .pcmU8: .pcm16
        case .float32, .float64: container == .flac ? .pcm24 : .float32  // FLAC holds integers only
        default: .pcm24
        }
      }()
    let encoding: SampleEncoding =
      switch resolved {
      case .pcm16: .pcm16
      case .pcm24: .pcm24
      case .float32: .float32
      }
    return AudioFileFormat(container: container, encoding: encoding)
  }
}

extension RenderSettings {
  /// Why no master can be written with these settings whatever the input (an explicit rate or depth the
  /// encoder refuses: Opus at 44.1 kHz, FLAC as float), in one line; `nil` when the input decides the rest.
  public var problemBeforeInput: String? {
    let probe = AudioFileInfo(
      sampleRate: sampleRateHz ?? 48_000, channels: 2, frames: 0, format: AudioFileFormat(container: .wav, encoding: .pcm24))
    return outputFormat(for: probe).writeProblem(sampleRateHz: sampleRateHz, channels: 2)
  }
}

/// What rendering one master did.
public struct RenderReport: Sendable, Hashable, Codable {
  /// The master's path (relative to the album's report folder once mastering records it).
  public var path: String
  /// Frames written.
  public var frames: Int64
  /// Sample rate of the master, in Hz.
  public var sampleRateHz: Int
  /// Container and encoding of the master.
  public var format: AudioFileFormat
  /// The stages that ran, in order ("eq", "width", "gain", "resample", "limiter", "dither").
  public var stages: [String]
  /// The limiter's deepest gain reduction, dB (0 when it never acted or did not run).
  public var limiterMaxGainReductionDB: Double
  /// Share of the frames the limiter reduced, 0…1.
  public var limiterActiveShare: Double
  /// The gain actually applied, dB (the plan's, after any loudness correction).
  public var gainDB: Double
}

/// Why a master could not be rendered. Every message names the file.
public struct RenderError: Error, Sendable, CustomStringConvertible {
  /// The source file, relative to the album folder.
  public var file: String
  /// What went wrong, one line.
  public var reason: String
  /// "file: reason", one line.
  public var description: String { "\(file): \(reason)" }

  /// An error about `file`.
  public init(file: String, reason: String) {
    self.file = file
    self.reason = reason
  }
}
