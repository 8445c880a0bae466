import AudioIO
import Foundation
import Testing
import TestSupport

/// Bad plans, profiles and numeric flags end the run before any audio is touched: one line, exit 64.
@Suite struct ValidationCLITests {
  /// The album of `MasterCLITests` and its plan, written by `master --plan-only`.
  static func albumWithPlan(_ root: TempFolder) throws -> (album: String, plan: [String: Any]) {
    let album = try MasterCLITests.album(root)
    let r = try runCLI(["master", album, "--reports", root.file("R"), "--quiet", "--plan-only"])
    #expect(r.status == 0, "\(r.stderr)")
    let plan = try #require(try JSONSerialization.jsonObject(with: fileBytes(root.file("R/Album/plan.json"))) as? [String: Any])
    return (album, plan)
  }

  /// Asserts the run refused with exactly one stderr line holding `expected`, and wrote nothing.
  static func expectRefused(_ r: CLIResult, _ expected: String, root: TempFolder, album: String, before: [String: Data]) {
    #expect(r.status == 64, "\(r.stderr)")
    let lines = r.stderr.split(separator: "\n")
    #expect(lines.count == 1 && r.stderr.contains(expected), "\(r.stderr)")
    #expect(!FileManager.default.fileExists(atPath: root.file("R/Album/masters")))
    #expect(snapshot(album) == before)
    #expect(!snapshot(root.file("R")).keys.contains { $0.hasSuffix(".tmp") })
  }

  static func track(_ plan: inout [String: Any], _ i: Int, _ edit: (inout [String: Any]) -> Void) {
    var tracks = plan["tracks"] as! [[String: Any]]
    edit(&tracks[i])
    plan["tracks"] = tracks
  }

  @Test("render --plan with a broken plan: exit 64, one line naming the key, no master, the album untouched")
  func brokenPlans() throws {
    let root = TempFolder("validate-plan")
    defer { root.remove() }
    let (album, good) = try Self.albumWithPlan(root)
    let before = snapshot(album)
    let cases: [(String, (inout [String: Any]) -> Void, String)] = [
      ("fewer gains", { p in Self.track(&p, 0) { $0["eq"] = ["frequenciesHz": [100.0, 1000.0, 10000.0], "gainsDB": [1.0]] } },
       "tracks[0].eq.gainsDB: 1 values for 3 frequencies"),
      ("no gains", { p in Self.track(&p, 1) { $0["eq"] = ["frequenciesHz": [100.0, 1000.0], "gainsDB": [Double]()] } },
       "tracks[1].eq.gainsDB: 0 values for 2 frequencies"),
      ("0 Hz band", { p in
        var profile = p["profile"] as! [String: Any]
        var bands = profile["bandCentersHz"] as! [Double]
        bands[0] = 0
        profile["bandCentersHz"] = bands
        p["profile"] = profile
      }, "profile.bandCentersHz[0]: expected a number from 1 to 192000, found 0"),
      ("gain 1e308", { p in Self.track(&p, 2) { $0["gainDB"] = 1e308 } }, "tracks[2].gainDB: expected a number from -100 to 100, found 1e+308"),
      ("another album", { $0["album"] = "Other" }, "album: the plan is for the album 'Other', not 'Album'"),
      ("schema 99", { $0["schemaVersion"] = 99 }, "schemaVersion: expected 1, found 99"),
      ("duplicate", { p in p["tracks"] = (p["tracks"] as! [[String: Any]]) + [(p["tracks"] as! [[String: Any]])[0]] },
       "tracks[3].file: '01 low.wav' is listed twice (also tracks[0])"),
      ("not in the album", { p in Self.track(&p, 1) { $0["file"] = "99 other.wav" } }, "tracks[1].file: '99 other.wav' is not a track of 'Album'"),
      ("wrong type", { p in Self.track(&p, 0) { $0["gainDB"] = "loud" } }, "tracks[0].gainDB: expected a number"),
      ("bad phase", { p in Self.track(&p, 0) { $0["eqPhase"] = "linear-ish" } }, "tracks[0].eqPhase: expected linear, minimum, mixed"),
    ]
    for (name, edit, expected) in cases {
      var plan = good
      edit(&plan)
      let path = root.file("\(name).json")
      try JSONSerialization.data(withJSONObject: plan).write(to: URL(fileURLWithPath: path))
      let r = try runCLI(["render", album, "--plan", path, "--reports", root.file("R"), "--quiet"])
      Self.expectRefused(r, "\(path): \(expected)", root: root, album: album, before: before)
    }
    // Not JSON at all.
    try Data("{\"schemaVersion\": 1, \"album\": ".utf8).write(to: URL(fileURLWithPath: root.file("cut.json")))
    let cut = try runCLI(["render", album, "--plan", root.file("cut.json"), "--reports", root.file("R"), "--quiet"])
    Self.expectRefused(cut, "\(root.file("cut.json")): ", root: root, album: album, before: before)
    #expect(cut.stderr.contains("not valid JSON"), "\(cut.stderr)")
  }

  @Test("master --profile with a 0 Hz band: exit 64, one line, nothing rendered")
  func zeroHzProfile() throws {
    let root = TempFolder("validate-profile")
    defer { root.remove() }
    let album = try MasterCLITests.album(root)
    let before = snapshot(album)
    let profile = root.file("profile.json")
    try Data("{\"bandCentersHz\": [0, 1000], \"tonalBalanceDB\": [-10, -20], \"widthDB\": null, \"trackCount\": 2}".utf8)
      .write(to: URL(fileURLWithPath: profile))
    let r = try runCLI(["master", album, "--profile", profile, "--reports", root.file("R"), "--quiet"])
    Self.expectRefused(r, "\(profile): bandCentersHz[0]: expected a number from 1 to 192000, found 0", root: root, album: album, before: before)
    #expect(!FileManager.default.fileExists(atPath: root.file("R/Album")))
  }

