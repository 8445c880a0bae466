import Foundation
import Testing
import TestSupport

/// `check` and `analyze` after `master` on one album and `--reports` (issue 17, item 2), through the binary:
/// exit codes, the one-line note, the master's files by bytes, the page's before/after, the catalogue and `--json`.
@Suite struct ReportSafetyCLITests {
  @Test("master, check --preset spotify --json, analyze: the master report survives and the check's QA sits beside it")
  func checkAfterMasterKeepsTheMasterReport() throws {
    let root = TempFolder("report-safety-cli")
    defer { root.remove() }
    let album = root.file("Demo")
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    for (i, gain) in [-10.0, -20.0].enumerated() {
      try writeAudio(
        music(seed: UInt64(i + 1), seconds: 4, gainDB: gain), channels: 2, sampleRateHz: 48_000,
        to: (album as NSString).appendingPathComponent("0\(i + 1) song.wav"), format: .init(container: .wav, encoding: .pcm24))
    }
    let input = snapshot(album)
    let reports = root.file("Reports")
    func bytes(_ name: String) -> Data { fileBytes(root.file("Reports/Demo/\(name)")) }
    func text(_ name: String) -> String { String(decoding: fileBytes(root.file("Reports/\(name)")), as: UTF8.self) }

    let master = try #require(try runCLI(["master", album, "--reports", reports, "--quiet"], timeoutSeconds: 300))
    #expect(master.status == 0, "\(master.stderr)")
    let kept = ["plan.json", "analysis.json", "profile.json", "tracks.csv", "bands.csv", "masters/01 song.wav", "masters/02 song.wav"]
    let before = kept.map(bytes)
    #expect(before.allSatisfy { !$0.isEmpty })

    // The sources (−10 and −20 LUFS) miss Spotify's −14 LUFS, a warning: with --strict, exit 1 as for any check.
    let check = try #require(try runCLI(
      ["check", album, "--preset", "spotify", "--strict", "--reports", reports, "--json", root.file("check.json")],
      timeoutSeconds: 300))
    #expect(check.status == 1, "\(check.stderr)")
    #expect(check.stderr.contains("Demo holds a master report: kept; the sources' analysis and QA are in source-analysis.json"), "\(check.stderr)")
    #expect(kept.map(bytes) == before)
    let page = text("Demo/index.html")
    #expect(page.contains(#"<audio class="b""#) && page.contains("B master") && page.contains("masters/01%20song.wav"))
    #expect(page.contains("Mastered 2 tracks") && page.contains(#"<section id="source-check">"#))
    let json = try JSONSerialization.jsonObject(with: fileBytes(root.file("check.json"))) as? [String: Any]
    let doc = try #require((json?["albums"] as? [[String: Any]])?.first)
    #expect((doc["qa"] as? [String: Any])?["preset"] as? String == "spotify")
    #expect((doc["qa"] as? [String: Any])?["verdict"] as? String == "warn")
    let side = try JSONSerialization.jsonObject(with: bytes("source-analysis.json")) as? [String: Any]
    #expect((side?["qa"] as? [String: Any])?["preset"] as? String == "spotify")
    #expect(text("Demo/source-qa.csv").contains("loudness-target,01 song.wav,warn,"))
    #expect(text("index.html").contains("<td>yes</td>") && !text("index.html").contains("<td>no</td>"))

    let analyze = try #require(try runCLI(["analyze", album, "--reports", reports, "--quiet"], timeoutSeconds: 300))
    #expect(analyze.status == 0, "\(analyze.stderr)")
    #expect(kept.map(bytes) == before)
    #expect(text("Demo/index.html").contains(#"<audio class="b""#) && text("Demo/index.html").contains(#"<section id="source-check">"#))
    #expect(text("index.html").contains("<td>yes</td>"))

    // Two albums named Demo: the second is refused (exit 2), as by every command, and the master report stays.
    let twin = root.file("Other/Demo")
    try FileManager.default.createDirectory(atPath: twin, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: (album as NSString).appendingPathComponent("01 song.wav"), toPath: twin + "/01 song.wav")
    let clash = try #require(try runCLI(["check", album, twin, "--no-codec", "--reports", reports, "--quiet"], timeoutSeconds: 300))
    #expect(clash.status == 2, "\(clash.stderr)")
    #expect(clash.stderr.contains("Other/Demo: another album of this run has the same folder name"), "\(clash.stderr)")
    #expect(kept.map(bytes) == before)
    #expect(snapshot(album) == input)
    #expect(!snapshot(reports).keys.contains { ($0 as NSString).lastPathComponent.hasPrefix(".") && $0.hasSuffix(".tmp") })
  }
}
