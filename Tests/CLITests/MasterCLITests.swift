import AudioIO
import Glibc
import Foundation
import Testing
import TestSupport

/// `master` and `render` end to end on generated albums.
@Suite struct MasterCLITests {
  /// An album of three tones at different levels and formats.
  static func album(_ root: TempFolder) throws -> String {
    let dir = root.file("Album")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let specs: [(String, Double, Double, AudioFileFormat)] = [
      ("01 low.wav", 220, -30, .init(container: .wav, encoding: .pcm24)),
      ("02 mid.flac", 440, -20, .init(container: .flac, encoding: .pcm16)),
      ("03 float.wav", 880, -12, .init(container: .wav, encoding: .float32)),
    ]
    for (name, hz, db, format) in specs {
      let x = Signals.faded(
        Signals.whiteNoise(amplitude: Float(pow(10, db / 20)), seconds: 4, sampleRateHz: 48_000)
          + Signals.sine(frequencyHz: hz, amplitude: pow(10, db / 20), seconds: 4, sampleRateHz: 48_000),
        channels: 2, seconds: 0.05, sampleRateHz: 48_000)
      try writeAudio(x, channels: 2, sampleRateHz: 48_000, to: (dir as NSString).appendingPathComponent(name), format: format)
    }
    return dir
  }

  static func samples(_ path: String) -> [Float] {
    var r = try! AudioFileReader(path: path)
    let buf = UnsafeMutableBufferPointer<Float>.allocate(capacity: 4096 * r.info.channels)
    defer { buf.deallocate() }
    var out: [Float] = []
    while true {
      let n = try! r.read(into: buf, maxFrames: 4096)
      if n == 0 { break }
      out += buf.prefix(n * r.info.channels)
    }
    return out
  }

