import AlbumMaster
import Analysis
import Foundation
import QualityControl
import Testing
import TestSupport

@Suite(.serialized) struct QATests {
  /// The defect album, written, analysed and checked once; awaited, never blocked on (see DemoAlbumTests).
  static let fixtureTask = Task { () -> (dir: TempFolder, analysis: AlbumAnalysis, qa: QAReport) in
    let dir = TempFolder("qa")
    try! DefectAlbum.write(to: dir.file("Album"))
    let a = await AlbumAnalyzer.analyze(try! Album.discover(dir.file("Album")), jobs: 2)
    let qa = await AlbumChecker.check(
      tracks: a.tracks, folder: a.album.path, profile: a.profile, preset: DeliveryPreset.named("tidal"), codec: true, jobs: 2)
    return (dir, a, qa)
  }

  static func fixture() async -> (dir: TempFolder, analysis: AlbumAnalysis, qa: QAReport) { await fixtureTask.value }

  static func status(_ check: String, _ track: String) async -> QAStatus? {
    await fixture().qa.findings.first { $0.check == check && $0.track == track }?.status
  }

  @Test("Each planted defect is caught and names its track; the clean tracks pass that check",
        arguments: [
          ("clipping", DefectAlbum.clipped, QAStatus.fail), ("dc-offset", DefectAlbum.dc, .warn),
          ("leading-silence", DefectAlbum.silence, .warn), ("phase", DefectAlbum.inverted, .fail),
          ("loudness-outlier", DefectAlbum.quiet, .warn), ("tonal-outlier", DefectAlbum.dark, .warn),
          ("format-consistency", DefectAlbum.rate, .warn), ("codec-mp3", DefectAlbum.codec, .fail),
        ])
  func caught(c: (check: String, track: String, expected: QAStatus)) async {
    let status = await Self.status(c.check, c.track)
    #expect(status == c.expected, "\(c.check) on \(c.track)")
    for clean in DefectAlbum.clean {
      let s = await Self.status(c.check, clean)
      #expect(s == .pass, "\(c.check) on \(clean)")
    }
  }

  @Test("The codec track is under the ceiling before encoding and over it after MP3")
  func codecOversOnlyAfterEncoding() async throws {
    let f = await Self.fixture()
    let t = try #require(f.analysis.tracks.first { $0.file == DefectAlbum.codec })
    #expect(try #require(t.loudness.truePeakDBTP) <= -1)
    let tp = await Self.status("true-peak", DefectAlbum.codec)
    #expect(tp == .pass)
    #expect(f.qa.verdict == .fail)
  }

  @Test("Every finding carries a value, a limit and a one-sentence reason")
  func findingsAreExplained() async {
    for f in await Self.fixture().qa.findings {
      #expect(!f.value.isEmpty && !f.limit.isEmpty && f.message.hasSuffix(".") && !f.message.contains("\n"))
    }
  }

  @Test("A clean album passes (warnings allowed) with every check and codec safety")
  func cleanAlbumPasses() async throws {
    let dir = TempFolder("qa-clean")
    defer { dir.remove() }
    try DefectAlbum.write(to: dir.file("Album"), onlyClean: true)
    let a = await AlbumAnalyzer.analyze(try Album.discover(dir.file("Album")), jobs: 2)
    let qa = await AlbumChecker.check(
      tracks: a.tracks, folder: a.album.path, profile: a.profile, preset: DeliveryPreset.named("tidal"), codec: true, jobs: 2)
    #expect(qa.verdict != .fail, "\(qa.findings.filter { $0.status == .fail })")
    #expect(qa.findings.contains { $0.check == "codec-opus" && $0.status == .pass })
  }

  @Test("Presets are data with their sources; Spotify lowers the ceiling for loud tracks")
  func presets() throws {
    #expect(DeliveryPreset.all.count == 9 && DeliveryPreset.all.allSatisfy { !$0.source.isEmpty })
    let spotify = try #require(DeliveryPreset.named("spotify"))
    #expect(spotify.ceiling(forLoudness: -10) == -2 && spotify.ceiling(forLoudness: -16) == -1)
    #expect(DeliveryPreset.named("cd-redbook")?.targetLUFS == nil)
  }
}
