import AudioIO
import Foundation
import Testing
import TestSupport

/// End-to-end: the real binary on generated albums, checking files, JSON, CSV headers and exit codes.
@Suite struct CLITests {
  static let tracksHeader =
    "file,status,error,title,artist,format,subtype,sampleRate,channels,frames,durationSeconds,integratedLUFS,rangeLU,momentaryMaxLUFS,shortTermMaxLUFS,truePeakDBTP,interSamplePeakDBTP,samplePeakDBFS,plrDB,crestDB,rmsDBFS,psrMedianDB,psrP10DB,psrP90DB,correlation,widthDB,balanceDB,tiltDB,tonalDeviationDB,clippedRuns,clippedSamples,dcOffsetMaxDBFS,leadingSilenceSeconds,trailingSilenceSeconds,nonFiniteSamples,flags,masterFile,masterIntegratedLUFS,masterTruePeakDBTP,masterInterSamplePeakDBTP,masterTonalDeviationDB,masterWidthDB,masterCorrelation,masterRangeLU,masterPlrDB,masterCrestDB,masterPsrMedianDB,masterPsrP10DB,masterPsrP90DB,limiterMaxGainReductionDB,limiterActivePercent,limiterP99GainReductionDB,limiterOver1DBPercent,limiterOver3DBPercent,compressorMaxGainReductionDB,expectedPsrDB,loudnessLoweredDB,masterVerdict"
  static let bandsHeader = "file,bandCenterHz,levelDB,midLevelDB,sideLevelDB,tonalBalanceDB,albumProfileDB"
  static let hostileName = "<img src=x onerror=alert(1)> \"quotes\" & ünïcödé.wav"

  static func tone(_ dir: TempFolder, _ name: String, channels: Int = 2, seconds: Double = 4, format: AudioFileFormat = .init(container: .wav, encoding: .pcm24)) throws {
    let x = Signals.sine(frequencyHz: 997, amplitude: pow(10, -23.0 / 20), seconds: seconds, sampleRateHz: 48_000, channels: channels)
    try writeAudio(x, channels: channels, sampleRateHz: 48_000, to: dir.file(name), format: format)
  }

