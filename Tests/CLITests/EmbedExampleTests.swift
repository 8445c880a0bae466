import Foundation
import Testing
import TestSupport

/// `embed-example` masters through the library alone; its masters must be the CLI's, byte for byte, with the
/// preset and album.yaml in effect.
@Suite struct EmbedExampleTests {
  var examplePath: String { ((albummasterPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("embed-example") }

  @Test func theExampleMastersAsTheCLIDoes() throws {
    let tmp = TempFolder("embed")
    defer { tmp.remove() }
    let album = tmp.file("Album")
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    for (i, gain) in [-9.0, -18.0].enumerated() {
      try writeAudio(
        music(seed: UInt64(i + 7), seconds: 4, gainDB: gain), channels: 2, sampleRateHz: 44_100,
        to: (album as NSString).appendingPathComponent("0\(i + 1) song.wav"))
    }
    try "eqAmount: 0.5\n".write(toFile: (album as NSString).appendingPathComponent("album.yaml"), atomically: true, encoding: .utf8)
    let cli = try runCLI(["master", album, "--reports", tmp.file("CLI"), "--preset", "apple-music", "--quiet"])
    let run = try ProcessRun([album, tmp.file("Embed"), "apple-music"], executable: examplePath)
    let embedded = run.wait(timeoutSeconds: 300)
    #expect(!embedded.timedOut)
    #expect(cli.status == embedded.status, "\(cli.stderr)\n\(embedded.stdout)")
    #expect(cli.status == 0 || cli.status == 1, "\(cli.stderr)")
    #expect(embedded.stdout.contains("target -16.0 LUFS, ceiling -1.0 dBTP"), "\(embedded.stdout)")
    for f in ["01 song.wav", "02 song.wav"] {
      let a = fileBytes(tmp.file("CLI/Album/masters/\(f)")), b = fileBytes(tmp.file("Embed/Album/masters/\(f)"))
      #expect(!a.isEmpty && a == b, "\(f)")
    }
    let plan = String(decoding: fileBytes(tmp.file("Embed/Album/plan.json")), as: UTF8.self)
    #expect(plan.contains("\"eqAmount\" : 0.5"), "album.yaml's eqAmount is in the plan")
  }

  @Test func aBadPresetIsAUsageError() throws {
    let run = try ProcessRun(["/nonexistent", NSTemporaryDirectory() + "embed-none", "spotfy"], executable: examplePath)
    let r = run.wait(timeoutSeconds: 60)
    #expect(r.status == 64)
    #expect(r.stdout.contains("unknown preset 'spotfy'"))
  }
}
