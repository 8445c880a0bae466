import AlbumMaster
import QualityControl
import Testing

/// The CD image's layout (frames, gaps, padding), its CUE sheet and TOC, and the Red Book rows, in process.
@Suite struct CD16LayoutTests {
  static let layout = CDLayout([
    (file: "01 a.wav", samples: 44_100 * 5 + 1, gapSeconds: 9),  // track 1: the 2 s pregap whatever is asked
    (file: "02 b.wav", samples: 588 * 300, gapSeconds: 0),
    (file: "03 c.wav", samples: 1_000, gapSeconds: 2),
  ])

  @Test func tracksStartOnFramesAfterTheirGaps() {
    let t = Self.layout.tracks
    #expect(t.map(\.gapFrames) == [150, 0, 150])
    #expect(t.map(\.index00Frame) == [0, 526, 826])
    #expect(t.map(\.index01Frame) == [150, 526, 976])
    #expect(t.map(\.frames) == [376, 300, 2])
    #expect(t.map(\.padSamples) == [587, 0, 176])
    #expect(Self.layout.totalFrames == 978)
    // Gaps round to the nearest frame (1/75 s).
    #expect(CDLayout([("a", 588, 0), ("b", 588, 1.6), ("c", 588, 0.0067)]).tracks.map(\.gapFrames) == [150, 120, 1])
  }

  @Test func msfCountsSeventyFiveFramesASecond() {
    #expect(RedBook.msf(0) == "00:00:00")
    #expect(RedBook.msf(978) == "00:13:03")
    #expect(RedBook.msf(RedBook.maxTotalFrames) == "79:57:00")
    #expect(RedBook.frames(samples: 588) == 1 && RedBook.frames(samples: 589) == 2 && RedBook.frames(samples: 0) == 0)
  }

  @Test func cueSheetHasIndexesCatalogISRCAndText() {
    let album = CDText(title: "Night \"Drive\"", performer: "The Examples")
    let tracks = [
      CDText(title: "Opening", performer: "The Examples", isrc: "GBXYZ2600001"),
      CDText(title: "B", performer: "Guest", isrc: nil),
      CDText(title: "C", performer: "", isrc: "GBXYZ2600003"),
    ]
    let cue = CDSheets.cue(layout: Self.layout, album: album, tracks: tracks, catalogEAN13: "0012345678905")
    #expect(
      cue == """
        CATALOG 0012345678905
        PERFORMER "The Examples"
        TITLE "Night 'Drive'"
        FILE "image.wav" WAVE
          TRACK 01 AUDIO
            TITLE "Opening"
            PERFORMER "The Examples"
            ISRC GBXYZ2600001
            INDEX 00 00:00:00
            INDEX 01 00:02:00
          TRACK 02 AUDIO
            TITLE "B"
            PERFORMER "Guest"
            INDEX 01 00:07:01
          TRACK 03 AUDIO
            TITLE "C"
            PERFORMER ""
            ISRC GBXYZ2600003
            INDEX 00 00:11:01
            INDEX 01 00:13:01

        """)
    let toc = CDSheets.toc(layout: Self.layout, album: album, tracks: tracks, catalogEAN13: "0012345678905")
    for line in [
      "CD_DA", "CATALOG \"0012345678905\"", "    0 : EN", "ISRC \"GBXYZ2600001\"", "PREGAP 00:02:00",
      "FILE \"image.wav\" 00:02:00 00:05:01", "FILE \"image.wav\" 00:07:01 00:04:00",
      "FILE \"image.wav\" 00:11:01 00:02:02", "START 00:02:00", "    PERFORMER \"Guest\"",
    ] {
      #expect(toc.split(separator: "\n").contains(Substring(line)), "missing: \(line)")
    }
    // No performer anywhere: none written (cdrdao wants one on every track once any has one).
    let bare = CDSheets.cue(layout: Self.layout, album: CDText(title: "A", performer: nil), tracks: [], catalogEAN13: nil)
    #expect(!bare.contains("PERFORMER") && !bare.contains("CATALOG") && bare.contains("TITLE \"03 c.wav\""))
  }

  @Test func textComesFromReleaseMetadataWithFallbacks() {
    var release = ReleaseMetadata()
    release.title = "Night Drive"
    var second = TrackMetadata()
    second.artist = "Guest"
    second.isrc = "GBXYZ2600002"
    let t = CDText.resolve(albumName: "Folder", files: ["01 a.wav", "02 b.wav"], release: release, tracks: ["02 b.wav": second])
    #expect(t.album == CDText(title: "Night Drive", performer: ""))
    #expect(t.tracks == [CDText(title: "01 a", performer: ""), CDText(title: "02 b", performer: "Guest", isrc: "GBXYZ2600002")])
    let none = CDText.resolve(albumName: "Folder", files: ["x.wav"], release: ReleaseMetadata(), tracks: [:])
    #expect(none.album == CDText(title: "Folder", performer: nil) && none.tracks == [CDText(title: "x", performer: nil)])
    #expect(CDText.sheetSafe("a\"b\\c\u{7}d") == "a'b/cd")
    // CD-Text is ISO-8859-1: Latin-1 characters as octal escapes in the TOC, the rest as ?.
    #expect(CDText.tocText("Révélation") == "R\\351v\\351lation")
    #expect(CDText.tocText("Ω-mix ß") == "?-mix \\337")
    #expect(CDText.tocText("plain") == "plain")
  }

  @Test func redBookRowsFailPastTheLimits() {
    func status(_ rows: [QAFinding], _ check: String, _ track: String? = nil) -> QAStatus? {
      rows.first { $0.check == check && $0.track == track }?.status
    }
    let ok = Self.layout.checks
    #expect(status(ok, "cd-track-count") == .pass && status(ok, "cd-total-length") == .pass)
    // 5 s + 1 sample passes; 4 s exactly passes; 1000 samples fails.
    #expect(status(ok, "cd-track-length", "01 a.wav") == .pass && status(ok, "cd-track-length", "02 b.wav") == .pass)
    #expect(status(ok, "cd-track-length", "03 c.wav") == .fail)
    let short = RedBook.checks(tracks: [("a", 3 * 44_100)], totalFrames: 400)
    #expect(status(short, "cd-track-length", "a") == .fail)
    #expect(short.first { $0.track == "a" }?.value == "3.00 s")
    let many = CDLayout((1...100).map { (file: "\($0).wav", samples: Int64(5 * 44_100), gapSeconds: 2.0) })
    #expect(status(many.checks, "cd-track-count") == .fail)
    #expect(many.checks.first { $0.check == "cd-track-count" }?.value == "100 tracks")
    let long = CDLayout([("long.wav", Int64(79 * 60 + 56) * 44_100, 0)])  // with the 2 s pregap: 79:58
    #expect(status(long.checks, "cd-total-length") == .fail)
    let fits = CDLayout([("fits.wav", Int64(79 * 60 + 55) * 44_100, 0)])
    #expect(status(fits.checks, "cd-total-length") == .pass)
    // Added rows decide the verdict like the others.
    let report = QAReport(preset: nil, findings: []).adding(short)
    #expect(report.verdict == .fail && report.findings.count == short.count)
  }
}
