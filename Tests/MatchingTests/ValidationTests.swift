import DSP
import Foundation
import Matching
import Testing
import TestSupport

/// plan.json, profile.json and the matching flags are checked before use, each bad value as one line.
@Suite struct ValidationTests {
  static let files = ["a.wav", "b.wav"]

  /// A plan that passes every check.
  static func goodPlan() -> AlbumPlan {
    let profile = AlbumProfile(bandCentersHz: [100, 1000, 10_000], tonalBalanceDB: [-10, nil, -30], widthDB: -10, trackCount: 2)
    let a = TrackPlan(
      file: "a.wav", eq: GainCurve(frequenciesHz: [100, 1000], gainsDB: [1, -1]), gainDB: -3, widthDB: 0.5,
      sourceLUFS: -20, targetLUFS: -14, ceilingDBTP: -1, limiter: true, reasons: [])
    let b = TrackPlan(
      file: "b.wav", eq: .flat, gainDB: 0, widthDB: 0, sourceLUFS: nil, targetLUFS: nil, ceilingDBTP: -1, limiter: true,
      reasons: [])
    return AlbumPlan(album: "Album", options: MatchingOptions(), profile: profile, albumLoudnessLUFS: -18, tracks: [a, b])
  }

  /// The message `validate` gives for `plan`, `nil` if it passes.
  static func message(_ plan: AlbumPlan) -> String? {
    do throws(InputError) {
      try plan.validate(subject: "plan.json", albumName: "Album", files: files)
      return nil
    } catch {
      return error.description
    }
  }

  @Test("A good plan passes, and a plan as the planner makes it passes") func goodPlanPasses() {
    #expect(Self.message(Self.goodPlan()) == nil)
    let t = fixtureTrack(file: "a.wav", levelsDB: { f in -30 - 3 * log2(f / 1000) })
    let u = fixtureTrack(file: "b.wav", integratedLUFS: -20, levelsDB: { f in -40 + 2 * log2(f / 1000) })
    let plan = Planner.plan(album: "Album", tracks: [t, u], profile: AlbumProfile(tracks: [t, u]), options: MatchingOptions())
    #expect(Self.message(plan) == nil)
  }

