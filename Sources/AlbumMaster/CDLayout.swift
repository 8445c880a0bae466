import Foundation
import QualityControl

/// Where every track lies on the CD image, in CD frames (588 samples): track 1 after the 2 s Red Book pregap,
/// every later track after its gap; each track padded with silence to a whole frame, so the next starts on one.
///
/// The image starts at the disc's absolute time 00:00:00: the pregap of track 1 is in it, so an image position is
/// the disc's MM:SS:FF.
public struct CDLayout: Sendable, Hashable {
  /// One track of the image.
  public struct Track: Sendable, Hashable {
    /// The source file, relative to the album.
    public var file: String
    /// The master's own samples per channel (44.1 kHz).
    public var samples: Int64
    /// Silence before it (INDEX 00 to INDEX 01), frames.
    public var gapFrames: Int
    /// INDEX 00: where its gap starts, frames from the image's start.
    public var index00Frame: Int
    /// The master's samples rounded up to whole frames.
    public var frames: Int { RedBook.frames(samples: samples) }
    /// INDEX 01: where its first sample lies.
    public var index01Frame: Int { index00Frame + gapFrames }
    /// Silent samples after its last sample, to the frame boundary.
    public var padSamples: Int64 { Int64(frames * RedBook.samplesPerFrame) - samples }
  }

  /// The tracks, in disc order.
  public var tracks: [Track]
  /// The whole image, frames.
  public var totalFrames: Int

  /// Lays out tracks given as (file, samples, gap before it in seconds); the first track's gap is the Red Book
  /// pregap whatever is asked, and a gap is rounded to the nearest frame.
  public init(_ entries: [(file: String, samples: Int64, gapSeconds: Double)]) {
    var at = 0
    tracks = entries.enumerated().map { i, e in
      let t = Track(
        file: e.file, samples: max(0, e.samples),
        gapFrames: i == 0 ? RedBook.firstPregapFrames : RedBook.frames(seconds: max(0, e.gapSeconds)), index00Frame: at)
      at = t.index01Frame + t.frames
      return t
    }
    totalFrames = at
  }

  /// The Red Book rows of this image (see `RedBook.checks`).
  public var checks: [QAFinding] { RedBook.checks(tracks: tracks.map { ($0.file, $0.samples) }, totalFrames: totalFrames) }
}

/// The text a CD carries for the album or a track (CD-Text TITLE and PERFORMER, the ISRC), already made safe
/// for a CUE sheet and a TOC.
public struct CDText: Sendable, Hashable {
  /// CD-Text TITLE.
  public var title: String
  /// CD-Text PERFORMER; nil: none on the whole disc.
  public var performer: String?
  /// The track's ISRC (12 characters); nil for the album and for tracks without one.
  public var isrc: String?

  /// Text as given; `CDText.sheetSafe` is applied when the sheets are written.
  public init(title: String, performer: String?, isrc: String? = nil) {
    self.title = title
    self.performer = performer
    self.isrc = isrc
  }

  /// The disc's and each track's text from album.yaml's release metadata: a missing title is the album's folder
  /// name or the track's file name without its extension; a performer is the track's artist, else the album's.
  /// cdrdao wants TITLE and PERFORMER on every track once any has one: when some artist is known, a missing one
  /// is an empty string.
  public static func resolve(
    albumName: String, files: [String], release: ReleaseMetadata, tracks: [String: TrackMetadata]
  ) -> (album: CDText, tracks: [CDText]) {
    let anyPerformer = release.artist != nil || files.contains { tracks[$0]?.artist != nil }
    let album = CDText(title: release.title ?? albumName, performer: anyPerformer ? release.artist ?? "" : nil)
    let perTrack = files.map { f in
      let m = tracks[f]
      return CDText(
        title: m?.title ?? (f as NSString).deletingPathExtension,
        performer: anyPerformer ? m?.artist ?? release.artist ?? "" : nil, isrc: m?.isrc)
    }
    return (album, perTrack)
  }

  /// `text` as a quoted field can carry it: control characters dropped, `"` and `\` (which neither format can
  /// carry unescaped) replaced by `'` and `/`, at most `ReleaseMetadata.maxTextCharacters` characters.
  public static func sheetSafe(_ text: String) -> String {
    let kept = text.unicodeScalars.filter { $0.properties.generalCategory != .control }
    let s = String(String.UnicodeScalarView(kept)).replacingOccurrences(of: "\"", with: "'").replacingOccurrences(of: "\\", with: "/")
    return String(s.prefix(ReleaseMetadata.maxTextCharacters))
  }

