import Analysis
import AudioIO
import DSP
import Matching

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
  /// `--format same`: each master follows its own source (container, rate, depth), as before the album rule
  /// (`resolved(forAlbum:)`); lossy sources then give lossy masters.
  public var formatPerTrack = false
  /// Fades and trims at the ends of the track.
  public var edits = EditSettings()
  /// A lossy master's bitrate or quality (`--bitrate`, `--quality`); `nil` takes `LossyCodec.delivery`.
  public var lossy: LossySettings?
  /// Codecs a master is made safe for (`--codec-safe`, album.yaml `codecSafe:`): its limiter's ceiling is lowered
  /// until each one's decode holds the plan's ceiling (`CodecCeiling`); `nil` for none.
  public var codecSafe: [LossyCodec]?

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
  /// The stages that ran, in order ("eq", "width", "gain", "resample", "limiter", "dither"), then any edits
  /// ("fade-in", "fade-out", "trim").
  public var stages: [String]
  /// The limiter's deepest gain reduction, dB (0 when it never acted or did not run).
  public var limiterMaxGainReductionDB: Double
  /// Share of the frames the limiter reduced, 0…1.
  public var limiterActiveShare: Double
  /// The gain actually applied, dB (the plan's, after any loudness correction).
  public var gainDB: Double
  /// The limiting statistic: the gain reduction the limiter exceeded in 1 % of the time, dB; `nil` without a
  /// limiter (and in reports written before it).
  @NullCoded public var limiterP99GainReductionDB: Double? = nil
  /// Share of the time the limiter took more than 1 dB, 0…1.
  @NullCoded public var limiterOver1DBShare: Double? = nil
  /// Share of the time the limiter took more than 3 dB, 0…1.
  @NullCoded public var limiterOver3DBShare: Double? = nil
  /// The limiter's gain reduction over time.
  @NullCoded public var limiterGainReduction: GainReductionSeries? = nil
  /// The compressor's deepest gain reduction, dB; `nil` when no compressor ran.
  @NullCoded public var compressorMaxGainReductionDB: Double? = nil
  /// The compressor's gain reduction over time.
  @NullCoded public var compressorGainReduction: GainReductionSeries? = nil
  /// What the render decided about dynamics and the budget; `nil` when the plan has no dynamics.
  @NullCoded public var dynamics: DynamicsOutcome? = nil
  /// How the ceiling was held after lossy encoding (a lossy master, or `--codec-safe`); `nil` when not checked.
  @NullCoded public var codecCeiling: CodecCeilingOutcome? = nil
}

/// A gain reduction over time: the deepest reduction in each interval, from the start.
public struct GainReductionSeries: Sendable, Hashable, Codable {
  /// Length of each interval, s.
  public var intervalSeconds: Double
  /// The deepest gain reduction in each interval, dB (≥ 0).
  public var valuesDB: [Double]
  /// The most intervals a report keeps: longer series are merged into longer intervals.
  public static let maxPoints = 600

  /// `valuesDB` at `intervalSeconds`, merged (by maximum) until at most `maxPoints` remain, and rounded to 0.01 dB.
  public init(intervalSeconds: Double, valuesDB: [Double]) {
    var factor = 1
    while valuesDB.count > Self.maxPoints * factor { factor += 1 }
    self.intervalSeconds = intervalSeconds * Double(factor)
    self.valuesDB = stride(from: 0, to: valuesDB.count, by: factor).map { i in
      ((valuesDB[i..<min(valuesDB.count, i + factor)].max() ?? 0) * 100).rounded() / 100
    }
  }
}

/// What the render settled on for a track's dynamics: the compressor it tuned (or added to hold the limiting
/// budget), the PSR it measured for it, and any loudness the budget cost, with one plain sentence per decision.
public struct DynamicsOutcome: Sendable, Hashable, Codable {
  /// The compressor the master was rendered with; `nil` without one.
  @NullCoded public var compressor: CompressorSettings? = nil
  /// The short-term PSR the master is expected to have (measured on the last measuring pass), dB.
  @NullCoded public var expectedPSRDB: Double? = nil
  /// How far the track's loudness was lowered to hold the limiting budget, dB (0: not lowered).
  public var loudnessLoweredDB: Double
  /// The gain taken off for it, dB, when it differs from `loudnessLoweredDB` (the limiter gave loudness back);
  /// `nil`: the same.
  @NullCoded public var gainLoweredDB: Double? = nil
  /// How far under the ceiling the limiter's threshold went, dB (`nil`: not driven).
  @NullCoded public var limiterDriveDB: Double? = nil
  /// The loudness correction the master was rendered with on top of the plan's gain, dB (`nil`: none).
  @NullCoded public var gainCorrectionDB: Double? = nil
  /// One plain sentence per decision.
  public var notes: [String]

  /// An outcome from its parts.
  public init(compressor: CompressorSettings?, expectedPSRDB: Double?, loudnessLoweredDB: Double, notes: [String]) {
    self.compressor = compressor
    self.expectedPSRDB = expectedPSRDB
    self.loudnessLoweredDB = loudnessLoweredDB
    self.notes = notes
  }
}

extension TrackPlan {
  /// The plan as the render settled it: its compressor, its expected PSR, its loudness lowered, the notes
  /// added to its reasons. Rendering the result again gives the same master.
  public func applying(_ outcome: DynamicsOutcome?) -> TrackPlan {
    guard let outcome, var d = dynamics else { return self }
    var p = self
    d.compressor = outcome.compressor
    d.limiterDriveDB = outcome.limiterDriveDB
    d.settled = true
    d.targetPSRDB = outcome.expectedPSRDB ?? d.targetPSRDB
    p.dynamics = d
    p.gainDB -= outcome.gainLoweredDB ?? outcome.loudnessLoweredDB
    if let c = outcome.gainCorrectionDB, c != 0 {
      // The correction the render measured, folded in: the settled plan renders the same gain.
      p.gainDB += c
      p.reasons.append("Loudness correction \(Format.fixed(c, digits: 2, sign: true)) dB, measured at render, is in the gain.")
    }
    p.targetLUFS = p.targetLUFS.map { $0 - outcome.loudnessLoweredDB }
    p.reasons += outcome.notes
    return p
  }
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
