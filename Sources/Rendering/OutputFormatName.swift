import AudioIO

/// The output formats a user can name, on the command line (`--format`) and in album.yaml (`outputs:`).
/// The one list of them: parsing, help text and error messages all come from here.
public enum OutputFormatName: String, Sendable, Hashable, Codable, CaseIterable {
  /// WAV, AIFF, FLAC, Ogg Vorbis, Ogg Opus, MP3.
  case wav, aiff, flac, ogg, opus, mp3

  /// The names for a message: "wav, aiff, flac, ogg, opus or mp3".
  public static var choices: String {
    let names = allCases.map(\.rawValue)
    return names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
  }

  /// The container this name writes (Opus is carried in Ogg).
  public var container: AudioContainer {
    switch self {
    case .wav: .wav
    case .aiff: .aiff
    case .flac: .flac
    case .ogg, .opus: .ogg
    case .mp3: .mp3
    }
  }

  /// `settings` with this format's container (and codec) chosen.
  public func applied(to settings: RenderSettings) -> RenderSettings {
    var s = settings
    s.container = container
    s.opus = self == .opus
    return s
  }
}
