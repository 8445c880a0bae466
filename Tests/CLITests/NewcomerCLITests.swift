import Foundation
import Testing
import TestSupport

/// Issue 17, items 4 and 7: the progress display, did-you-mean suggestions, the command's own usage on errors,
/// colour on a terminal, and a summary that agrees with the exit code.
@Suite struct NewcomerCLITests {
  /// A two-track album, one with a name far longer than a narrow terminal.
  static let longName = "01 A Very Long Track Name That Would Never Fit In A Sixty Column Pane (Extended Remix).wav"

  static func newcomerAlbum(_ root: TempFolder, tracks: Int = 2, seconds: Double = 3) throws -> String {
    let dir = root.file("Newcomer")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let names = [longName, "02 short.wav"].prefix(tracks)
    for (i, name) in names.enumerated() {
      try writeAudio(
        Signals.sine(frequencyHz: 330 * Double(i + 1), amplitude: 0.2, seconds: seconds, sampleRateHz: 48_000), channels: 2,
        sampleRateHz: 48_000, to: (dir as NSString).appendingPathComponent(name),
        format: .init(container: .wav, encoding: .pcm24))
    }
    return dir
  }

  /// Runs `command` on a pseudo-terminal (script(1)); returns the exit status and everything the terminal got.
  static func newcomerOnTerminal(_ command: String, root: TempFolder, environment: [String: String]) throws -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
    let log = root.file("typescript-\(UUID().uuidString.prefix(6))")
    p.arguments = ["-q", "-e", "-c", command, log]
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    p.standardInput = FileHandle.nullDevice
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: fileBytes(log), as: UTF8.self))
  }

  @Test("Item 7: 'mastr' suggests 'master'; 'check --format' suggests nothing (not --force); '--jsn' suggests '--json'")
  func suggestions() throws {
    let mastr = try runCLI(["mastr", "Albums/Demo"])
    #expect(mastr.status == 64)
    #expect(mastr.stderr.hasPrefix("albummaster: error: unknown command 'mastr'; did you mean 'master'?\n"), "\(mastr.stderr)")
    let format = try runCLI(["check", "--format", "json", "x"])
    #expect(format.status == 64)
    #expect(format.stderr.hasPrefix("albummaster: error: unknown option '--format'\n"), "\(format.stderr)")
    #expect(!(format.stderr.split(separator: "\n").first ?? "").contains("--force"), "\(format.stderr)")
    let jsn = try runCLI(["check", "x", "--jsn", "out.json"])
    #expect(jsn.status == 64 && jsn.stderr.contains("unknown option '--jsn'; did you mean '--json'?"), "\(jsn.stderr)")
    let far = try runCLI(["zzzzzz"])
    #expect(far.status == 64 && far.stderr.hasPrefix("albummaster: error: unknown command 'zzzzzz'\n"), "\(far.stderr)")
  }

  @Test("Item 7: a parser error is one error line, the command's own usage line and a hint to its --help; exit 64")
  func shortUsageErrors() throws {
    let format = try runCLI(["check", "--format", "json", "x"])
    let lines = format.stderr.split(separator: "\n").map(String.init)
    #expect(lines.count == 3, "\(format.stderr)")
    #expect(lines.count == 3 && lines[1].hasPrefix("Usage: albummaster check ") && lines[2] == "  See 'albummaster check --help'.")
    // A ValidationError thrown while the command runs (no album given) names that command too, not the top level.
    let none = try runCLI(["analyze"])
    #expect(none.status == 64, "\(none.stderr)")
    #expect(none.stderr.contains("Usage: albummaster analyze ") && none.stderr.contains("See 'albummaster analyze --help'"), "\(none.stderr)")
    #expect(!none.stderr.contains("SUBCOMMANDS") && !none.stderr.contains("Usage: albummaster <subcommand>"), "\(none.stderr)")
    let shard = try runCLI(["master", "x", "--shard", "5/2"])
    #expect(shard.status == 64 && shard.stderr.hasPrefix("albummaster: error: --shard takes I/N"), "\(shard.stderr)")
    #expect(shard.stderr.contains("Usage: albummaster master "), "\(shard.stderr)")
    let missing = try runCLI(["render", "x"])
    #expect(missing.status == 64 && missing.stderr.hasPrefix("albummaster: error: missing expected argument '--plan <plan>'"), "\(missing.stderr)")
    #expect(missing.stderr.contains("Usage: albummaster render "), "\(missing.stderr)")
  }

  @Test("Item 4: piped, check --preset shows each phase once (the codec round trip included), no per-track started/done; counts are singular")
  func pipedPhases() throws {
    let root = TempFolder("newcomer-piped")
    defer { root.remove() }
    let album = try Self.newcomerAlbum(root, tracks: 1)
    let r = try runCLI(["check", album, "--preset", "spotify", "--reports", root.file("R")])
    #expect(r.status == 0 || r.status == 1, "\(r.stderr)")
    let lines = r.stderr.split(separator: "\n").map(String.init)
    #expect(lines.filter { $0 == "  analysing" }.count == 1, "\(r.stderr)")
    #expect(lines.filter { $0 == "  codec round trip" }.count == 1, "\(r.stderr)")
    #expect(!r.stderr.contains(": started") && !r.stderr.contains(": done"), "\(r.stderr)")
    #expect(r.stderr.contains("Analysing Newcomer: 1 track\n"), "\(r.stderr)")
    #expect(r.stderr.contains("Summary: 1 album, 1 track analysed"), "\(r.stderr)")
    #expect(!r.stderr.contains("\u{1B}"), "no colour or redraw in a pipe")
  }

  @Test("Item 4: on a 40-column terminal the live lines fit (names shortened, never wrapped) and the codec round trip shows")
  func terminalFits() throws {
    let root = TempFolder("newcomer-tty")
    defer { root.remove() }
    // Long enough that the live area redraws (at most every 0.1 s) while the long-named track is in progress.
    let album = try Self.newcomerAlbum(root, seconds: 60)
    let cmd = "'\(albummasterPath)' check '\(album)' --preset spotify -j 1 --reports '\(root.file("R"))' >/dev/null"
    let (status, tty) = try Self.newcomerOnTerminal(cmd, root: root, environment: ["TERM": "xterm", "COLUMNS": "40"])
    #expect(status == 0 || status == 1, "\(tty)")
    #expect(tty.contains("codec round trip"), "the codec stage is shown: \(tty)")
    // Every piece the live area drew: split at the redraw's erase sequences and at line ends.
    let pieces = tty.replacingOccurrences(of: "\u{1B}[1A\u{1B}[2K", with: "\n").replacingOccurrences(of: "\r", with: "")
      .split(separator: "\n").map(String.init)
    let live = pieces.filter { $0.hasSuffix("%") || $0.contains("ETA") }
    #expect(!live.isEmpty, "\(tty)")
    for line in live { #expect(line.count <= 39, "wider than the terminal: \(line)") }
    #expect(live.contains { $0.contains("…") }, "the long name is shortened: \(live)")
  }

  @Test("Item 7: colour on a terminal (QA verdict words), none with NO_COLOR, none when piped or with --json")
  func colour() throws {
    let root = TempFolder("newcomer-colour")
    defer { root.remove() }
    try DefectAlbum.write(to: root.file("Bad"), onlyClean: true)
    let cmd = "'\(albummasterPath)' check '\(root.file("Bad"))' --preset tidal --no-codec --reports '\(root.file("R"))'"
    // NO_COLOR empty counts as unset (no-color.org); the test runner may export it.
    let (status, tty) = try Self.newcomerOnTerminal(cmd, root: root, environment: ["TERM": "xterm", "NO_COLOR": ""])
    #expect(status == 0, "\(tty)")
    #expect(tty.contains("\u{1B}[33mWARN\u{1B}[0m"), "warnings in yellow: \(tty)")
    let (_, plain) = try Self.newcomerOnTerminal(cmd, root: root, environment: ["TERM": "xterm", "NO_COLOR": "1"])
    #expect(plain.contains("WARN") && !plain.contains("\u{1B}[33m"), "\(plain)")
    let (_, json) = try Self.newcomerOnTerminal(cmd + " --json '\(root.file("r.json"))'", root: root, environment: ["TERM": "xterm", "NO_COLOR": ""])
    #expect(json.contains("WARN") && !json.contains("\u{1B}[33m"), "\(json)")
    let piped = try runCLI(["check", root.file("Bad"), "--preset", "tidal", "--no-codec", "--reports", root.file("R")])
    #expect(piped.stdout.contains("WARN") && !piped.stdout.contains("\u{1B}") && !piped.stderr.contains("\u{1B}"))
  }

  @Test("Item 7: the summary counts QA failures and missed masters and ends with the exit code (no '0 failed' after QA: FAIL)")
  func honestSummary() throws {
    let root = TempFolder("newcomer-summary")
    defer { root.remove() }
    try DefectAlbum.write(to: root.file("Bad"))
    let bad = try runCLI(["check", root.file("Bad"), "--preset", "tidal", "--reports", root.file("R")])
    #expect(bad.status == 1, "\(bad.stderr)")
    let summary = try #require(bad.stderr.split(separator: "\n").first { $0.hasPrefix("Summary:") })
    #expect(summary.hasPrefix("Summary: 1 album, 11 tracks analysed; QA: FAIL, ") && summary.contains(" checks failed"), "\(summary)")
    #expect(summary.hasSuffix("; exit 1") && !summary.contains("0 failed"), "\(summary)")
    let album = try MasterCLITests.album(root)
    let missed = try runCLI([
      "master", album, "--reports", root.file("M"), "--loudness", "track", "--target-lufs", "-2", "--dynamics-amount", "0",
      "--max-limiting-db", "40",
    ])
    #expect(missed.status == 1, "\(missed.stderr)")
    let line = try #require(missed.stderr.split(separator: "\n").first { $0.hasPrefix("Summary:") })
    #expect(line.hasPrefix("Summary: 1 album, 3 tracks analysed, 3 mastered; ") && line.contains(" MISSED the plan;"), "\(line)")
    #expect(line.hasSuffix("; exit 1") && !line.contains("0 failed"), "\(line)")
  }
}

