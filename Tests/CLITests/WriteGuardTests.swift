import AudioIO
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// The write guard, regular-file inputs and report-folder locks, through the binary: exit codes, the one-line
/// messages, inputs byte for byte unchanged, no temp files, no partial files; every run under a deadline.
@Suite struct WriteGuardCLITests {
  /// An album of `count` short tracks in `root/name`.
  static func album(_ root: TempFolder, _ name: String = "A", count: Int = 2, seconds: Double = 3) throws -> String {
    let dir = root.file(name)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for i in 1...count {
      try writeAudio(music(seed: UInt64(i), seconds: seconds), channels: 2, sampleRateHz: 48_000,
                     to: (dir as NSString).appendingPathComponent("0\(i) track.wav"), format: .init(container: .wav, encoding: .pcm24))
    }
    return dir
  }

  static func run(_ args: [String], timeout: Double = 60) throws -> CLIResult {
    try #require(try runCLI(args, timeoutSeconds: timeout), "timed out: \(args)")
  }

  @Test("(a) a one-file album mastered into its own folder is refused (64); the source is untouched")
  func singleFileIntoItsFolder() throws {
    let root = TempFolder("guard-a")
    defer { root.remove() }
    let album = try Self.album(root, count: 1)
    let file = (album as NSString).appendingPathComponent("01 track.wav")
    let before = writeGuardSnapshot(album)
    let r = try Self.run(["master", file, "--output", album, "--reports", root.file("R"), "--quiet"])
    #expect(r.status == 64, "\(r.stderr)")
    #expect(r.errorLines.count == 1 && r.stderr.contains("holds the input file") && r.stderr.contains(file))
    #expect(writeGuardSnapshot(album) == before)
    #expect(!FileManager.default.fileExists(atPath: root.file("R")))
  }

  @Test("A relative --output is read from the working folder by every stage: tagged masters land there; ../album is refused")
  func relativeOutput() throws {
    let root = TempFolder("guard-rel")
    defer { root.remove() }
    let album = try Self.album(root, count: 2)
    let work = root.file("work/deep")
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    let before = writeGuardSnapshot(album)
    let ok = try ProcessRun(["master", "../../A", "--reports", "../R", "--output", "out", "--quiet"], currentDirectory: work)
      .wait(timeoutSeconds: 300)
    #expect(ok.status == 0, "\(ok.stderr)")
    let masters = (try? FileManager.default.contentsOfDirectory(atPath: root.file("work/deep/out"))) ?? []
    #expect(masters.filter { $0.hasSuffix(".wav") }.count == 2, "\(masters)")
    // The album seen from the working folder: refused before anything is written, whatever stage reads the path.
    let bad = try ProcessRun(["master", "../../A", "--reports", "../R2", "--output", "../../A", "--quiet"], currentDirectory: work)
      .wait(timeoutSeconds: 300)
    #expect(bad.status == 64, "\(bad.stderr)")
    #expect(writeGuardSnapshot(album) == before)
  }

  @Test("(b) master A B --output B: B is an input album, refused before anything is written")
  func outputIsAnotherAlbum() throws {
    let root = TempFolder("guard-b")
    defer { root.remove() }
    let a = try Self.album(root, "A"), b = try Self.album(root, "B")
    let before = writeGuardSnapshot(root.path)
    let r = try Self.run(["master", a, b, "--output", b, "--reports", root.file("R"), "--quiet"])
    #expect(r.status == 64, "\(r.stderr)")
    #expect(r.errorLines.count == 1 && r.stderr.contains("lies inside the input album \(b)") && r.stderr.contains("--output") == true)
    #expect(writeGuardSnapshot(root.path) == before)
    // An album refused for sharing its folder name with another is still an input: no --output inside it.
    try FileManager.default.createDirectory(atPath: root.file("X"), withIntermediateDirectories: true)
    let twin = try Self.album(TempFolder(wrapping: root.file("X")), "A")
    let again = writeGuardSnapshot(root.path)
    let t = try Self.run(["master", a, twin, "--output", (twin as NSString).appendingPathComponent("out"), "--reports", root.file("R"), "--quiet"])
    #expect(t.status == 64 && t.errorLines.count == 1 && t.stderr.contains("lies inside the input album \(twin)"), "\(t.stderr)")
    #expect(writeGuardSnapshot(root.path) == again)
  }

