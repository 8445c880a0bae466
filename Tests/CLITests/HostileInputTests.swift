import AudioIO
import Foundation
import Glibc
import Testing
import TestSupport

/// Whatever collaborators send: each case has an exact expected outcome, never a crash, hang or wrong file.
@Suite struct HostileInputTests {
  /// (file name, expected: an error containing this text, or nil for "measured and mastered").
  static func hostileAlbum(_ dir: String) throws -> [(String, String?)] {
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    func path(_ n: String) -> String { (dir as NSString).appendingPathComponent(n) }
    var rng = SystemRandomNumberGenerator()
    var cases: [(String, String?)] = []
    try Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }).write(to: URL(fileURLWithPath: path("random bytes.wav")))
    cases.append(("random bytes.wav", "not a supported audio file"))
    try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0, count: 200)).write(to: URL(fileURLWithPath: path("picture.wav")))
    cases.append(("picture.wav", "not a supported audio file"))
    try "these are liner notes\n".write(toFile: path("notes.flac"), atomically: true, encoding: .utf8)
    cases.append(("notes.flac", "not a supported audio file"))
    // A WAV whose data chunk claims more than the file holds.
    try writeAudio(music(seed: 1, seconds: 2), channels: 2, sampleRateHz: 48_000, to: path("full.wav"), format: .init(container: .wav, encoding: .pcm16))
    var wav = [UInt8](fileBytes(path("full.wav")))
    wav = Array(wav.prefix(wav.count / 3))
    try Data(wav).write(to: URL(fileURLWithPath: path("chunk too big.wav")))
    try FileManager.default.removeItem(atPath: path("full.wav"))
    cases.append(("chunk too big.wav", "truncated file"))
    // A FLAC with garbage written over frames in the middle.
    try writeAudio(music(seed: 2, seconds: 4), channels: 2, sampleRateHz: 48_000, to: path("broken frame.flac"), format: .init(container: .flac, encoding: .pcm16))
    var flac = [UInt8](fileBytes(path("broken frame.flac")))
    for i in (flac.count / 2)..<(flac.count / 2 + 4000) { flac[i] = UInt8(truncatingIfNeeded: i &* 31) }
    try Data(flac).write(to: URL(fileURLWithPath: path("broken frame.flac")))
    cases.append(("broken frame.flac", "read error"))
    try writeAudio([], channels: 2, sampleRateHz: 48_000, to: path("zero frames.wav"))
    cases.append(("zero frames.wav", "no audio frames"))
    try FileManager.default.createSymbolicLink(atPath: path("loop.wav"), withDestinationPath: path("loop.wav"))
    cases.append(("loop.wav", "cannot open"))
    // Measured, not failures.
    try writeAudio([0.5, -0.5], channels: 2, sampleRateHz: 48_000, to: path("one frame.wav"))
    cases.append(("one frame.wav", nil))
    for (rate, name) in [(8_000, "8 kHz.wav"), (384_000, "384 kHz.wav")] {
      try writeAudio(music(seed: 3, seconds: 3, rate: rate), channels: 2, sampleRateHz: rate, to: path(name), format: .init(container: .wav, encoding: .pcm24))
      cases.append((name, nil))
    }
    for ch in [1, 6, 8] {
      let x = Signals.sine(frequencyHz: 440, amplitude: 0.3, seconds: 3, sampleRateHz: 48_000, channels: ch)
      try writeAudio(x, channels: ch, sampleRateHz: 48_000, to: path("\(ch) channels.wav"), format: .init(container: .wav, encoding: .pcm24))
      cases.append(("\(ch) channels.wav", nil))
    }
    var nan = music(seed: 4, seconds: 3)
    for i in 10_000..<30_000 { nan[i] = i % 3 == 0 ? .nan : (i % 3 == 1 ? .infinity : -.infinity) }
    try writeAudio(nan, channels: 2, sampleRateHz: 48_000, to: path("nan block.wav"))
    cases.append(("nan block.wav", nil))
    try writeAudio(music(seed: 5, seconds: 3), channels: 2, sampleRateHz: 48_000, to: path("dup title.wav"),
                   metadata: AudioMetadata(title: "../../etc/passwd \u{7}/x", artist: String(repeating: "A", count: 300)))
    cases.append(("dup title.wav", nil))
    return cases
  }

  @Test("A hostile album: each bad file gets its one-line error, everything else is measured and mastered, inputs untouched")
  func hostileAlbum() throws {
    let root = TempFolder("hostile")
    defer { root.remove() }
    let album = root.file("Hostile")
    let cases = try Self.hostileAlbum(album)
    let before = snapshot(album)
    // --format same: each master keeps its source's rate and length (the album rule would resample).
    let r = try runCLI(["master", album, "--reports", root.file("R"), "--quiet", "--format", "same", "--json", root.file("out.json")])
    #expect(r.status == 2, "\(r.stderr)")
    let doc = try #require(((try JSONSerialization.jsonObject(with: fileBytes(root.file("out.json"))) as? [String: Any])?["albums"] as? [[String: Any]])?.first)
    let failures = Dictionary(uniqueKeysWithValues: try #require(doc["failures"] as? [[String: Any]]).map { ($0["file"] as! String, $0["error"] as! String) })
    let masters = try #require(doc["masters"] as? [[String: Any]])
    for (name, expected) in cases {
      if let expected {
        #expect(failures[name]?.contains(expected) == true, "\(name): \(failures[name] ?? "no error")")
        #expect(r.errorLines.filter { $0.contains(name) }.count == 1, "\(name): one line")
      } else {
        #expect(failures[name] == nil, "\(name): \(failures[name] ?? "")")
        let m = try #require(masters.first { $0["file"] as? String == name }, "\(name) mastered")
        let master = root.file("R/Hostile/" + (m["master"] as! String))
        let src = try AudioFileReader(path: (album as NSString).appendingPathComponent(name)).info
        let out = try AudioFileReader(path: master).info
        #expect(out.frames == src.frames && out.channels == src.channels && out.sampleRate == src.sampleRate, "\(name)")
      }
    }
    // Masters are named after the files, never after tags; nothing escaped the masters folder.
    let names = try FileManager.default.contentsOfDirectory(atPath: root.file("R/Hostile/masters"))
    #expect(names.allSatisfy { !$0.contains("passwd") && !$0.hasPrefix(".") })
    #expect(!FileManager.default.fileExists(atPath: root.file("etc")))
    // NaN blocks are counted, and no NaN reaches the master.
    let nanMaster = try #require(masters.first { $0["file"] as? String == "nan block.wav" })
    let nanDefects = ((nanMaster["analysis"] as? [String: Any])?["defects"] as? [String: Any])
    #expect(nanDefects?["nonFiniteSamples"] as? Int == 0)
    #expect(snapshot(album) == before)
  }

  @Test("A read-only output folder fails cleanly with a message naming it")
  func readOnlyOutput() throws {
    let root = TempFolder("readonly")
    defer { root.remove() }
    let album = root.file("A")
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    try writeAudio(music(seed: 1, seconds: 3), channels: 2, sampleRateHz: 48_000, to: (album as NSString).appendingPathComponent("a.wav"))
    try FileManager.default.createDirectory(atPath: root.file("R"), withIntermediateDirectories: true)
    try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: root.file("R"))
    defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root.file("R")) }
    let r = try runCLI(["master", album, "--reports", root.file("R"), "--quiet"], withoutFileOverride: true)
    #expect(r.status == 2)
    #expect(r.errorLines.count == 1 && r.stderr.contains(root.file("R")) && r.stderr.contains("ermission"), "\(r.stderr)")
  }

  @Test("A full disk (a file-size limit) fails the track cleanly: exit 2, no truncated master under a final name, no temp left")
  func fullDisk() throws {
    let root = TempFolder("fulldisk")
    defer { root.remove() }
    let album = root.file("A")
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    try writeAudio(music(seed: 1, seconds: 20), channels: 2, sampleRateHz: 48_000, to: (album as NSString).appendingPathComponent("big.wav"),
                   format: .init(container: .wav, encoding: .pcm24))
    // 2000 KiB: the reports fit, a 20 s 24-bit stereo master (5.8 MB) does not.
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/bash")
    p.arguments = ["-c", "ulimit -f 2000; exec \"$0\" master \"$1\" --reports \"$2\" --quiet", albummasterPath, album, root.file("R")]
    let err = Pipe()
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    #expect(p.terminationStatus == 2, "\(stderr)")
    #expect(stderr.contains("big.wav") && stderr.contains("File too large"), "\(stderr)")
    let masters = (try? FileManager.default.contentsOfDirectory(atPath: root.file("R/A/masters"))) ?? []
    #expect(masters.isEmpty, "\(masters)")
  }
}
