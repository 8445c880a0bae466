import AudioIO
import Foundation
import Matching
import Yams

/// What a release says about itself, from `album.yaml`: the album's `release:` section and each track's
/// `title`, `artist`, `isrc` and `cdGapSeconds`. Tags and the CD image read it; nothing is guessed.
///
/// ```yaml
/// release:
///   title: Night Drive
///   artist: The Examples
///   upc: "012345678905"      # UPC-A (12 digits) or EAN-13 (13), check digit verified
///   credits: [Mastered by A. Engineer]
///   cdGapSeconds: 2          # silence before each track after the first on the CD image
/// tracks:
///   "01 Intro.wav": { title: Intro, isrc: GB-XYZ-26-00001, cdGapSeconds: 0 }
/// ```
public struct ReleaseMetadata: Sendable, Hashable {
  /// The album title (CD-Text TITLE, the ALBUM tag).
  public var title: String?
  /// The album artist (CD-Text PERFORMER, the ALBUMARTIST tag).
  public var artist: String?
  /// UPC/EAN as 13 digits (a 12-digit UPC-A gets a leading 0), for the CD's CATALOG and the BARCODE tag.
  public var catalogEAN13: String?
  /// Free-text credits, in order.
  public var credits: [String] = []
  /// Silence before every track but the first on the CD image, unless the track sets its own.
  public var cdGapSeconds: Double = ReleaseMetadata.defaultCDGapSeconds

  /// The CD image's default gap between tracks: 2 s, the customary Red Book pause.
  public static let defaultCDGapSeconds = 2.0
  /// Gaps from 0 to 10 s.
  public static let cdGapRange = OptionRange(key: "cdGapSeconds", range: 0...10)
  /// CD-Text allows about 80 characters a field in practice; tags take the same limit so both agree.
  public static let maxTextCharacters = 80

  /// Creates empty metadata (every field absent, the default gap).
  public init() {}
}

/// One track's identity, from its `tracks:` entry.
public struct TrackMetadata: Sendable, Hashable {
  /// The track title (TITLE tag, CD-Text TITLE); nil: none is written.
  public var title: String?
  /// The track artist (ARTIST tag, CD-Text PERFORMER); nil: the album artist.
  public var artist: String?
  /// ISRC in its 12-character compact form (ISO 3901: CC XXX YY NNNNN).
  public var isrc: String?
  /// Silence before this track on the CD image; nil: the album's `cdGapSeconds`.
  public var cdGapSeconds: Double?

  /// Creates empty metadata.
  public init() {}
}

/// Checks and normalizes identifiers; each returns nil for an invalid value.
public enum ReleaseIdentifiers {
  /// `GB-XYZ-26-00001` or `GBXYZ2600001` → `GBXYZ2600001`: two letters, three letters or digits, two digits,
  /// five digits (ISO 3901).
  public static func isrc(_ text: String) -> String? {
    let s = Array(text.uppercased().filter { $0 != "-" })
    guard s.count == 12, s.allSatisfy({ $0.isASCII }) else { return nil }
    let ok =
      s[0..<2].allSatisfy { $0.isLetter } && s[2..<5].allSatisfy { $0.isLetter || $0.isNumber }
      && s[5..<12].allSatisfy { $0.isNumber }
    return ok ? String(s) : nil
  }

  /// A UPC-A (12 digits) or EAN-13 (13 digits) with a valid check digit, as 13 digits.
  public static func ean13(_ text: String) -> String? {
    let digits = text.filter { $0 != " " && $0 != "-" }
    guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.count == 12 || digits.count == 13 else { return nil }
    let d = (digits.count == 12 ? "0" + digits : digits).compactMap { $0.wholeNumberValue }
    // EAN-13: weights 1 and 3 alternate from the left over the first 12 digits.
    let sum = d[0..<12].enumerated().reduce(0) { $0 + $1.element * ($1.offset % 2 == 0 ? 1 : 3) }
    guard (10 - sum % 10) % 10 == d[12] else { return nil }
    return d.map(String.init).joined()
  }