  /// `sheetSafe(text)` as CD-Text carries it in a cdrdao TOC: ISO-8859-1, the disc's character set, with each
  /// character past ASCII as an octal escape (é → `\351`) and one outside Latin-1 as `?` (the TOC itself stays
  /// ASCII; a UTF-8 é would be read as the two Latin-1 characters Ã©).
  public static func tocText(_ text: String) -> String {
    var out = ""
    for scalar in sheetSafe(text).unicodeScalars {
      switch scalar.value {
      case 0x20..<0x7F: out.unicodeScalars.append(scalar)
      case 0xA0...0xFF: out += "\\" + String(scalar.value, radix: 8)
      default: out += "?"
      }
    }
    return out
  }
}

/// The CD image's files and the two sheets that describe it: a CUE sheet (any burner, cuetools) and a cdrdao TOC.
public enum CDSheets {
  /// The folder in the masters folder.
  public static let folderName = "cd"
  /// The image: 16-bit 44.1 kHz stereo WAV.
  public static let imageName = "image.wav"
  /// The CUE sheet.
  public static let cueName = "image.cue"
  /// The cdrdao TOC.
  public static let tocName = "image.toc"

  /// The CUE sheet of `layout`: CATALOG, TITLE/PERFORMER, then per track ISRC, TITLE, PERFORMER, INDEX 00 (when it
  /// has a gap) and INDEX 01, positions in MM:SS:FF of the image.
  public static func cue(layout: CDLayout, album: CDText, tracks: [CDText], catalogEAN13: String?) -> String {
    var lines: [String] = []
    if let catalogEAN13 { lines.append("CATALOG \(catalogEAN13)") }
    if let p = album.performer { lines.append("PERFORMER \"\(CDText.sheetSafe(p))\"") }
    lines.append("TITLE \"\(CDText.sheetSafe(album.title))\"")
    lines.append("FILE \"\(imageName)\" WAVE")
    for (i, t) in layout.tracks.enumerated() {
      let text = trackText(tracks, i, layout: layout, album: album)
      lines.append("  TRACK \(i < 9 ? "0" : "")\(i + 1) AUDIO")
      lines.append("    TITLE \"\(CDText.sheetSafe(text.title))\"")
      if let p = text.performer { lines.append("    PERFORMER \"\(CDText.sheetSafe(p))\"") }
      if let isrc = text.isrc { lines.append("    ISRC \(isrc)") }
      if t.gapFrames > 0 { lines.append("    INDEX 00 \(RedBook.msf(t.index00Frame))") }
      lines.append("    INDEX 01 \(RedBook.msf(t.index01Frame))")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The cdrdao TOC of `layout`: CD_DA, CATALOG, CD-Text (LANGUAGE_MAP, English), per track ISRC and CD-Text;
  /// track 1 gets `PREGAP` (its 2 s are generated, not read), later tracks read their gap from the image and
  /// mark its end with `START`.
  public static func toc(layout: CDLayout, album: CDText, tracks: [CDText], catalogEAN13: String?) -> String {
    func textBlock(_ t: CDText, indent: String) -> [String] {
      var b = ["\(indent)  LANGUAGE 0 {", "\(indent)    TITLE \"\(CDText.tocText(t.title))\""]
      if let p = t.performer { b.append("\(indent)    PERFORMER \"\(CDText.tocText(p))\"") }
      return b + ["\(indent)  }"]
    }
    var lines = ["CD_DA"]
    if let catalogEAN13 { lines.append("CATALOG \"\(catalogEAN13)\"") }
    lines += ["CD_TEXT {", "  LANGUAGE_MAP {", "    0 : EN", "  }"] + textBlock(album, indent: "") + ["}"]
    for (i, t) in layout.tracks.enumerated() {
      let text = trackText(tracks, i, layout: layout, album: album)
      lines += ["", "// Track \(i + 1): \(CDText.tocText(t.file))", "TRACK AUDIO"]
      if let isrc = text.isrc { lines.append("ISRC \"\(isrc)\"") }
      lines += ["CD_TEXT {"] + textBlock(text, indent: "") + ["}"]
      let length = RedBook.msf(t.frames)
      if i == 0 {
        lines += ["PREGAP \(RedBook.msf(t.gapFrames))", "FILE \"\(imageName)\" \(RedBook.msf(t.index01Frame)) \(length)"]
      } else if t.gapFrames > 0 {
        lines += [
          "FILE \"\(imageName)\" \(RedBook.msf(t.index00Frame)) \(RedBook.msf(t.gapFrames + t.frames))",
          "START \(RedBook.msf(t.gapFrames))",
        ]
      } else {
        lines.append("FILE \"\(imageName)\" \(RedBook.msf(t.index01Frame)) \(length)")
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// Track `i`'s text; a track `tracks` lacks gets its file name (and an empty performer when the disc has any).
  private static func trackText(_ tracks: [CDText], _ i: Int, layout: CDLayout, album: CDText) -> CDText {
    tracks.indices.contains(i) ? tracks[i] : CDText(title: layout.tracks[i].file, performer: album.performer.map { _ in "" })
  }
}
