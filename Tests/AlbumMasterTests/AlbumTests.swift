import AlbumMaster
import Analysis
import AudioIO
import Foundation
import Reports
import Synthesis
import Testing
import TestSupport

@Suite struct DiscoveryTests {
  @Test("Natural order: 2 before 10, case-insensitive, stable")
  func naturalOrder() async {
    let names = ["10 Ten.wav", "2 Two.wav", "1 One.wav", "b.wav", "A.wav", "01 Zero-padded.wav", "Track 9.flac", "Track 10.flac"]
    #expect(names.sorted(by: naturalLess) == [
      "1 One.wav", "01 Zero-padded.wav", "2 Two.wav", "10 Ten.wav", "A.wav", "b.wav", "Track 9.flac", "Track 10.flac",
    ])
  }

  @Test("Tracks are the audio files directly inside; hidden files, other files and folders are ignored")
  func discovery() async throws {
    let dir = TempFolder()
    defer { dir.remove() }
    for name in ["10 b.wav", "2 a.FLAC", "cover.jpg", "notes.txt", ".hidden.wav", "x.mp3"] {
      #expect(FileManager.default.createFile(atPath: dir.file(name), contents: Data([1])))
    }
    try FileManager.default.createDirectory(atPath: dir.file("sub.wav"), withIntermediateDirectories: false)
    let album = try Album.discover(dir.path)
    #expect(album.files == ["2 a.FLAC", "10 b.wav", "x.mp3"])
    #expect(album.name == (dir.path as NSString).lastPathComponent)
    let single = try Album.discover(dir.file("x.mp3"))
    #expect(single.files == ["x.mp3"] && single.name == "x" && single.path == dir.path)
  }

  @Test("A missing path and a folder without audio are errors that name the path")
  func discoveryErrors() async throws {
    let dir = TempFolder()
    defer { dir.remove() }
    #expect(FileManager.default.createFile(atPath: dir.file("cover.jpg"), contents: Data([1])))
    #expect(throws: AlbumError.noAudio(path: dir.path)) { try Album.discover(dir.path) }
    #expect(throws: AlbumError.notFound(path: dir.file("nope"))) { try Album.discover(dir.file("nope")) }
  }

  @Test("An output folder that is, or lies inside, the album is refused, also through a symlink")
  func outputInsideAlbum() async throws {
    let dir = TempFolder()
    defer { dir.remove() }
    try FileManager.default.createDirectory(atPath: dir.file("album"), withIntermediateDirectories: false)
    #expect(FileManager.default.createFile(atPath: dir.file("album/a.wav"), contents: Data([1])))
    try FileManager.default.createSymbolicLink(atPath: dir.file("link"), withDestinationPath: dir.file("album"))
    let album = try Album.discover(dir.file("album"))
    let g = WriteGuard(albums: [album])
    #expect(throws: WriteGuardError.self) { try g.checkFolder(dir.file("album"), role: "--reports") }
    #expect(throws: WriteGuardError.self) { try g.checkFolder(dir.file("album/Reports/x"), role: "--reports") }
    #expect(throws: WriteGuardError.self) { try g.checkFolder(dir.file("link/out"), role: "--reports") }
    try g.checkFolder(dir.file("album-reports"), role: "--reports")
    // A single file is a one-track album whose folder is not an album: reports may go beside it.
    let single = try Album.discover(dir.file("album/a.wav"))
    #expect(single.isSingleFile)
    let s = WriteGuard(albums: [single])
    try s.checkFolder(dir.file("album/Reports"), role: "--reports")
    #expect(throws: WriteGuardError.self) { try s.checkFolder(dir.file("album/a.wav"), role: "--reports") }
  }
}

@Suite(.serialized) struct DemoAlbumTests {
  /// The demo album, written and analysed once for all the checks below. A shared task, awaited: blocking a
  /// thread of the cooperative pool while it runs would starve the pool on a 2-core machine.
  static let fixtureTask = Task { () -> (dir: TempFolder, analysis: AlbumAnalysis) in
    let dir = TempFolder("demo")
    try! SynthesisWriter.writeDemoAlbum(to: dir.path)
    return (dir, await AlbumAnalyzer.analyze(try! Album.discover(dir.path), jobs: 2))
  }

  static func fixture() async -> (dir: TempFolder, analysis: AlbumAnalysis) { await fixtureTask.value }

