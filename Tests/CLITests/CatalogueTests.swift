import Foundation
import Testing
import TestSupport

@Suite struct CatalogueTests {
  static func catalogue(_ root: TempFolder) throws -> String {
    let albums = root.file("Albums")
    for (a, seeds) in [("First", [1, 2]), ("Second", [3, 4]), ("Third", [5, 6])] {
      let dir = (albums as NSString).appendingPathComponent(a)
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      for s in seeds {
        try writeAudio(music(seed: UInt64(s), seconds: 4), channels: 2, sampleRateHz: 48_000,
                       to: (dir as NSString).appendingPathComponent("0\(s) song.wav"), format: .init(container: .wav, encoding: .pcm24))
      }
    }
    try "not audio".write(toFile: root.file("Albums/Second/bad one.wav"), atomically: true, encoding: .utf8)
    try Data([0x66, 0x4C, 0x61, 0x43, 0, 0]).write(to: URL(fileURLWithPath: root.file("Albums/Second/bad two.flac")))
    try FileManager.default.createDirectory(atPath: root.file("Albums/Artwork only"), withIntermediateDirectories: true)
    try "jpg".write(toFile: root.file("Albums/Artwork only/cover.jpg"), atomically: true, encoding: .utf8)
    return albums
  }

  @Test("master --all: three albums in one command, exit 2 for the two hostile files, the rest mastered, everything named and linked")
  func allAlbums() throws {
    let root = TempFolder("catalogue")
    defer { root.remove() }
    let albums = try Self.catalogue(root)
    let r = try runCLI(["master", "--all", albums, "--reports", root.file("Reports")])
    #expect(r.status == 2, "\(r.stderr)")
    #expect(r.stderr.contains("Summary: 3 albums, 6 tracks analysed, 6 mastered, 2 failed"), "\(r.stderr)")
    #expect(r.stderr.contains("failed: Second/bad one.wav") && r.stderr.contains("failed: Second/bad two.flac"))
    for (a, songs) in [("First", [1, 2]), ("Second", [3, 4]), ("Third", [5, 6])] {
      for s in songs { #expect(FileManager.default.fileExists(atPath: root.file("Reports/\(a)/masters/0\(s) song.wav"))) }
      #expect(FileManager.default.fileExists(atPath: root.file("Reports/\(a)/index.html")))
    }
    let csv = String(decoding: fileBytes(root.file("Reports/Second/tracks.csv")), as: UTF8.self)
    #expect(csv.contains("bad one.wav,error,") && csv.contains("bad two.flac,error,"))
    let html = String(decoding: fileBytes(root.file("Reports/Second/index.html")), as: UTF8.self)
    #expect(html.contains("bad one.wav") && html.contains("bad two.flac"))
    let index = String(decoding: fileBytes(root.file("Reports/index.html")), as: UTF8.self)
    for a in ["First", "Second", "Third"] { #expect(index.contains("href=\"./\(a)/index.html\"")) }
    #expect(!index.contains("Artwork only"))
  }

  @Test("--shard I/N splits the albums into disjoint shares that cover them all")
  func shards() throws {
    let root = TempFolder("shards")
    defer { root.remove() }
    let albums = try Self.catalogue(root)
    var seen: [String] = []
    for i in 0..<3 {
      let r = try runCLI(["analyze", "--all", albums, "--shard", "\(i)/3", "--reports", root.file("R\(i)"), "--quiet", "--json", root.file("s\(i).json")])
      #expect(r.status == 0 || r.status == 2)
      let doc = try #require(try JSONSerialization.jsonObject(with: fileBytes(root.file("s\(i).json"))) as? [String: Any])
      seen += (doc["albums"] as? [[String: Any]] ?? []).compactMap { ($0["album"] as? [String: Any])?["name"] as? String }
    }
    #expect(seen.sorted() == ["First", "Second", "Third"])
    #expect(try runCLI(["analyze", "--all", albums, "--shard", "3/3"]).status == 64)
  }
}

@Suite struct ProgressTests {
  @Test("Progress redraws in place on a terminal (a pty from script(1)), writes plain lines when piped, and --quiet silences it")
  func terminalAndPipe() throws {
    let root = TempFolder("progress")
    defer { root.remove() }
    let album = try MasterCLITests.album(root)
    // A real pseudo-terminal: script(1) runs the command with its stdin/stdout/stderr on a pty.
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
    p.arguments = ["-q", "-e", "-c", "'\(albummasterPath)' master '\(album)' --reports '\(root.file("T"))'", root.file("typescript")]
    var env = ProcessInfo.processInfo.environment
    env["TERM"] = "xterm"
    p.environment = env
    p.standardInput = FileHandle.nullDevice
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    #expect(p.terminationStatus == 0)
    let tty = String(decoding: fileBytes(root.file("typescript")), as: UTF8.self)
    #expect(tty.contains("\u{1B}[1A\u{1B}[2K"), "no redraw on the terminal")
    #expect(tty.contains("[#") && tty.contains("ETA"))
    #expect(!tty.contains(": started\r\n"))
    let piped = try runCLI(["master", album, "--reports", root.file("P")])
    #expect(!piped.stderr.contains("\u{1B}"))
    // Piped: one line per phase, not per track (issue 17 item 4).
    #expect(piped.stderr.contains("\n  analysing\n") && !piped.stderr.contains("01 low.wav: done"))
    #expect(piped.stderr.contains("Summary: 1 album, 3 tracks analysed"))
    let quiet = try runCLI(["master", album, "--reports", root.file("Q"), "--quiet"])
    #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
  }
}

@Suite struct SharedPoolTests {
  @Test("Albums run together on one pool; two albums with one folder name cannot share a report folder")
  func sameName() throws {
    let root = TempFolder("samename")
    defer { root.remove() }
    for parent in ["A", "B"] {
      let dir = root.file("\(parent)/Demo")
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      try writeAudio(music(seed: parent == "A" ? 1 : 2, seconds: 3), channels: 2, sampleRateHz: 48_000, to: dir + "/a.wav")
    }
    let r = try runCLI(["master", root.file("A/Demo"), root.file("B/Demo"), "--reports", root.file("R"), "--jobs", "2"])
    #expect(r.status == 2)
    #expect(r.errorLines.count == 1 && r.stderr.contains(root.file("B/Demo")) && r.stderr.contains("same folder name"))
    #expect(FileManager.default.fileExists(atPath: root.file("R/Demo/masters/a.wav")))
  }
}
