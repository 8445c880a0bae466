import AlbumMaster
import AudioIO
import Foundation
import QualityControl
import Reports
import Testing
import TestSupport

/// The album page's own rules, in process: colours that hold WCAG AA, the header, the verdict sentence, QA
/// order, and the lossless previews for sources browsers cannot play (issue 17, items 5 and 6).
@Suite struct ReportPageTests {
  /// `--name: #rrggbb` pairs of one CSS block.
  static func reportVariables(_ block: Substring) -> [String: String] {
    var out: [String: String] = [:]
    for part in block.split(separator: ";") {
      let kv = part.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
      if kv.count == 2, kv[0].hasPrefix("--"), kv[1].hasPrefix("#") { out[String(kv[0].dropFirst(2))] = kv[1] }
    }
    return out
  }

  /// WCAG 2 relative luminance of `#rrggbb`.
  static func reportLuminance(_ hex: String) throws -> Double {
    let v = try #require(UInt32(hex.dropFirst(), radix: 16))
    func channel(_ shift: UInt32) -> Double {
      let c = Double((v >> shift) & 0xff) / 255
      return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
    }
    return 0.2126 * channel(16) + 0.7152 * channel(8) + 0.0722 * channel(0)
  }

  static func reportContrast(_ a: String, _ b: String) throws -> Double {
    let (la, lb) = (try reportLuminance(a), try reportLuminance(b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
  }

  @Test("Every text colour, links included, has at least 4.5:1 contrast on the page and card backgrounds, light and dark")
  func contrastAA() throws {
    let css = HTMLReport.styleSheet
    let lightStart = try #require(css.range(of: ":root {"))
    let lightEnd = try #require(css[lightStart.upperBound...].firstIndex(of: "}"))
    let darkMedia = try #require(css.range(of: "prefers-color-scheme: dark"))
    let darkStart = try #require(css[darkMedia.upperBound...].range(of: ":root {"))
    let darkEnd = try #require(css[darkStart.upperBound...].firstIndex(of: "}"))
    let light = Self.reportVariables(css[lightStart.upperBound..<lightEnd])
    // The dark block overrides some variables; the rest keep their light values.
    let dark = light.merging(Self.reportVariables(css[darkStart.upperBound..<darkEnd])) { _, d in d }
    #expect(dark["bg"] != light["bg"] && dark["link"] != light["link"])
    for (scheme, colours) in [("light", light), ("dark", dark)] {
      for text in ["fg", "muted", "link", "pass", "warn", "fail"] {
        for background in ["bg", "card"] {
          let ratio = try Self.reportContrast(try #require(colours[text], "\(scheme) --\(text)"), try #require(colours[background]))
          #expect(ratio >= 4.5, "\(scheme): --\(text) on --\(background) is \(String(format: "%.2f", ratio)):1")
        }
      }
    }
    // The print style hides the controls and keeps headings with what follows; dark is for screens only.
    let print = try #require(css.range(of: "@media print"))
    #expect(css[print.upperBound...].contains(".transport, .gains, .note, audio { display: none !important; }"))
    #expect(css[print.upperBound...].contains("h2, h3 { break-after: avoid; }"))
    #expect(css.contains("@media screen and (prefers-color-scheme: dark)"))
  }

  @Test("The header date is UTC, fixed by SOURCE_DATE_EPOCH, and clamped when the variable is absurd")
  func reportDate() {
    #expect(ReportDate.today(environment: ["SOURCE_DATE_EPOCH": "86400"]) == "1970-01-02")
    #expect(ReportDate.today(environment: ["SOURCE_DATE_EPOCH": "9223372036854775807"]) == "9999-12-31")
    #expect(ReportDate.today(environment: ["SOURCE_DATE_EPOCH": "-5"]) == "1970-01-01")
    #expect(ReportDate.today(environment: [:]).count == 10)
  }

  @Test("Browsers play WAV, FLAC, Ogg and MP3 as they are; AIFF, CAF, W64 and 64-bit WAV get a preview with its own flat name")
  func previewRules() {
    #expect(ReportPreviews.browserPlays(container: "WAV", encoding: "PCM_24"))
    #expect(ReportPreviews.browserPlays(container: "FLAC", encoding: "PCM_16"))
    #expect(ReportPreviews.browserPlays(container: "OGG", encoding: "OPUS"))
    #expect(!ReportPreviews.browserPlays(container: "AIFF", encoding: "PCM_16"))
    #expect(!ReportPreviews.browserPlays(container: "CAF", encoding: "PCM_24"))
    #expect(!ReportPreviews.browserPlays(container: "WAV", encoding: "DOUBLE"))
    #expect(ReportPreviews.relativePath(file: "CD1/01.aif", side: .original) == "previews/CD1%2F01.aif.original.flac")
    #expect(ReportPreviews.relativePath(file: "CD1%2F01.aif", side: .original) != ReportPreviews.relativePath(file: "CD1/01.aif", side: .original))
    #expect(ReportPreviews.relativePath(file: "01.aif", side: .master) == "previews/01.aif.master.flac")
  }

  /// An album of one AIFF and one WAV track, analysed, with a QA report of one failure, one warning and one pass.
  static func reportFixture(_ root: TempFolder) async throws -> AnalysisDocument {
    let album = root.file("Album")
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    _ = try writeAudio(music(seed: 5, seconds: 4), channels: 2, sampleRateHz: 44_100, to: album + "/01 first song.aiff",
                       format: .init(container: .aiff, encoding: .pcm16))
    _ = try writeAudio(music(seed: 6, seconds: 4), channels: 2, sampleRateHz: 44_100, to: album + "/02 second.wav",
                       format: .init(container: .wav, encoding: .pcm24))
    var doc = await AlbumAnalyzer.analyze(try Album.discover(album), jobs: 2).document
    doc.qa = QAReport(preset: "spotify", findings: [
      QAFinding(check: "clipping", track: "02 second.wav", status: .pass, value: "0", limit: "0", message: "No clipping."),
      QAFinding(check: "true-peak", track: "02 second.wav", status: .warn, value: "-0.5 dBTP", limit: "-1 dBTP", message: "Peaks."),
      QAFinding(check: "phase", track: "01 first song.aiff", status: .fail, value: "-0.9", limit: "-0.2", message: "Out of phase."),
    ])
    return doc
  }

  @Test("The page: verdict sentence, date, version and settings in the header; failures, then warnings, passes collapsed; an AIFF source plays from a FLAC preview in the report folder; a second render writes the same bytes and keeps the preview")
  func pageAndPreview() async throws {
    let root = TempFolder("report-page")
    defer { root.remove() }
    let doc = try await Self.reportFixture(root)
    let report = root.file("R/Album")
    try FileManager.default.createDirectory(atPath: report, withIntermediateDirectories: true)
    let albumBefore = snapshot(root.file("Album"))
    let html = try HTMLReport.render(doc: doc, plan: nil, reportFolder: report, date: "2026-12-02")

    #expect(html.contains("Analysed 2 tracks (not mastered), loudness spread"))
    #expect(html.contains("QA (spotify) fails: 1 failure, 1 warning."))
    #expect(html.contains("Written 2026-12-02 by AlbumMaster \(albumMasterVersion)."))
    #expect(html.contains("Settings: analysis only; QA preset: spotify."))
    // Failures first, then warnings, near the top; passes inside a closed <details> at the end.
    let fail = try #require(html.range(of: ">phase<")), warn = try #require(html.range(of: ">true-peak<"))
    let tracks = try #require(html.range(of: "id=\"tracks\"")), details = try #require(html.range(of: "<details id=\"qa-passes\">"))
    let pass = try #require(html.range(of: ">clipping<"))
    #expect(fail.lowerBound < warn.lowerBound && warn.lowerBound < tracks.lowerBound)
    #expect(details.lowerBound < pass.lowerBound && html.contains("<summary>1 check passed</summary>"))
    // One transport per track, no native controls (no volume slider).
    #expect(!html.contains(" controls"))
    #expect(html.components(separatedBy: "class=\"transport\" hidden").count == 3)

    // The AIFF plays from its preview; the link still names the original. The WAV plays as it is.
    #expect(html.contains("<audio class=\"a\" preload=\"metadata\" src=\"previews/01%20first%20song.aiff.original.flac\">"))
    #expect(html.contains("<a href=\"../../Album/01%20first%20song.aiff\">original</a>"))
    #expect(html.contains("src=\"../../Album/02%20second.wav\""))
    let previewFile = root.file("R/Album/previews/01 first song.aiff.original.flac")
    let info = try AudioFileReader(path: previewFile).info
    #expect(info.format.container == .flac && info.format.encoding == .pcm16)
    #expect(info.frames == doc.tracks[0].frames)
    #expect(try FileManager.default.contentsOfDirectory(atPath: report + "/previews") == ["01 first song.aiff.original.flac"])
    #expect(snapshot(root.file("Album")) == albumBefore)

    // Deterministic, and the preview is kept rather than rewritten.
    let mtime = try #require(try FileManager.default.attributesOfItem(atPath: previewFile)[.modificationDate] as? Date)
    #expect(try HTMLReport.render(doc: doc, plan: nil, reportFolder: report, date: "2026-12-02") == html)
    #expect(try FileManager.default.attributesOfItem(atPath: previewFile)[.modificationDate] as? Date == mtime)
  }

  @Test("No preview is written when the report folder lies inside the album: the player links the original instead")
  func noPreviewInsideTheAlbum() async throws {
    let root = TempFolder("report-inside")
    defer { root.remove() }
    let doc = try await Self.reportFixture(root)
    let before = snapshot(root.file("Album"))
    let html = try HTMLReport.render(doc: doc, plan: nil, reportFolder: root.file("Album"), date: "2026-12-02")
    #expect(snapshot(root.file("Album")) == before)
    #expect(html.contains("<audio class=\"a\" preload=\"metadata\" src=\"01%20first%20song.aiff\">"))
  }
}