  @Test("(c) a report folder that is a symlink into the album is refused for analyze, master and report")
  func reportFolderSymlinkIntoAlbum() throws {
    let root = TempFolder("guard-c")
    defer { root.remove() }
    let a = try Self.album(root, "A")
    try FileManager.default.createDirectory(atPath: root.file("R"), withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: root.file("R/A"), withDestinationPath: a)
    let before = writeGuardSnapshot(a)
    for args in [["analyze", a], ["master", a], ["check", a, "--no-codec"], ["report", a]] {
      let r = try Self.run(args + ["--reports", root.file("R")] + (args[0] == "report" ? [] : ["--quiet"]))
      #expect(r.status == 64, "\(args[0]): \(r.stderr)")
      #expect(r.errorLines.count == 1 && r.stderr.contains("the report folder lies inside the input album \(a)"), "\(args[0]): \(r.stderr)")
      #expect(writeGuardSnapshot(a) == before, "\(args[0])")
    }
  }

  @Test("(d) --json inside an album, or onto a reference, is refused; a symlinked --json keeps the link")
  func jsonTargets() throws {
    let root = TempFolder("guard-d")
    defer { root.remove() }
    let a = try Self.album(root, "A")
    let ref = try writeAudio(music(seed: 9, seconds: 3), channels: 2, sampleRateHz: 48_000, to: root.file("ref.wav"))
    let before = writeGuardSnapshot(root.path)
    let inside = try Self.run(["analyze", a, "--reports", root.file("R"), "--quiet", "--json", (a as NSString).appendingPathComponent("out.json")])
    #expect(inside.status == 64 && inside.errorLines.count == 1 && inside.stderr.contains("--json lies inside the input album \(a)"), "\(inside.stderr)")
    let onRef = try Self.run(["master", a, "--reference", ref, "--plan-only", "--reports", root.file("R"), "--quiet", "--json", ref])
    #expect(onRef.status == 64 && onRef.errorLines.count == 1 && onRef.stderr.contains("--json would replace the input file \(ref)"), "\(onRef.stderr)")
    // A link pointing at a track: the write would go through it, so it is refused too.
    try FileManager.default.createSymbolicLink(atPath: root.file("to-track.json"), withDestinationPath: (a as NSString).appendingPathComponent("01 track.wav"))
    let viaLink = try Self.run(["analyze", a, "--reports", root.file("R"), "--quiet", "--json", root.file("to-track.json")])
    #expect(viaLink.status == 64 && viaLink.errorLines.count == 1 && viaLink.stderr.contains("inside the input album"), "\(viaLink.stderr)")
    var after = writeGuardSnapshot(root.path)
    after["to-track.json"] = nil
    #expect(after == before)
    #expect(!FileManager.default.fileExists(atPath: root.file("R")))

    // A link to /dev/stdout (here: the test's output file) gets the JSON written into it; the link stays.
    try FileManager.default.createSymbolicLink(atPath: root.file("stdout.json"), withDestinationPath: "/dev/stdout")
    let out = try Self.run(["analyze", a, "--reports", root.file("R"), "--quiet", "--json", root.file("stdout.json")])
    #expect(out.status == 0, "\(out.stderr)")
    #expect(out.stdout.contains("\"schemaVersion\"") && out.stdout.contains("01 track.wav"))
    #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: root.file("stdout.json"))) == "/dev/stdout")
    // A link to /dev/null: written into, still a link, /dev/null still a device.
    try FileManager.default.createSymbolicLink(atPath: root.file("null.json"), withDestinationPath: "/dev/null")
    let null = try Self.run(["analyze", a, "--reports", root.file("R"), "--quiet", "--json", root.file("null.json")])
    #expect(null.status == 0, "\(null.stderr)")
    #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: root.file("null.json"))) == "/dev/null")
    #expect(PathFacts.kind("/dev/null") == .other)
    // A link to a regular file: the file gets the result, the link stays a link.
    try Data("old".utf8).write(to: URL(fileURLWithPath: root.file("real.json")))
    try FileManager.default.createSymbolicLink(atPath: root.file("link.json"), withDestinationPath: root.file("real.json"))
    let reg = try Self.run(["analyze", a, "--reports", root.file("R"), "--quiet", "--json", root.file("link.json")])
    #expect(reg.status == 0, "\(reg.stderr)")
    #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: root.file("link.json"))) == root.file("real.json"))
    #expect(String(decoding: fileBytes(root.file("real.json")), as: UTF8.self).contains("\"schemaVersion\""))
    #expect(hiddenTempFiles(root.path).isEmpty)
    #expect(writeGuardSnapshot(a) == before.filter { $0.key.hasPrefix("A/") }.reduce(into: [:]) { $0[String($1.key.dropFirst(2))] = $1.value })
  }

