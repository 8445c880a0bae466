import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// Hostile names and configs reach the terminal as one line each.
@Suite struct ReadingCLITests {
  /// Creates a file whose name is raw bytes (not necessarily UTF-8) inside `folder`, with `contents`.
  static func readingRawFile(_ folder: String, name: [UInt8], contents: Data) -> Bool {
    let path = Array(folder.utf8) + [0x2F] + name + [0]
    let fd = path.withUnsafeBufferPointer { p in
      p.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644) }
    }
    guard fd >= 0 else { return false }
    defer { close(fd) }
    return contents.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == contents.count
  }

  /// Removes a raw-named file (Foundation cannot name it).
  static func readingRawRemove(_ folder: String, name: [UInt8]) {
    let path = Array(folder.utf8) + [0x2F] + name + [0]
    _ = path.withUnsafeBufferPointer { p in p.withMemoryRebound(to: CChar.self) { unlink($0.baseAddress!) } }
  }

  /// `<root>/Album` with one 2-second track at `rate` and `yaml` as its album.yaml.
  static func readingAlbum(_ root: TempFolder, rate: Int, yaml: String) throws -> String {
    let album = root.file("Album")
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    try writeAudio(music(seed: 5, seconds: 2, rate: rate), channels: 2, sampleRateHz: rate, to: (album as NSString).appendingPathComponent("a.wav"))
    try yaml.write(toFile: (album as NSString).appendingPathComponent("album.yaml"), atomically: false, encoding: .utf8)
    return album
  }

  @Test("A newline in a file name and a name that is not UTF-8: one escaped error line each, exit 2, inputs untouched")
  func hostileNames() throws {
    let root = TempFolder("reading-names")
    let album = root.file("Album")
    let invalid = Array("caf".utf8) + [0xE9] + Array(".wav".utf8)
    defer {
      Self.readingRawRemove(album, name: invalid)
      root.remove()
    }
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    let good = try writeAudio(
      music(seed: 3, seconds: 3), channels: 2, sampleRateHz: 48_000, to: (album as NSString).appendingPathComponent("01 good.wav"),
      format: .init(container: .wav, encoding: .pcm24))
    try "not audio".write(toFile: (album as NSString).appendingPathComponent("bad\nname.wav"), atomically: false, encoding: .utf8)
    #expect(Self.readingRawFile(album, name: invalid, contents: fileBytes(good)))
    let before = snapshot(album)

    let r = try runCLI(["analyze", album, "--reports", root.file("Reports")])
    #expect(r.status == 2, "\(r.stderr)")
    #expect(r.errorLines.count == 2, "\(r.stderr)")
    #expect(r.errorLines.contains("albummaster: error: \(album)/caf\\xE9.wav: cannot open: the file name is not valid UTF-8; rename it"), "\(r.stderr)")
    #expect(r.errorLines.contains { $0.hasPrefix("albummaster: error: \(album)/bad\\nname.wav: not a supported audio file: ") }, "\(r.stderr)")
    // No line starts with the part after the newline.
    #expect(!r.stderr.split(separator: "\n").contains { $0.hasPrefix("name.wav") }, "\(r.stderr)")
    #expect(snapshot(album) == before)
    // The reports name both failures (the CSV keeps the real name, the JSON too).
    let csv = String(decoding: fileBytes(root.file("Reports/Album/tracks.csv")), as: UTF8.self)
    #expect(csv.contains("caf\\xE9.wav,error,cannot open: the file name is not valid UTF-8; rename it"), "\(csv)")
    #expect(csv.contains("01 good.wav,ok,"))
  }

  @Test("--all: an album folder whose name is not UTF-8 is one error line, not skipped in silence; the others are done")
  func hostileFolderName() throws {
    let root = TempFolder("reading-folder")
    let albums = root.file("Albums")
    let invalid = Array("caf".utf8) + [0xE9]
    defer {
      let path = Array(albums.utf8) + [0x2F] + invalid + [0]
      _ = path.withUnsafeBufferPointer { p in p.withMemoryRebound(to: CChar.self) { rmdir($0.baseAddress!) } }
      root.remove()
    }
    let good = (albums as NSString).appendingPathComponent("Good")
    try FileManager.default.createDirectory(atPath: good, withIntermediateDirectories: true)
    try writeAudio(music(seed: 6, seconds: 2), channels: 2, sampleRateHz: 48_000, to: (good as NSString).appendingPathComponent("a.wav"))
    let path = Array(albums.utf8) + [0x2F] + invalid + [0]
    #expect(path.withUnsafeBufferPointer { p in p.withMemoryRebound(to: CChar.self) { mkdir($0.baseAddress!, 0o755) } } == 0)
    let r = try runCLI(["analyze", "--all", albums, "--reports", root.file("Reports")])
    #expect(r.status == 2, "\(r.stderr)")
    #expect(r.errorLines == ["albummaster: error: \(albums)/caf\u{FFFD}: no such file or folder (the name is not valid UTF-8; rename it)"], "\(r.stderr)")
    #expect(FileManager.default.fileExists(atPath: root.file("Reports/Good/tracks.csv")))
  }

  @Test("A control character in an album.yaml key stays on the error's one line")
  func configKeyEscaped() throws {
    let root = TempFolder("reading-yaml")
    defer { root.remove() }
    let album = try Self.readingAlbum(root, rate: 48_000, yaml: "tracks:\n  \"a\\nb.wav\": { eq: maybe }\n")
    let r = try runCLI(["master", album, "--reports", root.file("Reports")])
    #expect(r.status == 2, "\(r.stderr)")
    #expect(r.errorLines == ["albummaster: error: \(album)/album.yaml:2: tracks.a\\nb.wav.eq: expected on/off (yes/no, true/false), found 'maybe'"], "\(r.stderr)")
  }

  @Test("An Opus 44.1 kHz variant is refused before any track is read; so is --format opus --sample-rate 44100")
  func unrenderableVariant() throws {
    let root = TempFolder("reading-variant")
    defer { root.remove() }
    let album = try Self.readingAlbum(root, rate: 44_100, yaml: "outputs:\n  - { format: opus, sampleRate: 44100 }\n")
    let r = try runCLI(["master", album, "--reports", root.file("Reports")])
    #expect(r.status == 2, "\(r.stderr)")
    #expect(r.errorLines == ["albummaster: error: \(album)/album.yaml:2: outputs[0]: Opus takes 8, 12, 16, 24 or 48 kHz, not 44100 Hz"], "\(r.stderr)")
    #expect(!FileManager.default.fileExists(atPath: root.file("Reports/Album/masters")))

    let flags = try runCLI(["master", album, "--reports", root.file("Reports2"), "--format", "opus", "--sample-rate", "44100"])
    #expect(flags.status == 64, "\(flags.stderr)")
    #expect(flags.stderr.contains("--format/--bits/--sample-rate: Opus takes 8, 12, 16, 24 or 48 kHz, not 44100 Hz"), "\(flags.stderr)")
  }
}