  @Test("Transparency: no loudness, EQ, width or limiter, 32-bit float WAV out: the input's samples exactly")
  func transparency() throws {
    let root = TempFolder("master-id")
    defer { root.remove() }
    let album = try Self.album(root)
    let r = try runCLI([
      "master", album, "--reports", root.file("R"), "--quiet", "--loudness", "none", "--eq-amount", "0",
      "--width-amount", "0", "--limiter", "off", "--bits", "32f", "--format", "wav",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    for (src, master) in [("01 low.wav", "01 low.wav"), ("02 mid.flac", "02 mid.wav"), ("03 float.wav", "03 float.wav")] {
      let m = root.file("R/Album/masters/\(master)")
      #expect(try AudioFileReader(path: m).info.format.encoding == .float32)
      #expect(Self.samples(m) == Self.samples((album as NSString).appendingPathComponent(src)), "\(src)")
    }
  }

  @Test("Mastering twice gives byte-identical masters and reports; the album is untouched")
  func deterministicAndReadOnly() throws {
    let root = TempFolder("master-det")
    defer { root.remove() }
    let album = try Self.album(root)
    let before = snapshot(album)
    #expect(try runCLI(["master", album, "--reports", root.file("R1"), "--quiet", "--bits", "16"]).status == 0)
    #expect(try runCLI(["master", album, "--reports", root.file("R2"), "--quiet", "--bits", "16", "--jobs", "1"]).status == 0)
    let a = snapshot(root.file("R1")), b = snapshot(root.file("R2"))
    #expect(a == b)
    // WAV and FLAC sources: one format for the album, FLAC.
    #expect(a.keys.contains("Album/masters/01 low.flac") && a.keys.contains("Album/plan.json"))
    #expect(snapshot(album) == before)
  }

  @Test("Track mode lands every master within 0.3 LU of the target and under the ceiling; the JSON says so")
  func trackModeVerified() throws {
    let root = TempFolder("master-track")
    defer { root.remove() }
    let album = try Self.album(root)
    let r = try runCLI(["master", album, "--reports", root.file("R"), "--loudness", "track", "--target-lufs", "-16", "--json", "-"])
    #expect(r.status == 0, "\(r.stderr)")
    let result = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    let masters = try #require(((result["albums"] as? [[String: Any]])?.first?["masters"]) as? [[String: Any]])
    #expect(masters.count == 3)
    for m in masters {
      let a = try #require(m["analysis"] as? [String: Any])
      let l = try #require(a["loudness"] as? [String: Any])
      #expect(abs(try #require(l["integratedLUFS"] as? Double) - -16) <= 0.3)
      #expect(try #require(l["truePeakDBTP"] as? Double) <= -1)
      #expect(m["verdict"] as? String == "ok")
    }
    let csv = String(decoding: fileBytes(root.file("R/Album/tracks.csv")), as: UTF8.self)
    #expect(csv.contains("masters/01 low.flac"))
  }

  @Test("--plan-only writes the plan and no masters; render --plan renders an edited plan")
  func planThenRender() throws {
    let root = TempFolder("master-plan")
    defer { root.remove() }
    let album = try Self.album(root)
    #expect(try runCLI(["master", album, "--reports", root.file("R"), "--quiet", "--plan-only"]).status == 0)
    #expect(!FileManager.default.fileExists(atPath: root.file("R/Album/masters")))
    let planPath = root.file("R/Album/plan.json")
    var plan = try #require(try JSONSerialization.jsonObject(with: fileBytes(planPath)) as? [String: Any])
    var tracks = try #require(plan["tracks"] as? [[String: Any]])
    // Edit: the first track flat, −6 dB, no limiter, and its target set to match.
    let source = try #require(tracks[0]["sourceLUFS"] as? Double)
    tracks[0]["eq"] = ["frequenciesHz": [1000.0], "gainsDB": [0.0]]
    tracks[0]["widthDB"] = 0.0
    tracks[0]["gainDB"] = -6.0
    tracks[0]["limiter"] = false
    tracks[0]["targetLUFS"] = source - 6
    plan["tracks"] = tracks
    let edited = root.file("edited.json")
    try JSONSerialization.data(withJSONObject: plan).write(to: URL(fileURLWithPath: edited))
    let r = try runCLI(["render", album, "--plan", edited, "--reports", root.file("R"), "--quiet", "--json", root.file("out.json")])
    #expect(r.status == 0, "\(r.stderr)")
    let out = try #require(try JSONSerialization.jsonObject(with: fileBytes(root.file("out.json"))) as? [String: Any])
    let masters = try #require(((out["albums"] as? [[String: Any]])?.first?["masters"]) as? [[String: Any]])
    let first = try #require(masters.first { $0["file"] as? String == "01 low.wav" })
    let l = try #require((first["analysis"] as? [String: Any])?["loudness"] as? [String: Any])
    #expect(abs(try #require(l["integratedLUFS"] as? Double) - (source - 6)) <= 0.05)
    // A plan that changes the samples carries the subsonic high-pass (measurements.md, "DC and subsonics").
    #expect((first["render"] as? [String: Any])?["stages"] as? [String] == ["highpass", "gain", "dither"])
  }

  @Test("A target the ceiling cannot allow: with the budgets off it is reported loudly and exits 1; with the defaults the loudness is lowered and the plan says why")
  func unreachableTarget() throws {
    let root = TempFolder("master-miss")
    defer { root.remove() }
    let album = try Self.album(root)
    let r = try runCLI([
      "master", album, "--reports", root.file("R"), "--quiet", "--loudness", "track", "--target-lufs", "-2",
      "--dynamics-amount", "0", "--max-limiting-db", "40",
    ])
    #expect(r.status == 1, "\(r.stderr)")
    #expect(r.stderr.contains("MASTER MISSED") && r.stderr.contains("misses the planned"))
    let d = try runCLI(["master", album, "--reports", root.file("D"), "--quiet", "--loudness", "track", "--target-lufs", "-2"])
    #expect(d.status == 0, "\(d.stderr)")
    let plan = try String(contentsOfFile: root.file("D/\((album as NSString).lastPathComponent)/plan.json"), encoding: .utf8)
    #expect(plan.contains("Loudness lowered from -2.0 to "))
  }

  @Test("Output folders inside the album are refused")
  func outputInsideAlbum() throws {
    let root = TempFolder("master-inside")
    defer { root.remove() }
    let album = try Self.album(root)
    let before = snapshot(album)
    let r = try runCLI(["master", album, "--reports", root.file("R"), "--quiet", "--output", (album as NSString).appendingPathComponent("out")])
    #expect(r.status == 64 && r.errorLines.count == 1 && r.stderr.contains("inside the input album"))
    #expect(snapshot(album) == before)
  }
}

@Suite struct CheckCLITests {
  @Test("check: a defective album exits 1 and qa.csv and the JSON name each track; a clean one exits 0; unreadable input 2")
  func exitCodes() throws {
    let root = TempFolder("check")
    defer { root.remove() }
    try DefectAlbum.write(to: root.file("Bad"))
    try DefectAlbum.write(to: root.file("Clean"), onlyClean: true)
    let bad = try runCLI(["check", root.file("Bad"), "--preset", "tidal", "--reports", root.file("R"), "--quiet", "--json", root.file("bad.json")])
    #expect(bad.status == 1, "\(bad.stderr)")
    let csv = String(decoding: fileBytes(root.file("R/Bad/qa.csv")), as: UTF8.self)
    #expect(csv.hasPrefix("check,track,status,value,limit,message\r\n"))
    let planted: [(String, String, String)] = [
      ("clipping", DefectAlbum.clipped, "fail"), ("dc-offset", DefectAlbum.dc, "warn"),
      ("leading-silence", DefectAlbum.silence, "warn"), ("phase", DefectAlbum.inverted, "fail"),
      ("loudness-outlier", DefectAlbum.quiet, "warn"), ("tonal-outlier", DefectAlbum.dark, "warn"),
      ("format-consistency", DefectAlbum.rate, "warn"), ("codec-mp3", DefectAlbum.codec, "fail"),
    ]
    let result = try #require(try JSONSerialization.jsonObject(with: fileBytes(root.file("bad.json"))) as? [String: Any])
    let qa = try #require(((result["albums"] as? [[String: Any]])?.first?["qa"] as? [String: Any]))
    let findings = try #require(qa["findings"] as? [[String: Any]])
    #expect(qa["verdict"] as? String == "fail" && qa["preset"] as? String == "tidal")
    for (check, track, status) in planted {
      #expect(csv.contains("\(check),\(track),\(status),"), "qa.csv: \(check) \(track)")
      #expect(findings.contains { $0["check"] as? String == check && $0["track"] as? String == track && $0["status"] as? String == status },
              "JSON: \(check) \(track)")
    }
    let clean = try runCLI(["check", root.file("Clean"), "--preset", "tidal", "--reports", root.file("R"), "--quiet"])
    #expect(clean.status == 0, "\(clean.stderr)")
    let strict = try runCLI(["check", root.file("Clean"), "--preset", "tidal", "--strict", "--reports", root.file("R"), "--quiet"])
    #expect(strict.status == 1)  // the clean tracks sit at about −17 LUFS: a loudness warning for Tidal's −14
    try "x".write(toFile: root.file("Clean/broken.wav"), atomically: true, encoding: .utf8)
    #expect(try runCLI(["check", root.file("Clean"), "--reports", root.file("R"), "--quiet"]).status == 2)
  }
}

/// SIGINT and SIGKILL in the middle of rendering.
@Suite(.serialized) struct InterruptionTests {
  static func album(_ root: TempFolder) throws -> String {
    let dir = root.file("Long")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for i in 1...4 {
      try writeAudio(music(seed: UInt64(i), seconds: 40), channels: 2, sampleRateHz: 48_000,
                     to: (dir as NSString).appendingPathComponent("0\(i) track.wav"), format: .init(container: .wav, encoding: .pcm24))
    }
    return dir
  }