  @Test("Two albums sharing one --output are refused (64) before anything is written")
  func sharedOutput() throws {
    let root = TempFolder("guard-shared")
    defer { root.remove() }
    let a = try Self.album(root, "A"), b = try Self.album(root, "B")
    let r = try Self.run(["master", a, b, "--output", root.file("Out"), "--reports", root.file("R"), "--quiet"])
    #expect(r.status == 64, "\(r.stderr)")
    #expect(r.errorLines.count == 1 && r.stderr.contains("the masters folder of B is also that of A"), "\(r.stderr)")
    #expect(!FileManager.default.fileExists(atPath: root.file("Out")) && !FileManager.default.fileExists(atPath: root.file("R")))
  }

  @Test("A FIFO track and a link to /dev/zero fail with one line each, with and without the cache; the rest is mastered")
  func fifoAndDeviceTracks() throws {
    let root = TempFolder("guard-fifo")
    defer { root.remove() }
    let a = try Self.album(root, "A")
    try writeGuardMakeFIFO((a as NSString).appendingPathComponent("03 fifo.wav"))
    try FileManager.default.createSymbolicLink(atPath: (a as NSString).appendingPathComponent("04 zero.wav"), withDestinationPath: "/dev/zero")
    try FileManager.default.createSymbolicLink(atPath: (a as NSString).appendingPathComponent("05 random.flac"), withDestinationPath: "/dev/urandom")
    let before = writeGuardSnapshot(a)
    for extra in [[], ["--force"]] {
      let r = try Self.run(["master", a, "--reports", root.file("R"), "--quiet"] + extra, timeout: 60)
      #expect(r.status == 2, "\(r.stderr)")
      #expect(r.errorLines.count == 3, "\(r.stderr)")
      #expect(r.errorLines.contains { $0.contains("03 fifo.wav: cannot open: not a regular file (a FIFO)") }, "\(r.stderr)")
      #expect(r.errorLines.contains { $0.contains("04 zero.wav: cannot open: not a regular file (a character device)") })
      #expect(r.errorLines.contains { $0.contains("05 random.flac: cannot open: not a regular file (a character device)") })
      #expect(FileManager.default.fileExists(atPath: root.file("R/A/masters/01 track.wav")))
      #expect(FileManager.default.fileExists(atPath: root.file("R/A/masters/02 track.wav")))
    }
    #expect(writeGuardSnapshot(a) == before)
    #expect(hiddenTempFiles(root.path).isEmpty)
  }

