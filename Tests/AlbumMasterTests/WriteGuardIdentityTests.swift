import AlbumMaster
import AudioIO
import Foundation
import Testing
import TestSupport

/// The write guard's identity checks (bind mounts, hard links), the report files against the run's input
/// documents, and `--json` against the run's own outputs: in-process, exact one-line messages.
@Suite struct WriteGuardIdentityTests {
  static func message(_ body: () throws(WriteGuardError) -> Void) -> String? { WriteGuardTests.message(body) }

  /// Album `A` with one track, in `dir`.
  static func album(_ dir: TempFolder) throws -> Album {
    try FileManager.default.createDirectory(atPath: dir.file("A"), withIntermediateDirectories: true)
    #expect(FileManager.default.createFile(atPath: dir.file("A/1.wav"), contents: Data([1])))
    return try Album.discover(dir.file("A"))
  }

  @Test("A hard link to a track is that track: --json or a master onto it is refused")
  func hardLink() throws {
    let dir = TempFolder("guard-hardlink")
    defer { dir.remove() }
    let a = try Self.album(dir)
    try FileManager.default.createDirectory(atPath: dir.file("Out"), withIntermediateDirectories: true)
    try FileManager.default.linkItem(atPath: a.path(of: "1.wav"), toPath: dir.file("Out/1.wav"))
    let g = WriteGuard(albums: [a])
    #expect(Self.message { () throws(WriteGuardError) in try g.checkFile(dir.file("Out/1.wav"), role: "--json") }
      == "\(dir.file("Out/1.wav")): --json would replace the input file \(a.path(of: "1.wav"))")
    #expect(Self.message { () throws(WriteGuardError) in try g.checkFile(dir.file("Out/1.wav"), role: "the master") }?
      .contains("would replace the input file \(a.path(of: "1.wav"))") == true)
    // Another file in that folder is fine.
    try g.checkFile(dir.file("Out/2.wav"), role: "--json")
  }

  @Test("A bind mount of an album is the album: --output, --reports and --json through it are refused")
  func bindMount() throws {
    let dir = TempFolder("guard-bind")
    defer { dir.remove() }
    let a = try Self.album(dir)
    try FileManager.default.createDirectory(atPath: dir.file("bm"), withIntermediateDirectories: true)
    // Root on this machine and on CI: the mount must work, or the test fails.
    let mounted = try writeGuardBindMount(dir.file("A"), at: dir.file("bm"))
    defer { writeGuardUnmount(dir.file("bm")) }
    try #require(mounted.status == 0, "mount --bind failed: \(mounted.message)")
    let g = WriteGuard(albums: [a])
    #expect(Self.message { () throws(WriteGuardError) in try g.checkRun(reports: dir.file("R"), albums: ["A"], output: dir.file("bm"), masters: true, json: nil) }
      == "\(dir.file("bm")): the masters folder lies inside the input album \(dir.file("A")); choose another --reports/--output")
    #expect(Self.message { () throws(WriteGuardError) in try g.checkRun(reports: dir.file("bm/R/deeper"), albums: ["A"], output: nil, masters: false, json: nil) }
      == "\(dir.file("bm/R/deeper")): --reports lies inside the input album \(dir.file("A")); choose another --reports/--output")
    #expect(Self.message { () throws(WriteGuardError) in try g.checkFile(dir.file("bm/1.wav"), role: "--json") }?
      .contains("lies inside the input album \(dir.file("A"))") == true)
    #expect(fileBytes(a.path(of: "1.wav")) == Data([1]))
  }

  @Test("Every report file of the run is checked against --profile, --plan and --reference")
  func reportsOntoDocuments() throws {
    let dir = TempFolder("guard-reportdocs")
    defer { dir.remove() }
    let a = try Self.album(dir)
    for name in ReportFile.all {
      let doc = dir.file("R/A/\(name)")
      let g = WriteGuard(albums: [a], inputPaths: [doc])
      #expect(Self.message { () throws(WriteGuardError) in try g.checkRun(reports: dir.file("R"), albums: ["A"], output: nil, masters: false, json: nil) }
        == "\(doc): the report \(name) would replace the input file \(doc)")
    }
    // The same document elsewhere is fine.
    try WriteGuard(albums: [a], inputPaths: [dir.file("plan.json")])
      .checkRun(reports: dir.file("R"), albums: ["A"], output: nil, masters: true, json: nil)
  }

  @Test("--json inside a report or masters folder of the run, or naming a folder, is refused")
  func jsonOntoOutputs() throws {
    let dir = TempFolder("guard-jsonout")
    defer { dir.remove() }
    let a = try Self.album(dir)
    let g = WriteGuard(albums: [a])
    let r = dir.file("R")
    for json in ["R/A/masters/01.wav", "R/A/plan.json", "R/A/.cache/lock", "R/A"] {
      #expect(Self.message { () throws(WriteGuardError) in try g.checkRun(reports: r, albums: ["A"], output: nil, masters: true, json: dir.file(json)) }
        == "\(dir.file(json)): --json lies inside the report folder of A, which the run writes; choose another path")
    }
    #expect(Self.message { () throws(WriteGuardError) in try g.checkRun(reports: r, albums: ["A"], output: dir.file("Out"), masters: true, json: dir.file("Out/x.json")) }
      == "\(dir.file("Out/x.json")): --json lies inside the masters folder of A, which the run writes; choose another path")
    // Beside the report folders, or in --output when no masters are written: fine.
    try g.checkRun(reports: r, albums: ["A"], output: nil, masters: true, json: dir.file("R/result.json"))
    try g.checkRun(reports: r, albums: ["A"], output: dir.file("Out"), masters: false, json: dir.file("Out/x.json"))
    // An existing folder.
    try FileManager.default.createDirectory(atPath: dir.file("J"), withIntermediateDirectories: true)
    #expect(Self.message { () throws(WriteGuardError) in try g.checkRun(reports: r, albums: ["A"], output: nil, masters: false, json: dir.file("J")) }
      == "\(dir.file("J")): --json is a folder; give a file name")
    let e = #expect(throws: WriteGuardError.self) { try g.writeResult(Data("x".utf8), to: dir.file("J")) }
    #expect(e?.description == "\(dir.file("J")): --json is a folder; give a file name")
  }
}
