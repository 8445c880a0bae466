import AlbumMaster
import Foundation
import Reports
import Testing
import TestSupport

/// `check` and `analyze` never destroy a master report (issue 17, item 2): their results go beside it
/// (`SourceCheckReport`), the master's files keep their bytes, its page keeps the before/after, and the catalogue
/// still says "mastered".
@Suite(.serialized) struct ReportSafetyTests {
  /// Two 4-second tracks at different loudness.
  static func reportSafetyAlbum(_ tmp: TempFolder) throws -> String {
    let path = tmp.file("Album")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    for (i, gain) in [-10.0, -20.0].enumerated() {
      try writeAudio(
        music(seed: UInt64(i + 1), seconds: 4, gainDB: gain), channels: 2, sampleRateHz: 48_000,
        to: (path as NSString).appendingPathComponent("0\(i + 1) track.wav"))
    }
    return path
  }

  /// A temporary folder with the album and where its reports go.
  struct ReportSafetySetup {
    let tmp = TempFolder("report-safety")
    let album: String, reports: String, folder: String
    init() throws {
      album = try ReportSafetyTests.reportSafetyAlbum(tmp)
      reports = tmp.file("Reports")
      folder = tmp.file("Reports/Album")
    }
  }

  /// Every file the master wrote into `folder`, by bytes: all but the page, the sources' files, the cache and
  /// the previews (which a check may add to).
  static func reportSafetyMasterFiles(_ folder: String) -> [String: Data] {
    snapshot(folder).filter { name, _ in
      !([ReportFile.index] + SourceCheckReport.sideFiles).contains(name) && !name.hasPrefix(".cache")
        && !name.hasPrefix("previews")
    }
  }