  static func track(_ prefix: String) async -> TrackAnalysis {
    await fixture().analysis.tracks.first { $0.file.hasPrefix(prefix) }!
  }

  @Test("Six tracks of 20–40 s, all analysed")
  func shape() async {
    let a = await Self.fixture().analysis
    #expect(a.tracks.count == 6 && a.failures.isEmpty)
    #expect(a.tracks.allSatisfy { $0.durationSeconds >= 20 && $0.durationSeconds <= 40 })
  }

  @Test("Loudness spread of at least 8 LU")
  func loudnessSpread() async {
    let lufs = await Self.fixture().analysis.tracks.compactMap(\.loudness.integratedLUFS)
    #expect(lufs.count == 6)
    #expect(lufs.max()! - lufs.min()! >= 8, "spread \(lufs.max()! - lufs.min()!)")
  }

  @Test("A dark and a bright track whose tilt across 100 Hz–10 kHz differs by at least 6 dB")
  func darkAndBright() async throws {
    let dark = try #require(await Self.track("02").spectrum.tiltDB)
    let bright = try #require(await Self.track("03").spectrum.tiltDB)
    let reference = try #require(await Self.track("01").spectrum.tiltDB)
    #expect(bright - dark >= 6)
    #expect(dark < reference && bright > reference)
  }

  @Test("A narrow and a wide track")
  func narrowAndWide() async throws {
    let narrow = try #require(await Self.track("04").stereo.widthDB)
    let wide = try #require(await Self.track("05").stereo.widthDB)
    let others = try [await Self.track("01"), await Self.track("02"), await Self.track("03")].map { try #require($0.stereo.widthDB) }
    #expect(narrow < others.min()! - 6 && wide > others.max()! + 2)
  }

  @Test("A track whose true peak is at least 1 dB over its sample peak")
  func interSampleOvers() async throws {
    let hot = await Self.track("06").loudness
    #expect(try #require(hot.truePeakDBTP) - (try #require(hot.samplePeakDBFS)) >= 1)
  }

  @Test("One 44.1 kHz track among 48 kHz ones; WAV 24-bit, FLAC and AIFF 16-bit")
  func ratesAndFormats() async {
    let tracks = await Self.fixture().analysis.tracks
    #expect(tracks.filter { $0.sampleRate == 44_100 }.count == 1)
    #expect(tracks.filter { $0.sampleRate == 48_000 }.count == 5)
    #expect(tracks.contains { $0.format == "WAV" && $0.subtype == "PCM_24" })
    #expect(tracks.contains { $0.format == "FLAC" })
    #expect(tracks.contains { $0.format == "AIFF" && $0.subtype == "PCM_16" })
    #expect(tracks.allSatisfy { $0.title != nil && $0.artist == DemoAlbum.artist })
  }

  @Test("The dark and bright tracks stand out from the album profile")
  func tonalDeviation() async throws {
    let dev = try await Self.fixture().analysis.tracks.map { try #require($0.tonalDeviationDB) }
    #expect(await Self.track("02").tonalDeviationDB == dev.max())
    #expect(try #require(await Self.track("01").tonalDeviationDB) < 2)
  }

  @Test("The demo album is byte-identical on every run")
  func deterministic() async throws {
    let again = TempFolder("demo-again")
    defer { again.remove() }
    try SynthesisWriter.writeDemoAlbum(to: again.path)
    for t in DemoAlbum.tracks {
      #expect(fileBytes(again.file(t.fileName)) == fileBytes(await Self.fixture().dir.file(t.fileName)), "\(t.fileName)")
    }
  }

  @Test("The analysis is the same with 1 or 4 jobs, and its JSON is byte-identical")
  func jobsDoNotChangeResults() async throws {
    let album = try Album.discover(await Self.fixture().dir.path)
    let one = await AlbumAnalyzer.analyze(album, jobs: 1)
    let four = await AlbumAnalyzer.analyze(album, jobs: 4)
    #expect(try JSONReport.encode(one.document) == JSONReport.encode(four.document))
    #expect(try JSONReport.encode(one.document) == JSONReport.encode(await Self.fixture().analysis.document))
  }

  @Test("analysis.json decodes back to the same document")
  func jsonRoundTrip() async throws {
    let data = try JSONReport.encode(await Self.fixture().analysis.document)
    #expect(try JSONReport.encode(JSONReport.decode(AnalysisDocument.self, from: data)) == data)
  }
}