/// Issue 17 item 7, the papercuts in the CLI's reach that had no test.
@Suite struct NewcomerPapercutTests {
  /// `master --reference REF NEWCOMER --plan-only` with `samples` (stereo, 48 kHz, 24-bit) written as REF in `root`.
  static func planWithReference(_ samples: [Float], named name: String, in root: TempFolder) throws -> CLIResult {
    let album = try NewcomerCLITests.newcomerAlbum(root)
    let ref = try writeAudio(
      samples, channels: 2, sampleRateHz: 48_000, to: root.file(name), format: .init(container: .wav, encoding: .pcm24))
    return try runCLI(["master", "--reference", ref, album, "--plan-only", "--reports", root.file("R"), "-q"])
  }

  @Test("--reference takes one file per flag: the album after it stays an album")
  func referenceDoesNotSwallowTheAlbum() throws {
    let root = TempFolder("newcomer-reference")
    defer { root.remove() }
    let r = try Self.planWithReference(
      Signals.sine(frequencyHz: 500, amplitude: 0.3, seconds: 3, sampleRateHz: 48_000), named: "ref.wav", in: root)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(FileManager.default.fileExists(atPath: root.file("R/Newcomer/plan.json")), "\(r.stderr)")
  }

  @Test("A silent --reference fails with one line naming it, instead of being ignored (the attacker's finding)")
  func silentReferenceIsSaid() throws {
    let root = TempFolder("newcomer-silent-reference")
    defer { root.remove() }
    let r = try Self.planWithReference([Float](repeating: 0, count: 2 * 48_000 * 2), named: "silence.wav", in: root)
    #expect(r.status != 0, "\(r.stderr)")
    #expect(r.stderr.contains("silence.wav") && r.stderr.contains("no measurable loudness"), "\(r.stderr)")
  }