  static let badPlans: [(String, @Sendable (inout AlbumPlan) -> Void, String)] = [
    ("fewer gains", { $0.tracks[0].eq.gainsDB = [1] }, "plan.json: tracks[0].eq.gainsDB: 1 values for 2 frequencies"),
    ("no gains", { $0.tracks[0].eq.gainsDB = [] }, "plan.json: tracks[0].eq.gainsDB: 0 values for 2 frequencies"),
    ("0 Hz", { $0.tracks[0].eq.frequenciesHz[0] = 0 }, "plan.json: tracks[0].eq.frequenciesHz[0]: expected a number from 1 to 192000, found 0"),
    ("descending", { $0.tracks[0].eq.frequenciesHz = [1000, 100] }, "plan.json: tracks[0].eq.frequenciesHz[1]: 100 Hz is not above the one before it (1000 Hz)"),
    ("EQ gain 1e308", { $0.tracks[0].eq.gainsDB[0] = 1e308 }, "plan.json: tracks[0].eq.gainsDB[0]: expected a number from -24 to 24, found 1e+308"),
    ("gain 1e308", { $0.tracks[1].gainDB = 1e308 }, "plan.json: tracks[1].gainDB: expected a number from -100 to 100, found 1e+308"),
    ("gain NaN", { $0.tracks[0].gainDB = .nan }, "plan.json: tracks[0].gainDB: expected a number from -100 to 100, found nan"),
    ("width inf", { $0.tracks[0].widthDB = .infinity }, "plan.json: tracks[0].widthDB: expected a number from -60 to 60, found inf"),
    ("ceiling +1", { $0.tracks[0].ceilingDBTP = 1 }, "plan.json: tracks[0].ceilingDBTP: expected a number from -20 to 0, found 1"),
    ("high-pass 1 Hz", { $0.tracks[0].highPassHz = 1 }, "plan.json: tracks[0].highPassHz: expected a number from 5 to 40, found 1"),
    ("high-pass NaN", { $0.tracks[1].highPassHz = .nan }, "plan.json: tracks[1].highPassHz: expected a number from 5 to 40, found nan"),
    ("source -inf", { $0.tracks[0].sourceLUFS = -.infinity }, "plan.json: tracks[0].sourceLUFS: expected a number from -1000 to 1000, found -inf"),
    ("target NaN", { $0.tracks[0].targetLUFS = .nan }, "plan.json: tracks[0].targetLUFS: expected a number from -1000 to 10, found nan"),
    ("target +40", { $0.tracks[0].targetLUFS = 40 }, "plan.json: tracks[0].targetLUFS: expected a number from -1000 to 10, found 40"),
    ("album loudness", { $0.albumLoudnessLUFS = .infinity }, "plan.json: albumLoudnessLUFS: expected a number from -1000 to 1000, found inf"),
    ("another album", { $0.album = "Other" }, "plan.json: album: the plan is for the album 'Other', not 'Album'"),
    ("duplicate", { $0.tracks.append($0.tracks[0]) }, "plan.json: tracks[2].file: 'a.wav' is listed twice (also tracks[0])"),
    ("not in the album", { $0.tracks[1].file = "c.wav" }, "plan.json: tracks[1].file: 'c.wav' is not a track of 'Album'"),
    ("target +14", { $0.options.targetLUFS = 14 }, "plan.json: options.targetLUFS: expected a number from -70 to 0, found 14"),
    ("spread inf", { $0.options.maxSpreadLU = .infinity }, "plan.json: options.maxSpreadLU: expected a number from 0 to 30, found inf"),
    ("eq amount 2", { $0.options.eqAmount = 2 }, "plan.json: options.eqAmount: expected a number from 0 to 1, found 2"),
    ("max EQ -1", { $0.options.maxEQDB = -1 }, "plan.json: options.maxEQDB: expected a number from 0 to 24, found -1"),
    ("width amount", { $0.options.widthAmount = .nan }, "plan.json: options.widthAmount: expected a number from 0 to 1, found nan"),
    ("max width", { $0.options.maxWidthDB = 13 }, "plan.json: options.maxWidthDB: expected a number from 0 to 12, found 13"),
    ("options ceiling", { $0.options.ceilingDBTP = .nan }, "plan.json: options.ceilingDBTP: expected a number from -20 to 0, found nan"),
    ("profile 0 Hz", { $0.profile.bandCentersHz[0] = 0 }, "plan.json: profile.bandCentersHz[0]: expected a number from 1 to 192000, found 0"),
    ("profile over Nyquist", { $0.profile.bandCentersHz[2] = 200_000 }, "plan.json: profile.bandCentersHz[2]: expected a number from 1 to 192000, found 200000"),
    ("profile count", { $0.profile.tonalBalanceDB.removeLast() }, "plan.json: profile.tonalBalanceDB: 2 values for 3 bands"),
    ("profile level", { $0.profile.tonalBalanceDB[0] = 1e300 }, "plan.json: profile.tonalBalanceDB[0]: expected a number from -1000 to 1000, found 1e+300"),
    ("profile width", { $0.profile.widthDB = .nan }, "plan.json: profile.widthDB: expected a number from -1000 to 1000, found nan"),
    ("profile count < 0", { $0.profile.trackCount = -1 }, "plan.json: profile.trackCount: expected 0 or more, found -1"),
  ]

  @Test("Every rule of plan.json refuses its bad value with one line naming the key", arguments: badPlans.indices)
  func badPlan(_ i: Int) {
    let (name, edit, expected) = Self.badPlans[i]
    var plan = Self.goodPlan()
    edit(&plan)
    #expect(Self.message(plan) == expected, "\(name)")
  }

  @Test("A renderer refuses a plan that never went through validation: non-finite or unusable gains, a broken EQ")
  func renderProblem() {
    var t = Self.goodPlan().tracks[0]
    #expect(t.renderProblem() == nil)
    #expect(t.renderProblem(gainOffsetDB: 3) == nil)
    for edit: (inout TrackPlan) -> Void in [
      { $0.gainDB = 1e308 }, { $0.gainDB = .nan }, { $0.gainDB = -1e308 }, { $0.widthDB = .infinity }, { $0.ceilingDBTP = .nan },
      { $0.eq.gainsDB = [1] }, { $0.eq.gainsDB = [] }, { $0.eq.gainsDB[0] = 1e308 }, { $0.eq.frequenciesHz[0] = 0 },
      { $0.eq.frequenciesHz = [1000, 1000] }, { $0.highPassHz = .nan }, { $0.highPassHz = 0 }, { $0.highPassHz = 30_000 },
    ] {
      var bad = t
      edit(&bad)
      #expect(bad.renderProblem() != nil, "\(bad)")
    }
    t.gainDB = 10
    #expect(t.renderProblem(gainOffsetDB: .infinity) != nil)
  }

