import AudioIO

/// The album rule: one format for every master of an album, lossless unless asked otherwise.
///
/// - Container: the one the sources share when they are all lossless and in the same container (an
///   unwritable one counts as WAV, as for a single track); otherwise FLAC. Lossy sources thus give FLAC.
/// - Sample rate: the highest of the sources' (the others are resampled up; nothing is lost), unless the output
///   codec cannot take it: Opus is written at 48 kHz, MP3 above 48 kHz at 44.1 or 48 kHz (its rate family).
/// - Depth: the highest any source needs in that container (16 < 24 < 32f): 16-bit sources give 16, 24- and
///   32-bit integer and lossy sources 24, float 32f (24 in FLAC, which holds integers only).
///
/// An explicit `--format`, `--bits` or `--sample-rate` wins over its part of the rule. A uniform lossless album
/// keeps its container, rate and depth, so its masters are byte-identical to per-track rendering.
extension RenderSettings {
  /// These settings with the album rule filling what the user left to the input; unchanged with
  /// `formatPerTrack` or without sources. `sources` are the headers of the tracks to be rendered.
  public func resolved(forAlbum sources: [AudioFileInfo]) -> RenderSettings {
    guard !formatPerTrack, !sources.isEmpty else { return self }
    var s = self
    if s.container == nil {
      let natural = Set(sources.map { $0.format.encoding.isLossy ? .flac : ($0.format.container == .other ? .wav : $0.format.container) })
      s.container = natural.count == 1 ? natural.first : .flac
    }
    if s.sampleRateHz == nil, let highest = sources.map(\.sampleRate).max() {
      s.sampleRateHz = s.outputFormat(for: sources[0]).deliveryRateHz(for: highest)
    }
    if s.bits == nil {
      // What each source would get alone in the album's container; the deepest holds them all.
      let order: [OutputBits] = [.pcm16, .pcm24, .float32]
      let needed = sources.compactMap { info -> OutputBits? in
        switch s.outputFormat(for: info).encoding {
        case .pcm16: .pcm16
        case .pcm24: .pcm24
        case .float32: .float32
        default: nil  // a lossy container: no depth
        }
      }
      s.bits = needed.max { (order.firstIndex(of: $0) ?? 0) < (order.firstIndex(of: $1) ?? 0) }
    }
    return s
  }
}

/// What `--format` names: a format, or `same` (each master in its source's format, `formatPerTrack`).
public enum OutputFormatChoice: Sendable, Hashable, CaseIterable, RawRepresentable {
  /// Every master in this format.
  case format(OutputFormatName)
  /// Each master in its own source's format.
  case same

  /// The spelling `same`.
  public static let sameName = "same"

  /// Every choice: the formats, then `same`.
  public static var allCases: [OutputFormatChoice] { OutputFormatName.allCases.map { .format($0) } + [.same] }

  /// Parses a `--format` value: a name of `OutputFormatName` or `same`.
  public init?(rawValue: String) {
    if rawValue == Self.sameName {
      self = .same
    } else if let f = OutputFormatName(rawValue: rawValue) {
      self = .format(f)
    } else {
      return nil
    }
  }

  /// The spelling: the format's name or `same`.
  public var rawValue: String {
    switch self {
    case .format(let f): f.rawValue
    case .same: Self.sameName
    }
  }

  /// The names for a message: "wav, aiff, flac, ogg, opus, mp3 or same".
  public static var choices: String { OutputFormatName.allCases.map(\.rawValue).joined(separator: ", ") + " or " + sameName }

  /// `settings` with this choice applied.
  public func applied(to settings: RenderSettings) -> RenderSettings {
    switch self {
    case .format(let f): return f.applied(to: settings)
    case .same:
      var s = settings
      s.formatPerTrack = true
      return s
    }
  }
}

extension AudioFileFormat {
  /// The rate a master in this format is written at for an album whose highest rate is `sampleRateHz`: that rate
  /// when the encoder takes it, else the codec's (`LossyCodec.encodeRateHz`: Opus's 48 kHz, or the top rate of the
  /// same family).
  func deliveryRateHz(for sampleRateHz: Int) -> Int {
    guard writeProblem(sampleRateHz: sampleRateHz, channels: 2) != nil, let codec = LossyCodec(encoding) else { return sampleRateHz }
    return codec.encodeRateHz(for: sampleRateHz)
  }
}