  /// Text for a tag or CD-Text: printable, at most `ReleaseMetadata.maxTextCharacters`, and without the double
  /// quote, which a CUE sheet cannot carry. The problem, or nil when it is fine.
  public static func textProblem(_ text: String) -> String? {
    if text.isEmpty { return "empty text" }
    if text.count > ReleaseMetadata.maxTextCharacters { return "\(text.count) characters; at most \(ReleaseMetadata.maxTextCharacters)" }
    if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) { return "control characters are not allowed" }
    if text.contains("\"") { return "double quotes are not allowed (a CUE sheet cannot carry them)" }
    return nil
  }
}

extension AlbumConfig {
  /// Reads the `release:` section.
  static func release(_ v: Node, path: String) throws(ConfigError) -> ReleaseMetadata {
    func fail(_ n: Node, _ key: String, _ problem: String) -> ConfigError {
      ConfigError(path: path, line: n.mark?.line ?? 0, key: key, problem: problem)
    }
    guard let map = v.mapping else { throw fail(v, "release", "expected title, artist, upc, credits, cdGapSeconds") }
    var r = ReleaseMetadata()
    for (k, x) in map {
      let name = "release.\(k.string ?? "?")"
      switch k.string {
      case "title": r.title = try text(x, name, path: path)
      case "artist": r.artist = try text(x, name, path: path)
      case "upc", "ean":
        guard let code = x.string.flatMap(ReleaseIdentifiers.ean13) else {
          throw fail(x, name, "expected a UPC-A (12 digits) or EAN-13 (13 digits) with a valid check digit, in quotes")
        }
        r.catalogEAN13 = code
      case "credits":
        if let list = x.sequence {
          for item in list { r.credits.append(try text(item, name, path: path)) }
        } else {
          r.credits = [try text(x, name, path: path)]
        }
      case "cdGapSeconds": r.cdGapSeconds = try gap(x, name, path: path)
      default: throw fail(k, name, "unknown setting (title, artist, upc, credits, cdGapSeconds)")
      }
    }
    return r
  }

  /// One of a track's metadata keys (`title`, `artist`, `isrc`, `cdGapSeconds`) into `m`; false when `key` is
  /// not one of them.
  static func trackMetadata(_ key: String, _ x: Node, name: String, path: String, into m: inout TrackMetadata) throws(ConfigError) -> Bool {
    switch key {
    case "title": m.title = try text(x, name, path: path)
    case "artist": m.artist = try text(x, name, path: path)
    case "isrc":
      guard let code = x.string.flatMap(ReleaseIdentifiers.isrc) else {
        throw ConfigError(
          path: path, line: x.mark?.line ?? 0, key: name,
          problem: "expected an ISRC: 2 letters, 3 letters or digits, 2 digits, 5 digits (e.g. GB-XYZ-26-00001)")
      }
      m.isrc = code
    case "cdGapSeconds": m.cdGapSeconds = try gap(x, name, path: path)
    default: return false
    }
    return true
  }

  private static func text(_ x: Node, _ name: String, path: String) throws(ConfigError) -> String {
    let problem: String? = x.scalar == nil ? "expected text" : x.string.flatMap(ReleaseIdentifiers.textProblem)
    guard let s = x.string, problem == nil else {
      throw ConfigError(path: path, line: x.mark?.line ?? 0, key: name, problem: problem ?? "expected text")
    }
    return s
  }

  private static func gap(_ x: Node, _ name: String, path: String) throws(ConfigError) -> Double {
    let value = x.float ?? x.int.map(Double.init)
    if let p = ReleaseMetadata.cdGapRange.problem(value, found: "'\(x.string ?? "?")'") {
      throw ConfigError(path: path, line: x.mark?.line ?? 0, key: name, problem: p)
    }
    return value ?? ReleaseMetadata.defaultCDGapSeconds
  }
}