  /// Starts `master`, waits until a master's temp file exists, then sends `sig`. Returns the exit status.
  static func interrupt(_ args: [String], watch folder: String, signal sig: Int32) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: albummasterPath)
    p.arguments = args
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline {
      let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
      if names.contains(where: { $0.hasSuffix(".tmp") }) { break }
      usleep(2_000)
    }
    kill(p.processIdentifier, sig)
    p.waitUntilExit()
    return p.terminationStatus
  }

  /// Every master under a final name is complete: as many frames as its source.
  static func finalNamesComplete(_ masters: String, album: String) throws {
    for name in try FileManager.default.contentsOfDirectory(atPath: masters) where !name.hasPrefix(".") {
      let m = try AudioFileReader(path: (masters as NSString).appendingPathComponent(name))
      let s = try AudioFileReader(path: (album as NSString).appendingPathComponent(name))
      #expect(m.info.frames == s.info.frames, "\(name) is partial")
    }
  }

  @Test("SIGINT mid-render: exit 130, no temp file left, no partial master under a final name")
  func sigint() throws {
    let root = TempFolder("sigint")
    defer { root.remove() }
    let album = try Self.album(root)
    let masters = root.file("R/Long/masters")
    try FileManager.default.createDirectory(atPath: masters, withIntermediateDirectories: true)
    let status = try Self.interrupt(["master", album, "--reports", root.file("R"), "--quiet"], watch: masters, signal: SIGINT)
    #expect(status == 130)
    #expect(try FileManager.default.contentsOfDirectory(atPath: masters).allSatisfy { !$0.hasSuffix(".tmp") })
    #expect(try FileManager.default.contentsOfDirectory(atPath: root.file("R/Long")).allSatisfy { !$0.hasSuffix(".tmp") })
    try Self.finalNamesComplete(masters, album: album)
  }

  @Test("SIGKILL mid-render: no partial master under a final name; the re-run cleans up and gives the same bytes as an uninterrupted run")
  func sigkill() throws {
    let root = TempFolder("sigkill")
    defer { root.remove() }
    let album = try Self.album(root)
    let masters = root.file("R/Long/masters")
    try FileManager.default.createDirectory(atPath: masters, withIntermediateDirectories: true)
    let status = try Self.interrupt(["master", album, "--reports", root.file("R"), "--quiet"], watch: masters, signal: SIGKILL)
    #expect(status == SIGKILL)
    try Self.finalNamesComplete(masters, album: album)
    // Usually the kill lands mid-write and leaves a temp file for the next run to sweep; on a loaded machine the
    // watched temp file may already have been renamed (this line was a flaky assertion). Either way no final
    // name is partial (checked above), and the re-run below leaves no temp file.
    // Run again, and once more from scratch elsewhere.
    #expect(try runCLI(["master", album, "--reports", root.file("R"), "--quiet"]).status == 0)
    #expect(try runCLI(["master", album, "--reports", root.file("Clean"), "--quiet"]).status == 0)
    #expect(try FileManager.default.contentsOfDirectory(atPath: masters).allSatisfy { !$0.hasSuffix(".tmp") })
    // The masters are the bytes an uninterrupted run writes (the re-run reused the analyses the killed run cached).
    #expect(snapshot(root.file("R/Long/masters")) == snapshot(root.file("Clean/Long/masters")))
    #expect(snapshot(root.file("R/Long/masters")).count == 4)
  }
}