  static func json(_ path: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: fileBytes(path)) as? [String: Any])
  }

  @Test("Bad files: one line each naming the file, the rest analysed, exit 2, listed in JSON and CSV")
  func badInputAlbum() throws {
    let root = TempFolder("cli-bad")
    defer { root.remove() }
    try FileManager.default.createDirectory(atPath: root.file("Album"), withIntermediateDirectories: false)
    let album = TempFolderView(path: root.file("Album"))
    try Self.tone(album.folder, "01 good.wav")
    try Self.tone(album.folder, "02 good.flac", format: .init(container: .flac, encoding: .pcm16))
    try "not audio at all".write(toFile: album.file("03 text.wav"), atomically: true, encoding: .utf8)
    try Self.tone(album.folder, "full.wav")
    try Self.tone(album.folder, "full.flac", format: .init(container: .flac, encoding: .pcm24))
    for ext in ["wav", "flac"] {
      let b = fileBytes(album.file("full.\(ext)"))
      try b.prefix(b.count / 2).write(to: URL(fileURLWithPath: album.file("04 truncated.\(ext)")))
      try FileManager.default.removeItem(atPath: album.file("full.\(ext)"))
    }
    try writeAudio([], channels: 2, sampleRateHz: 48_000, to: album.file("05 zero frames.wav"))
    try Self.tone(album.folder, "06 locked.wav")
    try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: album.file("06 locked.wav"))
    try "cover".write(toFile: album.file("cover.jpg"), atomically: true, encoding: .utf8)
    let before = snapshot(album.path)

    let r = try runCLI(["analyze", album.path, "--reports", root.file("Reports"), "--quiet"], withoutFileOverride: true)
    #expect(r.status == 2)
    let bad = ["03 text.wav", "04 truncated.flac", "04 truncated.wav", "05 zero frames.wav", "06 locked.wav"]
    #expect(r.errorLines.count == bad.count, "\(r.stderr)")
    for name in bad {
      #expect(r.errorLines.filter { $0.contains(name) }.count == 1, "\(name) in \(r.stderr)")
    }
    #expect(r.errorLines.contains { $0.contains("06 locked.wav") && $0.contains("Permission denied") })
    #expect(r.errorLines.contains { $0.contains("05 zero frames.wav") && $0.contains("no audio frames") })

    let doc = try Self.json(root.file("Reports/Album/analysis.json"))
    let tracks = try #require(doc["tracks"] as? [[String: Any]])
    let failures = try #require(doc["failures"] as? [[String: Any]])
    #expect(tracks.map { $0["file"] as? String } == ["01 good.wav", "02 good.flac"])
    #expect(Set(failures.compactMap { $0["file"] as? String }) == Set(bad))
    #expect(failures.allSatisfy { ($0["error"] as? String).map { !$0.isEmpty && !$0.contains("\n") } ?? false })
    for t in tracks {
      let l = try #require(t["loudness"] as? [String: Any])
      #expect(abs(try #require(l["integratedLUFS"] as? Double) - -23) <= 0.1)
    }
    let csv = String(decoding: fileBytes(root.file("Reports/Album/tracks.csv")), as: UTF8.self)
    let lines = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
    #expect(lines.first == Self.tracksHeader)
    #expect(lines.count == 1 + 2 + bad.count)
    #expect(lines.dropFirst().filter { $0.contains(",error,") }.count == bad.count)
    // Nothing in the album changed or appeared.
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: album.file("06 locked.wav"))
    #expect(snapshot(album.path) == before)
  }

  @Test("A folder with no audio and a missing path: one line each, exit 2, other albums still analysed")
  func albumLevelErrors() throws {
    let root = TempFolder("cli-empty")
    defer { root.remove() }
    try FileManager.default.createDirectory(atPath: root.file("Empty"), withIntermediateDirectories: false)
    try "x".write(toFile: root.file("Empty/readme.txt"), atomically: true, encoding: .utf8)
    try FileManager.default.createDirectory(atPath: root.file("Good"), withIntermediateDirectories: false)
    try Self.tone(TempFolderView(path: root.file("Good")).folder, "a.wav")
    let r = try runCLI([
      "analyze", root.file("Empty"), root.file("Missing"), root.file("Good"), "--reports", root.file("R"), "--quiet",
      "--json", root.file("result.json"),
    ])
    #expect(r.status == 2)
    #expect(r.errorLines.count == 2)
    #expect(r.errorLines.contains { $0.contains(root.file("Empty")) && $0.contains("no audio files") })
    #expect(r.errorLines.contains { $0.contains(root.file("Missing")) && $0.contains("no such file") })
    #expect(FileManager.default.fileExists(atPath: root.file("R/Good/analysis.json")))
    let result = try Self.json(root.file("result.json"))
    #expect((result["failures"] as? [[String: Any]])?.count == 2)
    #expect((result["albums"] as? [[String: Any]])?.count == 1)
  }

  @Test("Usage errors exit 64", arguments: [["analyze"], ["analyze", "x", "--jobs", "0"], ["frobnicate"], ["analyze", "x", "--bogus"]])
  func usageErrors(args: [String]) throws {
    #expect(try runCLI(args).status == 64)
  }

  @Test("The JSON contract: schema 1, every key present, null for −∞ and for mono; CSV headers as documented; hostile names verbatim")
  func jsonAndCSVContract() throws {
    let root = TempFolder("cli-json")
    defer { root.remove() }
    try FileManager.default.createDirectory(atPath: root.file("My Album"), withIntermediateDirectories: false)
    let album = TempFolderView(path: root.file("My Album"))
    try Self.tone(album.folder, Self.hostileName)
    try Self.tone(album.folder, "mono.wav", channels: 1)
    try writeAudio([Float](repeating: 0, count: 48_000 * 2 * 2), channels: 2, sampleRateHz: 48_000, to: album.file("silence.wav"))
    let r = try runCLI(["analyze", album.path, "--reports", root.file("R"), "--json", "-"])
    #expect(r.status == 0, "\(r.stderr)")
    // --json - puts the JSON alone on stdout and the table on stderr.
    let result = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    #expect(r.stderr.contains("LUFS") && r.stderr.contains(Self.hostileName))
    let doc = try #require((result["albums"] as? [[String: Any]])?.first)
    #expect(doc["schemaVersion"] as? Int == 1)
    #expect((doc["album"] as? [String: Any])?["name"] as? String == "My Album")
    let tracks = try #require(doc["tracks"] as? [[String: Any]])
    #expect(tracks.map { $0["file"] as? String } == [Self.hostileName, "mono.wav", "silence.wav"])
    for t in tracks {
      for key in ["file", "title", "artist", "sampleRate", "channels", "frames", "durationSeconds", "format", "subtype",
        "loudness", "spectrum", "stereo", "dynamics", "defects", "tonalDeviationDB"]
      {
        #expect(t.keys.contains(key), "missing \(key)")
      }
      let l = try #require(t["loudness"] as? [String: Any])
      for key in ["integratedLUFS", "rangeLU", "momentaryMaxLUFS", "shortTermMaxLUFS", "truePeakDBTP",
        "truePeakPerChannelDBTP", "samplePeakDBFS", "shortTermSeries"]
      {
        #expect(l.keys.contains(key), "missing loudness.\(key)")
      }
      let s = try #require(t["spectrum"] as? [String: Any])
      for key in ["bandCentersHz", "levelsDB", "midLevelsDB", "sideLevelsDB", "tonalBalanceDB"] {
        #expect(s.keys.contains(key), "missing spectrum.\(key)")
      }
      let st = try #require(t["stereo"] as? [String: Any])
      #expect(Set(st.keys) == ["correlation", "widthDB", "balanceDB"])
      let d = try #require(t["defects"] as? [String: Any])
      for key in ["clippedRuns", "clippedSamples", "dcOffsetDBFS", "leadingSilenceSeconds", "trailingSilenceSeconds",
        "nonFiniteSamples"]
      {
        #expect(d.keys.contains(key), "missing defects.\(key)")
      }
    }
    let mono = tracks[1], silence = tracks[2]
    #expect((mono["stereo"] as? [String: Any])?["widthDB"] is NSNull)
    #expect((mono["spectrum"] as? [String: Any])?["sideLevelsDB"] is NSNull)
    #expect((silence["loudness"] as? [String: Any])?["integratedLUFS"] is NSNull)
    #expect((silence["loudness"] as? [String: Any])?["truePeakDBTP"] is NSNull)
    // Dual mono has no side: width is null, not a huge negative number.
    #expect((tracks[0]["stereo"] as? [String: Any])?["widthDB"] is NSNull)

    let csv = String(decoding: fileBytes(root.file("R/My Album/tracks.csv")), as: UTF8.self)
    #expect(csv.hasPrefix(Self.tracksHeader + "\r\n"))
    // RFC 4180: the quotes are doubled inside a quoted field.
    #expect(csv.contains("\"<img src=x onerror=alert(1)> \"\"quotes\"\" & ünïcödé.wav\""))
    let bands = String(decoding: fileBytes(root.file("R/My Album/bands.csv")), as: UTF8.self)
    #expect(bands.hasPrefix(Self.bandsHeader + "\r\n"))
    let profile = try Self.json(root.file("R/My Album/profile.json"))
    #expect(profile["bandCentersHz"] is [Double] && profile.keys.contains("widthDB"))
  }

  @Test("Reports inside the album are refused and nothing is written there")
  func outputInsideAlbum() throws {
    let root = TempFolder("cli-inside")
    defer { root.remove() }
    try Self.tone(root, "a.wav")
    let before = snapshot(root.path)
    let r = try runCLI(["analyze", root.path, "--reports", root.file("Reports"), "--quiet"])
    #expect(r.status == 64 && r.errorLines.count == 1 && r.stderr.contains("inside the input album"))
    #expect(snapshot(root.path) == before)
  }

  @Test("The same album analysed twice gives byte-identical reports")
  func deterministicReports() throws {
    let root = TempFolder("cli-det")
    defer { root.remove() }
    try FileManager.default.createDirectory(atPath: root.file("A"), withIntermediateDirectories: false)
    let a = TempFolderView(path: root.file("A"))
    try Self.tone(a.folder, "1.wav")
    try writeAudio(Signals.whiteNoise(seconds: 3, sampleRateHz: 44_100), channels: 2, sampleRateHz: 44_100, to: a.file("2.wav"))
    #expect(try runCLI(["analyze", a.path, "--reports", root.file("R1"), "--quiet", "--jobs", "1"]).status == 0)
    #expect(try runCLI(["analyze", a.path, "--reports", root.file("R2"), "--quiet", "--jobs", "2"]).status == 0)
    #expect(snapshot(root.file("R1")) == snapshot(root.file("R2")))
    // The catalogue index, the album folder and its six files (the hidden cache aside).
    #expect(snapshot(root.file("R1")).keys.filter { !$0.contains(".cache") }.count == 8)
  }

  @Test("demo writes six tracks, byte-identical on a second run")
  func demoCommand() throws {
    let root = TempFolder("cli-demo")
    defer { root.remove() }
    #expect(try runCLI(["demo", root.file("D1"), "--quiet"]).status == 0)
    #expect(try runCLI(["demo", root.file("D2"), "--quiet"]).status == 0)
    let d1 = snapshot(root.file("D1")), d2 = snapshot(root.file("D2"))
    #expect(d1.count == 6 && d1 == d2)
  }
}

/// A folder inside a TempFolder, addressed like one.
struct TempFolderView {
  let path: String
  var folder: TempFolder { TempFolder(wrapping: path) }
  func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}
