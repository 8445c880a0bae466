import Foundation
import Testing
import TestSupport

@Suite struct AlbumNameCLITests {
  @Test("An album folder with a dot in its name (Live.2019): master and report use the same report folder")
  func dottedFolder() throws {
    let root = TempFolder("album-name")
    defer { root.remove() }
    let album = root.file("Live.2019")
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    try writeAudio(music(seed: 5, seconds: 4), channels: 2, sampleRateHz: 48_000, to: (album as NSString).appendingPathComponent("a.wav"))
    let input = snapshot(album)
    let m = try runCLI(["master", album, "--reports", root.file("R"), "--quiet"])
    #expect(m.status == 0, "\(m.stderr)")
    let html = root.file("R/Live.2019/index.html")
    let before = fileBytes(html)
    #expect(!before.isEmpty)
    try FileManager.default.removeItem(atPath: html)
    let r = try runCLI(["report", album, "--reports", root.file("R")])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(fileBytes(html) == before)
    // Not a second folder named as if ".2019" were an extension.
    #expect(!FileManager.default.fileExists(atPath: root.file("R/Live")))
    #expect(snapshot(album) == input)
    let leftovers = (FileManager.default.enumerator(atPath: root.path)?.allObjects as? [String] ?? [])
      .filter { ($0 as NSString).lastPathComponent.hasSuffix(".tmp") }
    #expect(leftovers.isEmpty, "\(leftovers)")
  }
}
