import AudioIO
import Foundation
import Testing
import TestSupport

/// Crashes and wrong results an adversarial tester found: each gets its exact outcome.
@Suite struct RobustnessFixTests {
  static func tone(_ path: String, amplitude: Double = 0.3) throws {
    let x = Signals.sine(frequencyHz: 997, amplitude: amplitude, seconds: 3, sampleRateHz: 48_000, channels: 2)
    try writeAudio(x, channels: 2, sampleRateHz: 48_000, to: path, format: .init(container: .wav, encoding: .pcm24))
  }

  /// An album whose only track is a WAV cut to 100 bytes.
  static func unreadableAlbum(_ root: TempFolder) throws -> String {
    let z = root.file("Z")
    try FileManager.default.createDirectory(atPath: z, withIntermediateDirectories: true)
    try tone(root.file("full.wav"))
    try fileBytes(root.file("full.wav")).prefix(100).write(to: URL(fileURLWithPath: (z as NSString).appendingPathComponent("bad.wav")))
    return z
  }

  @Test("An album of only an unreadable track: one read error, exit 2, no crash; a good album beside it is reported")
  func onlyUnreadable() throws {
    let root = TempFolder("rfix-empty")
    defer { root.remove() }
    let z = try Self.unreadableAlbum(root)
    let a = root.file("A")
    try FileManager.default.createDirectory(atPath: a, withIntermediateDirectories: true)
    try Self.tone((a as NSString).appendingPathComponent("01.wav"))
    let before = snapshot(z)
    for args in [["analyze", z], ["check", z], ["check", z, "--preset", "spotify"], ["analyze", a, z]] {
      let r = try runCLI(args + ["--reports", root.file("R"), "--quiet"])
      #expect(r.status == 2, "\(args): \(r.stderr)")
      #expect(r.errorLines.count == 1 && r.errorLines.allSatisfy { $0.contains("bad.wav") }, "\(args): \(r.stderr)")
    }
    #expect(FileManager.default.fileExists(atPath: root.file("R/A/analysis.json")))
    #expect(FileManager.default.fileExists(atPath: root.file("R/A/index.html")))
    #expect(snapshot(z) == before)
  }

  @Test("check on float tracks with NaN, ±Inf, 3.4e38 and 9.9e8 samples: no encoder abort, the codec rows are measured")
  func hugeSamples() throws {
    let root = TempFolder("rfix-nan")
    defer { root.remove() }
    let album = root.file("NaNalb")
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    for (name, value) in [("nan", Float.nan), ("inf", Float.infinity), ("-inf", -Float.infinity), ("max", 3.4e38), ("big", 9.9e8)] {
      var x = Signals.sine(frequencyHz: 997, amplitude: 0.3, seconds: 3, sampleRateHz: 48_000, channels: 2)
      for i in stride(from: 48_000, to: 60_000, by: 7) { x[i] = value }
      try writeAudio(x, channels: 2, sampleRateHz: 48_000, to: (album as NSString).appendingPathComponent("\(name).wav"))
    }
    for preset in [[], ["--preset", "spotify"]] {
      let r = try runCLI(["check", album, "--reports", root.file("R"), "--quiet"] + preset)
      #expect(r.status == 0 || r.status == 1, "\(preset): \(r.status) \(r.stderr)")
      #expect(r.errorLines.isEmpty, "\(r.stderr)")
      let qa = try String(contentsOfFile: root.file("R/NaNalb/qa.csv"), encoding: .utf8)
      #expect(!qa.contains("not measured"), "\(qa)")
    }
  }

  @Test("report on an edited analysis.json with absurd values: finishes, exit 0 or a one-line error, never a trap or a spin")
  func absurdDocument() throws {
    let root = TempFolder("rfix-report")
    defer { root.remove() }
    let a = root.file("A")
    try FileManager.default.createDirectory(atPath: a, withIntermediateDirectories: true)
    try Self.tone((a as NSString).appendingPathComponent("01.wav"))
    try Self.tone((a as NSString).appendingPathComponent("02.wav"), amplitude: 0.1)
    #expect(try runCLI(["master", a, "--reports", root.file("R"), "--quiet"]).status == 0)
    let path = root.file("R/A/analysis.json")
    let original = fileBytes(path)
    let edits: [(String, (inout [String: Any]) -> Void)] = [
      ("lufs", { d in Self.editTrack(&d) { $0["loudness", default: [:]]["integratedLUFS"] = -1e9 } }),
      ("tp", { d in Self.editTrack(&d) { $0["loudness", default: [:]]["truePeakDBTP"] = -1e12 } }),
      ("levels", { d in Self.editTrack(&d) { $0["spectrum", default: [:]]["levelsDB"] = [-20.0] } }),
      ("duration", { d in Self.editTrack(&d) { t in t.durationSeconds = 1e300 } }),
      ("centers", { d in Self.editTrack(&d) { $0["spectrum", default: [:]]["bandCentersHz"] = [0.0, -5, 1e300] } }),
    ]
    for (label, edit) in edits {
      var doc = try #require(try JSONSerialization.jsonObject(with: original) as? [String: Any])
      edit(&doc)
      try JSONSerialization.data(withJSONObject: doc).write(to: URL(fileURLWithPath: path))
      guard let r = try runCLI(["report", a, "--reports", root.file("R")], timeoutSeconds: 60) else {
        Issue.record("\(label): report still ran after 60 s")
        continue
      }
      #expect(r.status == 0, "\(label): \(r.status) \(r.stderr)")
    }
  }

  static func editTrack(_ doc: inout [String: Any], _ change: (inout TrackJSON) -> Void) {
    guard var tracks = doc["tracks"] as? [[String: Any]], !tracks.isEmpty else { return }
    var t = TrackJSON(fields: tracks[0])
    change(&t)
    tracks[0] = t.fields
    doc["tracks"] = tracks
  }
}

/// A track object of analysis.json with nested objects editable by key.
struct TrackJSON {
  var fields: [String: Any]
  subscript(key: String, default value: [String: Any]) -> [String: Any] {
    get { fields[key] as? [String: Any] ?? value }
    set { fields[key] = newValue }
  }
  var durationSeconds: Double {
    get { fields["durationSeconds"] as? Double ?? 0 }
    set { fields["durationSeconds"] = newValue }
  }
}