  @Test("A FIFO or device as --reference, --profile or --plan fails with one line instead of hanging")
  func fifoDocuments() throws {
    let root = TempFolder("guard-docs")
    defer { root.remove() }
    let a = try Self.album(root, "A")
    try writeGuardMakeFIFO(root.file("fifo"))
    try FileManager.default.createSymbolicLink(atPath: root.file("zero.wav"), withDestinationPath: "/dev/zero")
    let before = writeGuardSnapshot(a)
    let ref = try Self.run(["master", a, "--reference", root.file("fifo"), "--reports", root.file("R1"), "--quiet"])
    #expect(ref.status == 64 && ref.errorLines.count == 1 && ref.stderr.contains("not a regular file (a FIFO)"), "\(ref.stderr)")
    #expect(!FileManager.default.fileExists(atPath: root.file("R1")), "refused before anything is written")
    let zero = try Self.run(["master", a, "--reference", root.file("zero.wav"), "--reports", root.file("R2"), "--quiet"])
    #expect(zero.status == 64 && zero.errorLines.count == 1 && zero.stderr.contains("not a regular file (a character device)"), "\(zero.stderr)")
    let profile = try Self.run(["master", a, "--profile", root.file("fifo"), "--reports", root.file("R3"), "--quiet"])
    #expect(profile.status == 64 && profile.errorLines.count == 1 && profile.stderr.contains("cannot read the file: cannot open: not a regular file (a FIFO)"), "\(profile.stderr)")
    // album.yaml as a FIFO: that album fails with one line.
    let b = try Self.album(root, "B")
    try writeGuardMakeFIFO((b as NSString).appendingPathComponent("album.yaml"))
    let yaml = try Self.run(["master", b, "--reports", root.file("R5"), "--quiet"])
    #expect(yaml.status == 2 && yaml.errorLines.count == 1 && yaml.stderr.contains("album.yaml: (file): cannot open: not a regular file (a FIFO)"), "\(yaml.stderr)")
    let plan = try Self.run(["render", a, "--plan", root.file("fifo"), "--reports", root.file("R4"), "--quiet"])
    #expect(plan.status == 64 && plan.errorLines.count == 1 && plan.stderr.contains("cannot read the file: cannot open: not a regular file (a FIFO)"), "\(plan.stderr)")
    #expect(writeGuardSnapshot(a) == before)
    #expect(hiddenTempFiles(root.path).isEmpty)
  }

  @Test("A cached master replaced by a link to /dev/zero is rendered again, not hashed forever")
  func cachedMasterReplacedByDevice() throws {
    let root = TempFolder("guard-cached")
    defer { root.remove() }
    let a = try Self.album(root, "A")
    #expect(try Self.run(["master", a, "--reports", root.file("R"), "--quiet"]).status == 0)
    let master = root.file("R/A/masters/01 track.wav")
    let good = fileBytes(master)
    try FileManager.default.removeItem(atPath: master)
    try FileManager.default.createSymbolicLink(atPath: master, withDestinationPath: "/dev/zero")
    let r = try Self.run(["master", a, "--reports", root.file("R"), "--quiet", "--json", root.file("result.json")])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(!PathFacts.isSymlink(master) && fileBytes(master) == good)
    // The run's cache counters are in the --json result (analysis.json describes the album, not the run).
    let result = try #require(try JSONSerialization.jsonObject(with: fileBytes(root.file("result.json"))) as? [String: Any])
    let doc = try #require((result["albums"] as? [[String: Any]])?.first)
    let cache = try #require(doc["cache"] as? [String: Any])
    #expect(cache["mastersRendered"] as? Int == 1 && cache["mastersReused"] as? Int == 1)
  }

  @Test("A report folder another run holds: that album fails (exit 2) with one line and nothing is written there")
  func lockedReportFolder() throws {
    let root = TempFolder("guard-lock")
    defer { root.remove() }
    let a = try Self.album(root, "A"), b = try Self.album(root, "B")
    try FileManager.default.createDirectory(atPath: root.file("R/A/.cache"), withIntermediateDirectories: true)
    let lock = try FolderLock(path: root.file("R/A/.cache/lock"))
    let r = try Self.run(["master", a, b, "--reports", root.file("R"), "--quiet"])
    lock.release()
    #expect(r.status == 2, "\(r.stderr)")
    #expect(r.errorLines.count == 1 && r.stderr.contains("\(root.file("R/A")): another albummaster run is using this report folder"), "\(r.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: root.file("R/A")) == [".cache"])
    #expect(FileManager.default.fileExists(atPath: root.file("R/B/plan.json")))
    // Released: the same run now goes through, and `report` works beside the lock file.
    #expect(try Self.run(["master", a, "--reports", root.file("R"), "--quiet"]).status == 0)
    #expect(try Self.run(["report", a, "--reports", root.file("R")]).status == 0)
    #expect(hiddenTempFiles(root.path).isEmpty)
  }

