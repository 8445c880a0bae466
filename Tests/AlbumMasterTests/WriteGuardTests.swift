import AlbumMaster
import AudioIO
import Foundation
import Testing
import TestSupport

/// The write guard's rules in-process: what is refused, with which one line.
@Suite struct WriteGuardTests {
  /// Folders `A` and `B` with a track each, a reference file, and a link into `A`.
  static func layout(_ dir: TempFolder) throws -> (a: Album, b: Album, ref: String) {
    for n in ["A", "B"] {
      try FileManager.default.createDirectory(atPath: dir.file(n), withIntermediateDirectories: true)
      #expect(FileManager.default.createFile(atPath: dir.file("\(n)/1.wav"), contents: Data([1])))
    }
    #expect(FileManager.default.createFile(atPath: dir.file("ref.wav"), contents: Data([2])))
    try FileManager.default.createSymbolicLink(atPath: dir.file("linkA"), withDestinationPath: dir.file("A"))
    return (try Album.discover(dir.file("A")), try Album.discover(dir.file("B")), dir.file("ref.wav"))
  }

  static func message(_ body: () throws(WriteGuardError) -> Void) -> String? {
    do throws(WriteGuardError) {
      try body()
      return nil
    } catch {
      return error.description
    }
  }

  @Test("Every output of a run is checked against every input of the run")
  func runChecks() throws {
    let dir = TempFolder("guard-rules")
    defer { dir.remove() }
    let (a, b, ref) = try Self.layout(dir)
    let g = WriteGuard(albums: [a, b], inputPaths: [ref])
    let r = dir.file("R")
    // Fine: reports beside the albums, each album its own masters.
    try g.checkRun(reports: r, albums: ["A", "B"], output: nil, masters: true, json: dir.file("out.json"))
    // Masters of A into B.
    #expect(Self.message { () throws(WriteGuardError) in try g.checkRun(reports: r, albums: ["A", "B"], output: dir.file("B"), masters: true, json: nil) }
      == "\(dir.file("B")): the masters folder lies inside the input album \(dir.file("B")); choose another --reports/--output")
    // Reports through a link into A.
    #expect(Self.message { () throws(WriteGuardError) in try g.checkRun(reports: dir.file("linkA/R"), albums: ["A"], output: nil, masters: false, json: nil) }?
      .contains("--reports lies inside the input album \(dir.file("A"))") == true)
    // The report folder itself a link into A.
    try FileManager.default.createDirectory(atPath: r, withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: dir.file("R/B"), withDestinationPath: dir.file("A"))
    #expect(Self.message { () throws(WriteGuardError) in try g.checkRun(reports: r, albums: ["B"], output: nil, masters: false, json: nil) }
      == "\(dir.file("R/B")): the report folder lies inside the input album \(dir.file("A")); choose another --reports/--output")
    try FileManager.default.removeItem(atPath: dir.file("R/B"))
    // A cache folder that is a link into an album.
    try FileManager.default.createDirectory(atPath: dir.file("R/B"), withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: dir.file("R/B/.cache"), withDestinationPath: dir.file("B"))
    #expect(Self.message { () throws(WriteGuardError) in try g.checkRun(reports: r, albums: ["B"], output: nil, masters: false, json: nil) }?
      .contains("the cache folder lies inside the input album \(dir.file("B"))") == true)
    try FileManager.default.removeItem(atPath: dir.file("R/B/.cache"))
    // A dangling link still leads into the album (mkdir would follow it).
    try FileManager.default.createSymbolicLink(atPath: dir.file("R/B/.cache"), withDestinationPath: dir.file("A/not yet/deeper"))
    #expect(Self.message { () throws(WriteGuardError) in try g.checkRun(reports: r, albums: ["B"], output: nil, masters: false, json: nil) }?
      .contains("the cache folder lies inside the input album \(dir.file("A"))") == true)
    try FileManager.default.removeItem(atPath: dir.file("R/B/.cache"))
    // --json onto the reference, into an album, or through a link into one.
    #expect(Self.message { () throws(WriteGuardError) in try g.checkFile(ref, role: "--json") } == "\(ref): --json would replace the input file \(ref)")
    #expect(Self.message { () throws(WriteGuardError) in try g.checkFile(dir.file("linkA/x.json"), role: "--json") }?.contains("inside the input album") == true)
    // Two albums, one masters folder.
    #expect(Self.message { () throws(WriteGuardError) in try g.checkRun(reports: r, albums: ["A", "B"], output: dir.file("Out"), masters: true, json: nil) }?
      .contains("the masters folder of B is also that of A") == true)
    // Without masters (--plan-only), one --output is not used and so not shared.
    try g.checkRun(reports: r, albums: ["A", "B"], output: dir.file("Out"), masters: false, json: nil)
  }

  @Test("A single-file album: its folder may hold reports but not masters; nothing may be renamed onto it")
  func singleFile() throws {
    let dir = TempFolder("guard-single")
    defer { dir.remove() }
    let (a, _, _) = try Self.layout(dir)
    let single = try Album.discover(a.path(of: "1.wav"))
    let g = WriteGuard(albums: [single])
    try g.checkRun(reports: dir.file("A/R"), albums: [single.name], output: nil, masters: true, json: nil)
    #expect(Self.message { () throws(WriteGuardError) in try g.checkRun(reports: dir.file("R"), albums: [single.name], output: dir.file("A"), masters: true, json: nil) }
      == "\(dir.file("A")): the masters folder holds the input file \(a.path(of: "1.wav")); a master could replace it; choose another --output")
    #expect(Self.message { () throws(WriteGuardError) in try g.checkFile(dir.file("linkA/1.wav"), role: "the master") }?.contains("would replace the input file") == true)
  }

  @Test("A track that is a link to a file outside its album protects that file too")
  func linkedTrack() throws {
    let dir = TempFolder("guard-linked")
    defer { dir.remove() }
    try FileManager.default.createDirectory(atPath: dir.file("A"), withIntermediateDirectories: true)
    #expect(FileManager.default.createFile(atPath: dir.file("elsewhere.wav"), contents: Data([3])))
    try FileManager.default.createSymbolicLink(atPath: dir.file("A/1.wav"), withDestinationPath: dir.file("elsewhere.wav"))
    let g = WriteGuard(albums: [try Album.discover(dir.file("A"))])
    #expect(Self.message { () throws(WriteGuardError) in try g.checkFile(dir.file("elsewhere.wav"), role: "--json") }?.contains("would replace the input file") == true)
  }

  @Test("--json through a symlink: a regular target is replaced atomically and the link kept; inputs refused")
  func jsonWriteThrough() throws {
    let dir = TempFolder("guard-json")
    defer { dir.remove() }
    let (a, _, _) = try Self.layout(dir)
    let g = WriteGuard(albums: [a])
    try Data("old".utf8).write(to: URL(fileURLWithPath: dir.file("target.json")))
    try FileManager.default.createSymbolicLink(atPath: dir.file("link.json"), withDestinationPath: dir.file("target.json"))
    try g.writeResult(Data("new".utf8), to: dir.file("link.json"))
    #expect(PathFacts.isSymlink(dir.file("link.json")) && fileBytes(dir.file("target.json")) == Data("new".utf8))
    try FileManager.default.createSymbolicLink(atPath: dir.file("track.json"), withDestinationPath: a.path(of: "1.wav"))
    #expect(throws: WriteGuardError.self) { try g.writeResult(Data("x".utf8), to: dir.file("track.json")) }
    #expect(fileBytes(a.path(of: "1.wav")) == Data([1]))
    #expect(hiddenTempFiles(dir.path).isEmpty)
  }

  @Test("Report folders: a held lock refuses at once; a parent that is a file or read-only gives one line")
  func reportFolders() async throws {
    let dir = TempFolder("guard-folder")
    defer { dir.remove() }
    try await ReportFolder.withLock(dir.file("R/A")) {
      do {
        _ = try await ReportFolder.withLock(dir.file("R/A")) { 0 }
        Issue.record("a second lock was granted")
      } catch let e as OutputFolderError {
        #expect(e.description == "\(dir.file("R/A")): another albummaster run is using this report folder; try again when it has finished")
      }
    }
    // Released: it can be taken again.
    #expect(try await ReportFolder.withLock(dir.file("R/A")) { 1 } == 1)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("R/A/.cache")) == [ReportFolder.lockName])
    #expect(FileManager.default.createFile(atPath: dir.file("file"), contents: Data()))
    let e = #expect(throws: OutputFolderError.self) { try ReportFolder.create(dir.file("file/R/A"), role: "the report folder") }
    #expect(e?.description == "\(dir.file("file/R/A")): cannot create the report folder: \(dir.file("file")): not a folder")
  }
}