  /// The page without the sources' section and header line, and with its date blanked: what the master wrote.
  static func reportSafetyWithoutSourceCheck(_ page: String) -> String {
    page.replacingOccurrences(of: #"<p class="meta" id="source-check-link">.*?</p>"#, with: "", options: .regularExpression)
      .replacingOccurrences(of: #"<section id="source-check">(.|\n)*?</section>\n"#, with: "", options: .regularExpression)
      .replacingOccurrences(of: #"Written \d{4}-\d{2}-\d{2}"#, with: "Written DATE", options: .regularExpression)
  }

  static func reportSafetyMaster(_ album: String, reports: String) async throws -> BatchOutcome {
    var request = MasterRequest(albums: [album])
    request.reportsFolder = reports
    return try await AlbumBatch.master(request)
  }

  static func reportSafetyText(_ path: String) -> String { String(decoding: fileBytes(path), as: UTF8.self) }

  /// Events collected from a run.
  final class ReportSafetyEvents: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [RunEvent] = []
    func add(_ e: RunEvent) { lock.withLock { list.append(e) } }
    var kept: [String] { lock.withLock { list.compactMap { if case .masterReportKept(let f) = $0 { f } else { nil } } } }
  }

  @Test("master, then check --preset spotify, then analyze: the master's files, page and catalogue row survive")
  func checkAndAnalyzeKeepTheMasterReport() async throws {
    let setup = try ReportSafetySetup()
    defer { setup.tmp.remove() }
    let (tmp, album, reports, folder) = (setup.tmp, setup.album, setup.reports, setup.folder)
    let input = snapshot(album)
    let mastered = try await Self.reportSafetyMaster(album, reports: reports)
    #expect(mastered.status == .ok)
    #expect(SourceCheckReport.holdsMasterReport(folder))
    let files = Self.reportSafetyMasterFiles(folder)
    #expect(files.keys.contains("plan.json") && files.keys.contains("masters/01 track.wav") && files.keys.contains("analysis.json"))
    let page = Self.reportSafetyText(tmp.file("Reports/Album/index.html"))
    #expect(page.contains(#"<audio class="b""#) && page.contains("B master") && page.contains("Mastered 2 tracks"))

    let spotify = try #require(DeliveryPreset.named("spotify"))
    let events = ReportSafetyEvents()
    let checked = try await AlbumBatch.analyze(
      [album], reportsFolder: reports, jobs: 2, useCache: true, jsonPath: "-",
      judgement: .qa(preset: spotify, codec: false, strict: true), onEvent: events.add)
    // The sources (−10 and −20 LUFS) miss Spotify's −14, a warning: with `--strict`, `check` gates on it, as before.
    let checkQA = try #require(checked.albums.first?.document?.qa)
    #expect(checkQA.preset == "spotify" && checkQA.verdict == .warn)
    #expect(checked.status == .missed)
    #expect(events.kept == [folder])
    #expect(checked.albums.first?.written.map { ($0 as NSString).lastPathComponent } == [
      ReportFile.sourceAnalysis, ReportFile.sourceQA, ReportFile.index,
    ])
    // The `--json` result is the check's document: the sources and their QA.
    let result = try JSONSerialization.jsonObject(with: try #require(checked.resultForStandardOutput)) as? [String: Any]
    let albums = try #require(result?["albums"] as? [[String: Any]])
    #expect((albums.first?["qa"] as? [String: Any])?["preset"] as? String == "spotify")
    #expect(Self.reportSafetyMasterFiles(folder) == files)
    #expect(SourceCheckReport.saved(in: folder)?.qa == checkQA)
    #expect(fileBytes(tmp.file("Reports/Album/source-qa.csv")) == Data(try CSVReport.qa(checkQA).utf8))
    let checkedPage = Self.reportSafetyText(tmp.file("Reports/Album/index.html"))
    #expect(checkedPage.contains(#"<section id="source-check">"#) && checkedPage.contains(#"id="source-qa-0""#))
    #expect(checkedPage.contains("QA of the sources: <span class=\"verdict-warn\">warn</span>"))
    #expect(Self.reportSafetyWithoutSourceCheck(checkedPage) == Self.reportSafetyWithoutSourceCheck(page))
    let catalogue = Self.reportSafetyText(tmp.file("Reports/index.html"))
    #expect(catalogue.contains("<td>yes</td>") && !catalogue.contains("<td>no</td>"))

    let analysed = try await AlbumBatch.analyze(
      [album], reportsFolder: reports, jobs: 2, useCache: true, jsonPath: nil, judgement: .checks)
    #expect(analysed.status == .ok)
    #expect(Self.reportSafetyMasterFiles(folder) == files)
    #expect(SourceCheckReport.saved(in: folder)?.qa?.preset == nil)
    let analysedPage = Self.reportSafetyText(tmp.file("Reports/Album/index.html"))
    #expect(analysedPage.contains(#"<section id="source-check">"#))
    #expect(Self.reportSafetyWithoutSourceCheck(analysedPage) == Self.reportSafetyWithoutSourceCheck(page))
    #expect(Self.reportSafetyText(tmp.file("Reports/index.html")).contains("<td>yes</td>"))
    #expect(snapshot(album) == input)
    #expect(!snapshot(reports).keys.contains { ($0 as NSString).lastPathComponent.hasPrefix(".") && $0.hasSuffix(".tmp") })
  }

  @Test("report keeps the sources' section; the next master replaces it with a fresh report")
  func regenerationKeepsItAndMasterReplacesIt() async throws {
    let setup = try ReportSafetySetup()
    defer { setup.tmp.remove() }
    let (tmp, album, reports, folder) = (setup.tmp, setup.album, setup.reports, setup.folder)
    _ = try await Self.reportSafetyMaster(album, reports: reports)
    let page = Self.reportSafetyText(tmp.file("Reports/Album/index.html"))
    _ = try await AlbumBatch.analyze([album], reportsFolder: reports, jobs: 2, useCache: true, jsonPath: nil, judgement: .checks)
    let written = try await ReportRegeneration.regenerate(albumPath: album, reportsFolder: reports)
    #expect(written.contains(tmp.file("Reports/Album/index.html")))
    let regenerated = Self.reportSafetyText(tmp.file("Reports/Album/index.html"))
    #expect(regenerated.contains(#"<section id="source-check">"#))
    #expect(Self.reportSafetyWithoutSourceCheck(regenerated) == Self.reportSafetyWithoutSourceCheck(page))

    let again = try await Self.reportSafetyMaster(album, reports: reports)
    #expect(again.status == .ok)
    for name in SourceCheckReport.sideFiles {
      #expect(!FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(name)), "\(name)")
    }
    let remastered = Self.reportSafetyText(tmp.file("Reports/Album/index.html"))
    #expect(!remastered.contains("source-check"))
    #expect(Self.reportSafetyWithoutSourceCheck(remastered) == Self.reportSafetyWithoutSourceCheck(page))
  }

  @Test("After master --plan-only, analyze keeps the plan, its analysis.json and the plan's reasons on the page")
  func analyzeKeepsAPlanOnlyReport() async throws {
    let setup = try ReportSafetySetup()
    defer { setup.tmp.remove() }
    var request = MasterRequest(albums: [setup.album])
    request.reportsFolder = setup.reports
    request.planOnly = true
    #expect(try await AlbumBatch.master(request).status == .ok)
    let files = Self.reportSafetyMasterFiles(setup.folder)
    #expect(files.keys.contains(ReportFile.plan) && !files.keys.contains { $0.hasPrefix("masters") })
    let page = Self.reportSafetyText(setup.tmp.file("Reports/Album/index.html"))
    let events = ReportSafetyEvents()
    let outcome = try await AlbumBatch.analyze(
      [setup.album], reportsFolder: setup.reports, jobs: 2, useCache: true, jsonPath: nil, judgement: .checks, onEvent: events.add)
    #expect(outcome.status == .ok)
    #expect(events.kept == [setup.folder])
    #expect(Self.reportSafetyMasterFiles(setup.folder) == files)
    let analysedPage = Self.reportSafetyText(setup.tmp.file("Reports/Album/index.html"))
    #expect(analysedPage.contains(#"<section id="source-check">"#) && analysedPage.contains(#"<ul class="reasons"><li>"#))
    #expect(Self.reportSafetyWithoutSourceCheck(analysedPage) == Self.reportSafetyWithoutSourceCheck(page))
  }

  @Test("Without a master report, check writes the album's usual report and nothing beside it")
  func checkWithoutAMasterReportWritesTheUsualReport() async throws {
    let setup = try ReportSafetySetup()
    defer { setup.tmp.remove() }
    let (tmp, album, reports, folder) = (setup.tmp, setup.album, setup.reports, setup.folder)
    let spotify = try #require(DeliveryPreset.named("spotify"))
    let events = ReportSafetyEvents()
    let outcome = try await AlbumBatch.analyze(
      [album], reportsFolder: reports, jobs: 2, useCache: false, jsonPath: nil,
      judgement: .qa(preset: spotify, codec: false, strict: false), onEvent: events.add)
    #expect(outcome.status == .ok)  // a warning, without --strict
    #expect(events.kept.isEmpty)
    #expect(!SourceCheckReport.holdsMasterReport(folder))
    let names = Set(snapshot(folder).keys.filter { !$0.hasPrefix(".cache") })
    #expect(names == [ReportFile.analysis, ReportFile.profile, ReportFile.tracks, ReportFile.bands, ReportFile.qa, ReportFile.index])
    #expect(!Self.reportSafetyText(tmp.file("Reports/Album/index.html")).contains("source-check"))
    #expect(Self.reportSafetyText(tmp.file("Reports/index.html")).contains("<td>no</td>"))
  }
}
