import Foundation
import Testing
import TestSupport

/// Holes an adversarial tester found in the write guard, through the binary: a bind mount of an album as
/// --output, a --profile/--plan read from the report folder the run writes, --json onto the run's own outputs or
/// onto a folder, and --json to /dev/stdout on a pipe.
@Suite struct WriteGuardHolesCLITests {
  static func run(_ args: [String], timeout: Double = 60) throws -> CLIResult {
    try WriteGuardCLITests.run(args, timeout: timeout)
  }

  @Test("--output a bind mount of the album: refused (64), one line naming both, the tracks untouched")
  func bindMountOutput() throws {
    let root = TempFolder("guard-holes-bind")
    defer { root.remove() }
    let a = try WriteGuardCLITests.album(root, "A", count: 1, seconds: 1)
    try FileManager.default.createDirectory(atPath: root.file("bm"), withIntermediateDirectories: true)
    let mounted = try writeGuardBindMount(a, at: root.file("bm"))
    defer { writeGuardUnmount(root.file("bm")) }
    try #require(mounted.status == 0, "mount --bind failed (the suite runs as root): \(mounted.message)")
    let before = writeGuardSnapshot(a)
    let r = try Self.run(["master", a, "--reports", root.file("R"), "--output", root.file("bm"), "--quiet"])
    #expect(r.status == 64, "\(r.stderr)")
    #expect(r.errorLines.count == 1 && r.stderr.contains(root.file("bm")) && r.stderr.contains("lies inside the input album \(a)"), "\(r.stderr)")
    #expect(writeGuardSnapshot(a) == before)
    #expect(!FileManager.default.fileExists(atPath: root.file("R")))
  }

  @Test("--profile read from the report folder the run writes: refused (64), untouched; render --plan of that folder's own plan.json writes back the same plan")
  func documentsInReportFolder() throws {
    let root = TempFolder("guard-holes-docs")
    defer { root.remove() }
    let a = try WriteGuardCLITests.album(root, "A", count: 1, seconds: 1)
    #expect(try Self.run(["master", a, "--reports", root.file("R"), "--plan-only", "--quiet"]).status == 0)
    let profile = root.file("R/A/profile.json"), plan = root.file("R/A/plan.json")
    let before = writeGuardSnapshot(root.file("R"))
    let p = try Self.run(["master", a, "--reports", root.file("R"), "--profile", profile, "--quiet"])
    #expect(p.status == 64 && p.errorLines.count == 1, "\(p.stderr)")
    #expect(p.stderr.contains("\(profile): the report profile.json would replace the input file \(profile)"), "\(p.stderr)")
    #expect(writeGuardSnapshot(root.file("R")) == before)
    // Editing plan.json in place and rendering it is the documented workflow: the plan written back is the plan read.
    let planBytes = fileBytes(plan)
    let q = try Self.run(["render", a, "--plan", plan, "--reports", root.file("R"), "--quiet"])
    #expect(q.status == 0 && q.errorLines.isEmpty, "\(q.stderr)")
    #expect(fileBytes(plan) == planBytes)
    // Anything else onto that plan is still refused.
    let j = try Self.run(["render", a, "--plan", plan, "--reports", root.file("R"), "--quiet", "--json", plan])
    #expect(j.status == 64 && j.errorLines.count == 1, "\(j.stderr)")
    #expect(fileBytes(plan) == planBytes)
    #expect(hiddenTempFiles(root.path).isEmpty)
  }

  @Test("--json onto a master, a report or the lock of the run, or onto a folder: refused (64), nothing written")
  func jsonOntoOutputs() throws {
    let root = TempFolder("guard-holes-json")
    defer { root.remove() }
    let a = try WriteGuardCLITests.album(root, "A", count: 1, seconds: 1)
    #expect(try Self.run(["master", a, "--reports", root.file("R"), "--quiet"]).status == 0)
    let before = writeGuardSnapshot(root.file("R"))
    for json in ["R/A/masters/01 track.wav", "R/A/plan.json", "R/A/.cache/lock"] {
      let r = try Self.run(["master", a, "--reports", root.file("R"), "--quiet", "--json", root.file(json)])
      #expect(r.status == 64 && r.errorLines.count == 1, "\(json): \(r.stderr)")
      #expect(r.stderr.contains("\(root.file(json)): --json lies inside the report folder of A"), "\(r.stderr)")
    }
    #expect(writeGuardSnapshot(root.file("R")) == before)
    try FileManager.default.createDirectory(atPath: root.file("J"), withIntermediateDirectories: true)
    let f = try Self.run(["analyze", a, "--reports", root.file("R2"), "--quiet", "--json", root.file("J")])
    #expect(f.status == 64 && f.errorLines.count == 1 && f.stderr.contains("\(root.file("J")): --json is a folder; give a file name"), "\(f.stderr)")
    #expect(!FileManager.default.fileExists(atPath: root.file("R2")))
    #expect(try FileManager.default.contentsOfDirectory(atPath: root.file("J")).isEmpty)
  }

  @Test("--json /dev/stdout with stdout a pipe: the result goes down the pipe (exit 0)")
  func jsonToPipe() throws {
    let root = TempFolder("guard-holes-pipe")
    defer { root.remove() }
    let a = try WriteGuardCLITests.album(root, "A", count: 1, seconds: 1)
    let q = writeGuardShellQuoted
    let r = try writeGuardShell(
      "set -o pipefail; \(q(albummasterPath)) analyze \(q(a)) --reports \(q(root.file("R"))) --json /dev/stdout --quiet | wc -c")
    #expect(!r.timedOut && r.status == 0, "\(r.stderr)")
    #expect((Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 100, "\(r.stdout) \(r.stderr)")
    #expect(!r.stderr.contains("error"), "\(r.stderr)")
  }
}