  @Test("Two master runs on one album and reports folder at once: one is refused (exit 2, one line); the files agree")
  func concurrentRuns() throws {
    let root = TempFolder("guard-race")
    defer { root.remove() }
    let a = try Self.album(root, "A", count: 3, seconds: 8)
    let before = writeGuardSnapshot(a)
    let first = try ProcessRun(["master", a, "--reports", root.file("R"), "--quiet", "--target-lufs", "-16"])
    let second = try ProcessRun(["master", a, "--reports", root.file("R"), "--quiet", "--target-lufs", "-12"])
    let o1 = first.wait(timeoutSeconds: 120), o2 = second.wait(timeoutSeconds: 120)
    #expect(!o1.timedOut && !o2.timedOut)
    let r1 = o1.cli, r2 = o2.cli
    // Started together, each needing seconds of work: one holds the folder, the other is refused at once.
    #expect(Set([r1.status, r2.status]) == [0, 2], "\(r1.stderr)\n\(r2.stderr)")
    for r in [r1, r2] where r.status != 0 {
      #expect(r.status == 2 && r.errorLines.count == 1 && r.stderr.contains("another albummaster run is using"), "\(r.stderr)")
    }
    // Whichever run wrote last wrote everything: plan.json, analysis.json and the masters agree.
    let plan = try #require(try JSONSerialization.jsonObject(with: fileBytes(root.file("R/A/plan.json"))) as? [String: Any])
    let doc = try #require(try JSONSerialization.jsonObject(with: fileBytes(root.file("R/A/analysis.json"))) as? [String: Any])
    let planned = Dictionary(uniqueKeysWithValues: try #require(plan["tracks"] as? [[String: Any]]).map { ($0["file"] as! String, $0["targetLUFS"] as? Double) })
    let masters = try #require(doc["masters"] as? [[String: Any]])
    #expect(masters.count == 3)
    for m in masters {
      let file = m["file"] as! String
      #expect(m["plannedLUFS"] as? Double == planned[file] ?? nil, "\(file)")
      let measured = try #require((m["analysis"] as? [String: Any])?["loudness"] as? [String: Any])
      let path = root.file("R/A/" + (m["master"] as! String))
      let info = try AudioFileReader(path: path).info
      #expect(Int64((m["render"] as? [String: Any])?["frames"] as? Int ?? -1) == info.frames)
      #expect(abs((measured["integratedLUFS"] as? Double ?? 0) - (planned[file].flatMap { $0 } ?? 99)) < 0.5)
    }
    #expect(writeGuardSnapshot(a) == before)
    #expect(hiddenTempFiles(root.path).isEmpty)
  }

  @Test("A read-only reports folder, or a reports path under a file: one clear line, exit 2, no Foundation dump")
  func unwritableReports() throws {
    let root = TempFolder("guard-ro")
    defer {
      chmod(root.file("R"), 0o755)
      root.remove()
    }
    let a = try Self.album(root, "A")
    try FileManager.default.createDirectory(atPath: root.file("R"), withIntermediateDirectories: true)
    chmod(root.file("R"), 0o555)
    for cmd in ["analyze", "master"] {
      let r = try #require(try runCLI([cmd, a, "--reports", root.file("R"), "--quiet"], timeoutSeconds: 60, withoutFileOverride: true))
      #expect(r.status == 2, "\(cmd): \(r.stderr)")
      #expect(r.errorLines.count == 1 && r.stderr.contains("\(root.file("R/A")): cannot create the report folder: Permission denied"), "\(cmd): \(r.stderr)")
      #expect(!r.stderr.contains("Domain") && !r.stderr.contains("NSError"))
    }
    try Data("x".utf8).write(to: URL(fileURLWithPath: root.file("file")))
    for cmd in ["analyze", "master"] {
      let r = try Self.run([cmd, a, "--reports", root.file("file/R"), "--quiet"])
      #expect(r.status == 2, "\(cmd): \(r.stderr)")
      #expect(r.errorLines.count == 1 && r.stderr.contains("cannot create the report folder: \(root.file("file")): not a folder"), "\(cmd): \(r.stderr)")
    }
    #expect(fileBytes(root.file("file")) == Data("x".utf8))
  }
}
