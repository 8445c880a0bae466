import AudioIO
import Foundation

extension MatchingLimits {
  /// `--bitrate` and a variant's `bitrate:`: MP3 (constant) and Opus (variable) masters, kb/s. MP3 below
  /// 32 kHz tops out at 160 kb/s (MPEG-2), below 16 kHz at 64 kb/s; LAME takes the nearest legal bitrate.
  public static let bitrateKbps = OptionRange(key: "bitrate", flag: "--bitrate", range: 8...320)
  /// `--quality` and a variant's `quality:`: Ogg Vorbis masters, libvorbis's `-q` scale.
  public static let vorbisQuality = OptionRange(key: "quality", flag: "--quality", range: 0...10)
}

extension LossySettings {
  /// Settings from the flags, range-checked against `MatchingLimits`; `nil` when neither is given.
  /// - Throws: `InputError` naming the flag.
  public static func checked(bitrateKbps: Int?, quality: Double?) throws(InputError) -> LossySettings? {
    guard bitrateKbps != nil || quality != nil else { return nil }
    for (limits, value) in [(MatchingLimits.bitrateKbps, bitrateKbps.map(Double.init)), (MatchingLimits.vorbisQuality, quality)] {
      guard let value, let p = limits.problem(value) else { continue }
      throw InputError(subject: limits.flag ?? limits.key, problem: p)
    }
    return LossySettings(bitrateKbps: bitrateKbps, quality: quality)
  }
}

extension LossyCodec {
  /// The codecs named by `--codec-safe` (or album.yaml's `codecSafe:`), e.g. `mp3,opus`, each once, in the order
  /// given; `none` alone names none (turning a preset's default off). `ogg` means Vorbis.
  /// - Throws: `InputError` naming `flag` and the unknown name, with the choices.
  public static func list(_ names: [String], flag: String = "--codec-safe") throws(InputError) -> [LossyCodec] {
    var codecs: [LossyCodec] = []
    if names.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) == ["none"] { return [] }
    for raw in names {
      let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
      guard let c = LossyCodec(rawValue: name == "ogg" ? "vorbis" : name) else {
        if name == "none" { throw InputError(subject: flag, problem: "none stands alone: it turns every codec off") }
        let aac = name == "aac" ? " (AAC is not available through libsndfile)" : ""
        throw InputError(
          subject: flag,
          problem: "unknown codec '\(raw)'\(aac); choose from \(allCases.map(\.rawValue).joined(separator: ", ")) or none")
      }
      if !codecs.contains(c) { codecs.append(c) }
    }
    return codecs
  }

  /// `list` of a comma-separated flag value, e.g. `mp3,opus`.
  public static func list(flagValue: String, flag: String = "--codec-safe") throws(InputError) -> [LossyCodec] {
    try list(flagValue.split(separator: ",", omittingEmptySubsequences: false).map(String.init), flag: flag)
  }
}
