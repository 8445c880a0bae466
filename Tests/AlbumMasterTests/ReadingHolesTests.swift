import AlbumMaster
import AudioIO
import Foundation
import Reports
import Testing
import TestSupport

/// Small holes in reading album.yaml and in what the reports write.
@Suite struct ReadingHolesTests {
  static func configError(_ yaml: String) -> AlbumConfig.ConfigError? {
    do {
      _ = try AlbumConfig.parse(yaml, path: "Albums/X/album.yaml")
      return nil
    } catch {
      return error
    }
  }

  @Test("YAML syntax errors report their true line and column (from 1)", arguments: [
    // "  eqAmount: 0.5": the ':' at column 11 is where a mapping value is not allowed.
    ("loudness: album\ntargetLUFS: -14\n  eqAmount: 0.5\n", 3, 11),
    // A tab cannot start a token: line 2, column 1.
    ("tracks:\n\ta.wav: { eq: off }\n", 2, 1),
    // An unclosed flow sequence ends at the end of the text.
    ("targetLUFS: -14\nloudness: [album\n", 3, 1),
  ])
  func syntaxLineColumn(c: (yaml: String, line: Int, column: Int)) throws {
    let e = try #require(Self.configError(c.yaml))
    #expect(e.key == "(syntax)")
    #expect(e.line == c.line && e.column == c.column, "\(e)")
    #expect(e.description.hasPrefix("Albums/X/album.yaml:\(c.line):\(c.column): (syntax): not valid YAML: "), "\(e)")
    #expect(!e.description.contains("\n"))
  }

  @Test("A duplicate key is reported at its repeat, with the first occurrence", arguments: [
    ("targetLUFS: -14\nloudness: album\ntargetLUFS: -16\n", 3, 1, "targetLUFS", "duplicate key (first at line 1)"),
    ("tracks:\n  a.wav:\n    eq: off\n    eq: on\n", 4, 5, "eq", "duplicate key (first at line 3)"),
    ("tracks:\n  a.wav: { eq: off, eq: on }\n", 2, 12, "eq", "duplicate key"),
  ])
  func duplicateKey(c: (yaml: String, line: Int, column: Int, key: String, problem: String)) throws {
    let e = try #require(Self.configError(c.yaml))
    #expect(e.description == "Albums/X/album.yaml:\(c.line):\(c.column): \(c.key): \(c.problem)")
  }

  @Test("A variant the encoder cannot write is a config error at its line", arguments: [
    ("outputs:\n  - { format: flac, bits: 16 }\n  - { format: opus, sampleRate: 44100 }\n", 3, "outputs[1]",
     "Opus takes 8, 12, 16, 24 or 48 kHz, not 44100 Hz"),
    ("outputs:\n  - format: mp3\n    sampleRate: 96000\n", 2, "outputs[0]",
     "MP3 takes 8, 11.025, 12, 16, 22.05, 24, 32, 44.1 or 48 kHz, not 96000 Hz"),
    ("outputs:\n  - { format: flac, bits: 32f }\n", 2, "outputs[0]", "FLAC holds integers only (16 or 24 bits), not float"),
  ])
  func unrenderableVariant(c: (yaml: String, line: Int, key: String, problem: String)) throws {
    let e = try #require(Self.configError(c.yaml))
    #expect(e.description == "Albums/X/album.yaml:\(c.line): \(c.key): \(c.problem)")
  }

  @Test("Variants the encoders take pass the check")
  func renderableVariants() throws {
    let c = try AlbumConfig.parse(
      "outputs:\n  - { format: opus, sampleRate: 48000 }\n  - { format: opus }\n  - { format: mp3, sampleRate: 44100 }\n  - { format: flac }\n",
      path: "album.yaml")
    #expect(c.outputs.map(\.name) == ["opus-48000", "opus", "mp3-44100", "flac"])
    // FLAC without bits from a float source is 24-bit, not a float FLAC the encoder refuses.
    let float = AudioFileInfo(sampleRate: 48_000, channels: 2, frames: 1, format: .init(container: .wav, encoding: .float32))
    #expect(c.outputs[3].renderSettings.outputFormat(for: float) == AudioFileFormat(container: .flac, encoding: .pcm24))
  }

  @Test("album.yaml over 1 MB is refused from its size alone; 1 MB is read")
  func sizeLimit() throws {
    let dir = TempFolder()
    defer { dir.remove() }
    let path = dir.file("album.yaml")
    // A sparse 1 TB file: reading it would take minutes and all the memory; the limit answers at once.
    #expect(FileManager.default.createFile(atPath: path, contents: Data()))
    #expect(truncate(path, 1 << 40) == 0)
    let clock = ContinuousClock()
    var caught: AlbumConfig.ConfigError?
    let elapsed = clock.measure {
      do throws(AlbumConfig.ConfigError) { _ = try AlbumConfig.load(folder: dir.path) } catch { caught = error }
    }
    #expect(caught?.description == "\(path): (file): 1099511627776 bytes; album.yaml may hold at most 1048576 bytes (1 MB)")
    #expect(elapsed < .seconds(1))
    // One byte over the limit is over.
    #expect(truncate(path, 1_048_577) == 0)
    #expect(throws: AlbumConfig.ConfigError.self) { _ = try AlbumConfig.load(folder: dir.path) }
    // Exactly 1 MB of comments and one key is a valid file.
    let key = "targetLUFS: -16\n"
    let filler = String(repeating: "# padding line of a long file\n", count: (1_048_576 - key.utf8.count) / 30)
    let text = key + filler + String(repeating: "#", count: 1_048_576 - key.utf8.count - filler.utf8.count)
    #expect(text.utf8.count == 1_048_576)
    try text.write(toFile: path, atomically: false, encoding: .utf8)
    #expect(try AlbumConfig.load(folder: dir.path)?.matching.targetLUFS == -16)
  }