  @Test("Flags: each value out of its range is refused naming the flag; the range is album.yaml's")
  func flags() {
    func message(_ edit: (inout MatchingOverrides) -> Void) -> String? {
      var o = MatchingOverrides()
      edit(&o)
      do throws(InputError) {
        try o.validateFlags()
        return nil
      } catch {
        return error.description
      }
    }
    #expect(message { _ in } == nil)
    #expect(message { $0.targetLUFS = -70; $0.ceilingDBTP = 0; $0.maxSpreadLU = 30; $0.eqAmount = 1 } == nil)
    #expect(message { $0.targetLUFS = .nan } == "--target-lufs: expected a number from -70 to 0, found nan")
    #expect(message { $0.targetLUFS = 14 } == "--target-lufs: expected a number from -70 to 0, found 14")
    #expect(message { $0.ceilingDBTP = .nan } == "--ceiling-dbtp: expected a number from -20 to 0, found nan")
    #expect(message { $0.ceilingDBTP = 1 } == "--ceiling-dbtp: expected a number from -20 to 0, found 1")
    #expect(message { $0.maxSpreadLU = .infinity } == "--max-spread-lu: expected a number from 0 to 30, found inf")
    #expect(message { $0.eqAmount = 1.5 } == "--eq-amount: expected a number from 0 to 1, found 1.5")
    #expect(message { $0.maxEQDB = -1 } == "--max-eq-db: expected a number from 0 to 24, found -1")
    #expect(message { $0.widthAmount = -0.1 } == "--width-amount: expected a number from 0 to 1, found -0.1")
    #expect(message { $0.maxWidthDB = .infinity } == "--max-width-db: expected a number from 0 to 12, found inf")
    #expect(message { $0.dynamicsAmount = 2 } == "--dynamics-amount: expected a number from 0 to 1, found 2")
    #expect(message { $0.maxCompressionDB = 30 } == "--max-compression-db: expected a number from 0 to 24, found 30")
    #expect(message { $0.maxLimitingDB = -1 } == "--max-limiting-db: expected a number from 0 to 40, found -1")
    #expect(message { $0.targetPSRDB = 1 } == "--target-psr: expected a number from 3 to 40, found 1")
    // One table: every numeric option has a flag and its album.yaml key.
    #expect(MatchingLimits.options.count == 10 && MatchingLimits.options.allSatisfy { $0.limits.flag != nil })
  }

  /// Writes `text` to a temp file, loads it as a plan and returns the message with the path replaced by `plan.json`.
  static func loadMessage(_ text: String?, profile: Bool = false) -> String? {
    let dir = TempFolder("validation")
    defer { dir.remove() }
    let path = dir.file("doc.json")
    if let text { FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) }
    do throws(InputError) {
      if profile { _ = try AlbumProfile.load(path: path) } else { _ = try AlbumPlan.load(path: path) }
      return nil
    } catch {
      return error.description.replacingOccurrences(of: path, with: "doc.json")
    }
  }

  static func planJSON(_ edit: (inout [String: Any]) -> Void) throws -> String {
    let data = try JSONEncoder().encode(goodPlan())
    var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    edit(&object)
    return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
  }

  @Test("Reading a document: another schema version, broken JSON, a wrong type, a missing key, no file: one line each")
  func loading() throws {
    #expect(Self.loadMessage(try Self.planJSON { _ in }) == nil)
    #expect(Self.loadMessage(try Self.planJSON { $0["schemaVersion"] = 2 }) == "doc.json: schemaVersion: expected 1, found 2 (written by another AlbumMaster version)")
    #expect(Self.loadMessage(try Self.planJSON { $0["tracks"] = nil }) == "doc.json: tracks: missing")
    #expect(Self.loadMessage(try Self.planJSON { $0["schemaVersion"] = nil }) == "doc.json: schemaVersion: missing")
    #expect(Self.loadMessage(try Self.planJSON { p in
      var t = p["tracks"] as! [[String: Any]]
      t[1]["gainDB"] = "loud"
      p["tracks"] = t
    }) == "doc.json: tracks[1].gainDB: expected a number")
    let broken = try #require(Self.loadMessage(String(try Self.planJSON { _ in }.dropLast(5))))
    #expect(broken.hasPrefix("doc.json: ") && broken.contains("not valid JSON") && !broken.contains("\n"), "\(broken)")
    #expect(Self.loadMessage(nil) == "doc.json: cannot read the file: cannot open: No such file or directory")
    #expect(Self.loadMessage("{\"bandCentersHz\": [0, 100], \"tonalBalanceDB\": [1, 2], \"widthDB\": null, \"trackCount\": 1}", profile: true)
      == "doc.json: bandCentersHz[0]: expected a number from 1 to 192000, found 0")
    #expect(Self.loadMessage("{\"bandCentersHz\": [100, 200], \"tonalBalanceDB\": [1, 2], \"widthDB\": null, \"trackCount\": 1}", profile: true) == nil)
    let dir = TempFolder("validation-dir")
    defer { dir.remove() }
    #expect(throws: InputError(subject: dir.path, problem: "cannot read the file: cannot open: not a regular file (a folder)")) { try AlbumPlan.load(path: dir.path) }
  }
}