@Suite struct CacheTests {
  static func stats(_ path: String) throws -> [String: Int] {
    let json = try #require(try JSONSerialization.jsonObject(with: fileBytes(path)) as? [String: Any])
    let album = try #require((json["albums"] as? [[String: Any]])?.first)
    return try #require(album["cache"] as? [String: Int])
  }

  @Test("A re-run with nothing changed analyses and renders nothing; one changed track is analysed again; --force redoes all")
  func rerun() throws {
    let root = TempFolder("cache")
    defer { root.remove() }
    let album = try MasterCLITests.album(root)
    let args = ["master", album, "--reports", root.file("R"), "--quiet"]
    #expect(try runCLI(args + ["--json", root.file("1.json")]).status == 0)
    #expect(try Self.stats(root.file("1.json")) == ["analysesReused": 0, "analysesComputed": 3, "mastersReused": 0, "mastersRendered": 3])
    let masters = snapshot(root.file("R/Album/masters"))
    #expect(try runCLI(args + ["--json", root.file("2.json")]).status == 0)
    #expect(try Self.stats(root.file("2.json")) == ["analysesReused": 3, "analysesComputed": 0, "mastersReused": 3, "mastersRendered": 0])
    #expect(snapshot(root.file("R/Album/masters")) == masters)
    // Change one track: only it is analysed again (the profile moves, so plans and masters may follow).
    try writeAudio(music(seed: 99, seconds: 4), channels: 2, sampleRateHz: 48_000,
                   to: (album as NSString).appendingPathComponent("01 low.wav"), format: .init(container: .wav, encoding: .pcm24))
    #expect(try runCLI(args + ["--json", root.file("3.json")]).status == 0)
    let third = try Self.stats(root.file("3.json"))
    #expect(third["analysesComputed"] == 1 && third["analysesReused"] == 2)
    // A master changed on disk is rendered again.
    try Data([0]).write(to: URL(fileURLWithPath: root.file("R/Album/masters/02 mid.flac")))
    #expect(try runCLI(args + ["--json", root.file("4.json")]).status == 0)
    #expect(try Self.stats(root.file("4.json")) == ["analysesReused": 3, "analysesComputed": 0, "mastersReused": 2, "mastersRendered": 1])
    #expect(try runCLI(args + ["--force", "--json", root.file("5.json")]).status == 0)
    #expect(try Self.stats(root.file("5.json")) == ["analysesReused": 0, "analysesComputed": 3, "mastersReused": 0, "mastersRendered": 3])
  }
}