  @Test("An album.yaml that is not a regular file is one line; a missing one is no config")
  func notRegular() throws {
    let dir = TempFolder()
    defer { dir.remove() }
    #expect(try AlbumConfig.load(folder: dir.path) == nil)
    try FileManager.default.createDirectory(atPath: dir.file("album.yaml"), withIntermediateDirectories: false)
    #expect(throws: AlbumConfig.ConfigError.self) { _ = try AlbumConfig.load(folder: dir.path) }
    do {
      _ = try AlbumConfig.load(folder: dir.path)
    } catch {
      #expect(error.description == "\(dir.file("album.yaml")): (file): cannot open: not a regular file (a folder)")
    }
  }

  @Test("CSV text cells that a spreadsheet would run are quoted; numbers stay numbers")
  func csvInjection() async throws {
    #expect(CSVReport.text("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")")
    for s in ["+1", "-cmd", "@SUM(A1)", "\tx", "\rx"] { #expect(CSVReport.text(s) == "'" + s) }
    for s in ["Song", "1 = 1", "", "'quoted"] { #expect(CSVReport.text(s) == s) }

    let dir = TempFolder()
    defer { dir.remove() }
    let album = dir.file("Album")
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    try writeAudio(
      music(seed: 1, seconds: 3), channels: 2, sampleRateHz: 48_000, to: (album as NSString).appendingPathComponent("=1+2.wav"),
      format: .init(container: .wav, encoding: .pcm24), metadata: AudioMetadata(title: "=HYPERLINK(\"http://evil\")", artist: "@me"))
    try "not audio".write(toFile: (album as NSString).appendingPathComponent("-bad.wav"), atomically: true, encoding: .utf8)
    let analysis = await AlbumAnalyzer.analyze(try Album.discover(album), jobs: 1)
    let csv = try CSVReport.tracks(analysis.document)
    let rows = csv.components(separatedBy: "\r\n")
    let ok = try #require(rows.first { $0.hasPrefix("'=1+2.wav,") })
    #expect(ok.contains(",\"'=HYPERLINK(\"\"http://evil\"\")\",'@me,"), "\(ok)")
    // integratedLUFS is a plain negative number.
    let lufs = try #require(analysis.tracks.first?.loudness.integratedLUFS)
    #expect(ok.contains("," + CSVReport.fmt(lufs) + ","))
    #expect(CSVReport.fmt(lufs).hasPrefix("-"))
    #expect(rows.contains { $0.hasPrefix("'-bad.wav,error,") })
    let bands = try CSVReport.bands(analysis.document)
    #expect(bands.components(separatedBy: "\r\n").dropFirst().allSatisfy { $0.isEmpty || $0.hasPrefix("'=1+2.wav,") })
  }

  @Test("Album errors are one line; a name that arrived as invalid UTF-8 says so")
  func albumErrors() {
    #expect(AlbumError.notFound(path: "Albums/caf\u{FFFD}").description
      == "Albums/caf\u{FFFD}: no such file or folder (the name is not valid UTF-8; rename it)")
    #expect(AlbumError.notFound(path: "Albums/Gone").description == "Albums/Gone: no such file or folder")
    #expect(AlbumError.noAudio(path: "Albums/a\nb").description.hasPrefix("Albums/a\\nb: no audio files"))
  }

  @Test("A catalogue link never becomes a URL scheme: ./ and percent-escaped")
  func catalogueLink() async throws {
    let dir = TempFolder()
    defer { dir.remove() }
    let album = dir.file("javascript:alert(1)")
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    try writeAudio(music(seed: 2, seconds: 2), channels: 2, sampleRateHz: 48_000, to: (album as NSString).appendingPathComponent("a.wav"))
    let analysis = await AlbumAnalyzer.analyze(try Album.discover(album), jobs: 1)
    let reports = dir.file("Reports")
    try AlbumAnalyzer.writeReports(analysis, to: (reports as NSString).appendingPathComponent("javascript:alert(1)"))
    let index = String(decoding: fileBytes(try Catalogue.writeIndex(reportsFolder: reports)), as: UTF8.self)
    #expect(index.contains("href=\"./javascript%3Aalert(1)/index.html\""), "\(index)")
    #expect(!index.contains("href=\"javascript:"))
    #expect(HTMLReport.relativeLink(to: "Sigur Rós/index.html") == "./Sigur%20R%C3%B3s/index.html")
  }
}