  @Test("render --help lists no --all or --shard (it takes one album); master --help does")
  func renderHelp() throws {
    let render = try runCLI(["render", "--help"])
    #expect(render.status == 0 && render.stdout.contains("--plan") && !render.stdout.contains("--all") && !render.stdout.contains("--shard"), "\(render.stdout)")
    let master = try runCLI(["master", "--help"])
    #expect(master.stdout.contains("--all <DIR>") && master.stdout.contains("--shard <I/N>"), "\(master.stdout)")
  }

  @Test("--quiet: each album's table is headed by its name")
  func quietTablesNameTheirAlbum() throws {
    let root = TempFolder("newcomer-quiet")
    defer { root.remove() }
    let album = try NewcomerCLITests.newcomerAlbum(root, tracks: 1)
    let r = try runCLI(["analyze", album, "--reports", root.file("R"), "-q"])
    #expect(r.status == 0 && r.stdout.hasPrefix("Newcomer:\nFile "), "\(r.stdout)")
    #expect(r.stderr.isEmpty, "\(r.stderr)")
  }

  @Test("report says 'Wrote …' on stderr like every other command; stdout stays empty")
  func reportWritesNothingOnStdout() throws {
    let root = TempFolder("newcomer-report")
    defer { root.remove() }
    let album = try NewcomerCLITests.newcomerAlbum(root, tracks: 1)
    #expect(try runCLI(["analyze", album, "--reports", root.file("R"), "-q"]).status == 0)
    let r = try runCLI(["report", album, "--reports", root.file("R")])
    #expect(r.status == 0 && r.stdout.isEmpty && r.stderr.hasPrefix("Wrote "), "\(r.stdout)\(r.stderr)")
  }

  @Test("analyze with a README.md among the albums (Albums/* in a fresh clone): exit 2 and one line, never a crash")
  func readmeAmongTheAlbums() throws {
    let root = TempFolder("newcomer-readme")
    defer { root.remove() }
    let album = try NewcomerCLITests.newcomerAlbum(root, tracks: 1)
    try "# Albums\n".write(toFile: root.file("README.md"), atomically: true, encoding: .utf8)
    let r = try runCLI(["analyze", album, root.file("README.md"), "--reports", root.file("R")])
    #expect(r.status == 2, "\(r.stderr)")
    #expect(r.errorLines.count == 1 && r.errorLines.first?.contains("README.md") == true, "\(r.stderr)")
    #expect(FileManager.default.fileExists(atPath: root.file("R/Newcomer/index.html")))
  }
}
