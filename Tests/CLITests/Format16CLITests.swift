import AudioIO
import Foundation
import Testing
import TestSupport

/// The format and edit flags on the command line.
@Suite struct Format16CLITests {
  @Test("--fade-ms and --trim-*-ms out of range, --format unknown: exit 64, one line naming the flag; --format same accepted")
  func flagErrors() throws {
    let root = TempFolder("format16-cli")
    defer { root.remove() }
    let album = root.file("Album")
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    try writeAudio(music(seed: 1, seconds: 2, rate: 44_100), channels: 2, sampleRateHz: 44_100,
                   to: album + "/01 a.wav", format: .init(container: .wav, encoding: .pcm16))
    let before = snapshot(album)
    for (flags, expected) in [
      (["--fade-ms", "2000"], "albummaster: error: --fade-ms: expected a number from 0 to 1000, found 2000\n"),
      (["--trim-start-ms", "-1"], "albummaster: error: --trim-start-ms: expected a number from 0 to 600000, found -1\n"),
      (["--trim-end-ms", "nan"], "albummaster: error: --trim-end-ms: expected a number from 0 to 600000, found nan\n"),
    ] {
      let r = try runCLI(["master", album, "--reports", root.file("R")] + flags)
      #expect(r.status == 64 && r.stderr == expected, "\(flags): \(r.stderr)")
    }
    let bad = try runCLI(["master", album, "--reports", root.file("R"), "--format", "wma"])
    #expect(bad.status == 64 && bad.stderr.contains("'wma' is invalid for '--format"), "\(bad.stderr)")
    #expect(!FileManager.default.fileExists(atPath: root.file("R")))
    let same = try runCLI(["master", album, "--reports", root.file("R"), "--quiet", "--format", "same", "--fade-ms", "0", "--trim-end-ms", "100"])
    #expect(same.status == 0, "\(same.stderr)")
    let info = try AudioFileReader(path: root.file("R/Album/masters/01 a.wav")).info
    #expect(info.format == .init(container: .wav, encoding: .pcm16) && info.sampleRate == 44_100)
    #expect(snapshot(album) == before)
  }
}