@Suite struct AlbumConfigCLITests {
  @Test("album.yaml under the flags: overrides, an excluded track, delivery variants; a bad file is one clear error")
  func config() throws {
    let root = TempFolder("yaml")
    defer { root.remove() }
    let album = try MasterCLITests.album(root)
    try """
      loudness: track
      targetLUFS: -16
      tracks:
        "01 low.wav": { loudness: keep, eq: off }
        "03 float.wav": { exclude: yes }
      outputs:
        - { format: flac, bits: 16, sampleRate: 44100 }
        - { format: mp3 }
      """.write(toFile: (album as NSString).appendingPathComponent("album.yaml"), atomically: true, encoding: .utf8)
    let r = try runCLI(["master", album, "--reports", root.file("R"), "--quiet", "--json", root.file("o.json")])
    #expect(r.status == 0, "\(r.stderr)")
    let doc = try #require(((try JSONSerialization.jsonObject(with: fileBytes(root.file("o.json"))) as? [String: Any])?["albums"] as? [[String: Any]])?.first)
    let tracks = try #require(doc["tracks"] as? [[String: Any]]), masters = try #require(doc["masters"] as? [[String: Any]])
    #expect(tracks.map { $0["file"] as? String } == ["01 low.wav", "02 mid.flac"])
    func lufs(_ m: [String: Any]) -> Double? { ((m["analysis"] as? [String: Any])?["loudness"] as? [String: Any])?["integratedLUFS"] as? Double }
    let low = try #require(masters.first { $0["file"] as? String == "01 low.wav" })
    let source = try #require((tracks[0]["loudness"] as? [String: Any])?["integratedLUFS"] as? Double)
    #expect(abs(try #require(lufs(low)) - source) <= 0.3)
    let mid = try #require(masters.first { $0["file"] as? String == "02 mid.flac" })
    #expect(abs(try #require(lufs(mid)) - -16) <= 0.3)
    let plan = String(decoding: fileBytes(root.file("R/Album/plan.json")), as: UTF8.self)
    #expect(plan.contains("EQ off (album.yaml)."))
    let flac = try AudioFileReader(path: root.file("R/Album/masters/flac-16-44100/02 mid.flac")).info
    #expect(flac.sampleRate == 44_100 && flac.format.encoding == .pcm16)
    #expect(FileManager.default.fileExists(atPath: root.file("R/Album/masters/mp3/02 mid.mp3")))
    // A flag beats the file.
    let f = try runCLI(["master", album, "--reports", root.file("F"), "--quiet", "--target-lufs", "-18", "--json", root.file("f.json")])
    #expect(f.status == 0)
    let fdoc = try #require(((try JSONSerialization.jsonObject(with: fileBytes(root.file("f.json"))) as? [String: Any])?["albums"] as? [[String: Any]])?.first)
    let fmid = try #require((fdoc["masters"] as? [[String: Any]])?.first { $0["file"] as? String == "02 mid.flac" })
    #expect(abs(try #require(lufs(fmid)) - -18) <= 0.3)
    // A broken file: one line naming file, line and key; exit 2; nothing rendered.
    try "loudness: album\neqAmount: lots\n".write(toFile: (album as NSString).appendingPathComponent("album.yaml"), atomically: true, encoding: .utf8)
    let bad = try runCLI(["master", album, "--reports", root.file("B"), "--quiet"])
    #expect(bad.status == 2 && bad.errorLines.count == 1)
    #expect(bad.stderr.contains("album.yaml:2: eqAmount: expected a number"), "\(bad.stderr)")
    #expect(!FileManager.default.fileExists(atPath: root.file("B/Album/masters")))
  }
}