  @Test("Numeric flags out of album.yaml's ranges are usage errors on one line", arguments: [
    (["--target-lufs", "nan"], "--target-lufs: expected a number from -70 to 0, found nan"),
    (["--ceiling-dbtp", "nan"], "--ceiling-dbtp: expected a number from -20 to 0, found nan"),
    (["--max-spread-lu", "inf"], "--max-spread-lu: expected a number from 0 to 30, found inf"),
    (["--target-lufs", "14"], "--target-lufs: expected a number from -70 to 0, found 14"),
    (["--ceiling-dbtp", "1"], "--ceiling-dbtp: expected a number from -20 to 0, found 1"),
  ])
  func badFlags(_ flags: [String], _ expected: String) throws {
    let root = TempFolder("validate-flags")
    defer { root.remove() }
    let album = root.file("Album")
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    try writeAudio(Signals.sine(frequencyHz: 440, amplitude: 0.1, seconds: 1, sampleRateHz: 48_000), channels: 2, sampleRateHz: 48_000,
      to: root.file("Album/a.wav"))
    let before = snapshot(album)
    let r = try runCLI(["master", album, "--reports", root.file("R"), "--quiet"] + flags)
    Self.expectRefused(r, "albummaster: error: \(expected)", root: root, album: album, before: before)
    #expect(!FileManager.default.fileExists(atPath: root.file("R")))
  }

  @Test("generate, --jobs and --sample-rate: out-of-range numbers are one-line usage errors")
  func generateFlags() throws {
    let root = TempFolder("validate-generate")
    defer { root.remove() }
    let inf = try runCLI(["generate", root.file("x.wav"), "--seconds", "inf"])
    #expect(inf.status == 64 && inf.stderr == "albummaster: error: --seconds: expected a number from 0.001 to 86400, found inf\n", "\(inf.stderr)")
    let low = try runCLI(["generate", root.file("x.wav"), "--sample-rate", "1"])
    #expect(low.status == 64 && low.stderr.contains("--sample-rate: expected 8000 to 384000 Hz, found 1"), "\(low.stderr)")
    let bits = try runCLI(["generate", root.file("x.wav"), "--bits", "8"])
    #expect(bits.status == 64 && bits.stderr == "albummaster: error: --bits: expected 16 or 24, found 8\n", "\(bits.stderr)")
    #expect(!FileManager.default.fileExists(atPath: root.file("x.wav")))
    let jobs = try runCLI(["analyze", root.path, "--jobs", "0"])
    #expect(jobs.status == 64 && jobs.stderr == "albummaster: error: --jobs: expected 1 or more, found 0\n", "\(jobs.stderr)")
    let rate = try runCLI(["master", root.path, "--sample-rate", "400000"])
    #expect(rate.status == 64 && rate.stderr == "albummaster: error: --sample-rate: expected 8000 to 384000 Hz, found 400000\n", "\(rate.stderr)")
  }

  @Test("A float WAV with samples of 1e30 and Inf is measured and mastered: report written, track flagged")
  func hugeSamples() throws {
    let root = TempFolder("validate-huge")
    defer { root.remove() }
    let album = root.file("Album")
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    var x = Signals.sine(frequencyHz: 440, amplitude: 0.25, seconds: 3, sampleRateHz: 48_000)
    x[10_000] = 1e30
    x[20_001] = .infinity
    try writeAudio(x, channels: 2, sampleRateHz: 48_000, to: root.file("Album/bad.wav"))
    try writeAudio(Signals.sine(frequencyHz: 220, amplitude: 0.25, seconds: 3, sampleRateHz: 48_000), channels: 2, sampleRateHz: 48_000,
      to: root.file("Album/good.wav"))
    let before = snapshot(album)
    let r = try runCLI(["master", album, "--reports", root.file("R"), "--quiet"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(snapshot(album) == before)
    let doc = try #require(try JSONSerialization.jsonObject(with: fileBytes(root.file("R/Album/analysis.json"))) as? [String: Any])
    let tracks = try #require(doc["tracks"] as? [[String: Any]])
    let bad = try #require(tracks.first { $0["file"] as? String == "bad.wav" })
    let defects = try #require(bad["defects"] as? [String: Any])
    #expect(defects["overRangeSamples"] as? Int == 1 && defects["nonFiniteSamples"] as? Int == 1)
    let good = try #require(tracks.first { $0["file"] as? String == "good.wav" })
    #expect((good["defects"] as? [String: Any])?["overRangeSamples"] == nil)
    #expect((doc["masters"] as? [[String: Any]])?.count == 2)
    let csv = String(decoding: fileBytes(root.file("R/Album/tracks.csv")), as: UTF8.self)
    #expect(csv.split(whereSeparator: \.isNewline).contains { $0.hasPrefix("bad.wav") && $0.contains("non-finite over-range") }, "\(csv)")
    // The master holds no trace of the corrupt samples.
    let master = MasterCLITests.samples(root.file("R/Album/masters/bad.wav"))
    #expect(master.allSatisfy { $0.isFinite && abs($0) <= 1 })
  }
}
