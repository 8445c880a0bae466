import AlbumMaster
import AudioIO
import Foundation
import Testing
import TestSupport

/// The album rule, fades and trims through the whole pipeline, in-process.
@Suite(.serialized) struct Format16PipelineTests {
  /// Masters `album` with `edit` applied to the request; the album's outcome.
  func master(_ album: String, _ tmp: TempFolder, _ edit: (inout MasterRequest) -> Void = { _ in }) async throws -> MasterOutcome {
    var request = MasterRequest(albums: [album])
    request.reportsFolder = tmp.file("Reports")
    edit(&request)
    let outcome = try await AlbumBatch.master(request)
    return try #require(outcome.albums.first?.outcome)
  }

  /// The QA rows of `check`.
  func rows(_ run: MasterOutcome, _ check: String) -> [QAFinding] { run.qa?.findings.filter { $0.check == check } ?? [] }

  @Test("The demo album's defaults: masters in one format (FLAC, 48 kHz, 24-bit) that pass format-consistency and click")
  func demoAlbumOneFormat() async throws {
    let tmp = TempFolder("format16-demo")
    defer { tmp.remove() }
    let album = tmp.file("Demo")
    _ = try SynthesisWriter.writeDemoAlbum(to: album)
    let before = snapshot(album)
    let run = try await master(album, tmp)
    #expect(run.masters.count == 6 && run.failures.isEmpty)
    for m in run.masters {
      #expect(m.master.hasSuffix(".flac"), "\(m.master)")
      #expect(m.render.format == AudioFileFormat(container: .flac, encoding: .pcm24) && m.render.sampleRateHz == 48_000, "\(m.file)")
    }
    let consistency = rows(run, "format-consistency"), click = rows(run, "click")
    #expect(consistency.count == 6 && consistency.allSatisfy { $0.status == .pass }, "\(consistency)")
    #expect(click.count == 6 && click.allSatisfy { $0.status == .pass }, "\(click)")
    let csv = String(decoding: fileBytes(tmp.file("Reports/Demo/qa.csv")), as: UTF8.self)
    #expect(!csv.split(separator: "\n").contains { ($0.hasPrefix("format-consistency,") || $0.hasPrefix("click,")) && !$0.contains(",pass,") })
    #expect(snapshot(album) == before)
  }

  @Test("A uniform lossless album (24-bit 48 kHz WAV, quiet ends): the default masters are byte-identical to --format same")
  func uniformAlbumKeepsItsBytes() async throws {
    let tmp = TempFolder("format16-uniform")
    defer { tmp.remove() }
    let album = tmp.file("Uniform")
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    for i in 1...2 {
      try writeAudio(music(seed: UInt64(i), seconds: 4, gainDB: -12 - 4 * Double(i)), channels: 2, sampleRateHz: 48_000,
                     to: album + "/0\(i) t.wav", format: .init(container: .wav, encoding: .pcm24))
    }
    let rule = try await master(album, tmp)
    let tmp2 = TempFolder("format16-uniform-same")
    defer { tmp2.remove() }
    let same = try await master(album, tmp2) { $0.render = OutputFormatChoice.same.applied(to: $0.render) }
    #expect(rule.masters.map(\.master) == ["masters/01 t.wav", "masters/02 t.wav"])
    for m in rule.masters {
      #expect(fileBytes(tmp.file("Reports/Uniform/" + m.master)) == fileBytes(tmp2.file("Reports/Uniform/" + m.master)))
      #expect(!m.render.stages.contains { $0.hasPrefix("fade") })
    }
    #expect(same.masters.count == 2)
  }

  /// MP3 at 44.1 kHz, 16-bit WAV at 44.1 kHz and 24-bit WAV at 48 kHz, all starting and ending at level.
  func mixedAlbum(_ tmp: TempFolder, yaml: String? = nil) throws -> String {
    let dir = tmp.file("Mixed")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let specs: [(String, Int, AudioFileFormat)] = [
      ("01 lossy.mp3", 44_100, .init(container: .mp3, encoding: .mp3)),
      ("02 cd.wav", 44_100, .init(container: .wav, encoding: .pcm16)),
      ("03 hires.wav", 48_000, .init(container: .wav, encoding: .pcm24)),
    ]
    for (i, (name, rate, format)) in specs.enumerated() {
      let x = Signals.whiteNoise(amplitude: 0.3, seconds: 3, sampleRateHz: rate, seed: UInt64(i + 1))
      try writeAudio(x, channels: 2, sampleRateHz: rate, to: (dir as NSString).appendingPathComponent(name), format: format)
    }
    if let yaml { try yaml.write(toFile: (dir as NSString).appendingPathComponent("album.yaml"), atomically: true, encoding: .utf8) }
    return dir
  }

  @Test("A mixed album (mp3 + 16-bit 44.1 kHz WAV + 24-bit 48 kHz WAV): FLAC 24-bit at 48 kHz, consistent; --format same keeps each")
  func mixedAlbumRule() async throws {
    let tmp = TempFolder("format16-mixed")
    defer { tmp.remove() }
    let album = try mixedAlbum(tmp)
    let before = snapshot(album)
    let run = try await master(album, tmp)
    #expect(run.failures.isEmpty)
    #expect(run.masters.map(\.master) == ["masters/01 lossy.flac", "masters/02 cd.flac", "masters/03 hires.flac"])
    for m in run.masters {
      let info = try AudioFileReader(path: tmp.file("Reports/Mixed/" + m.master)).info
      #expect(info.format == AudioFileFormat(container: .flac, encoding: .pcm24) && info.sampleRate == 48_000, "\(m.file)")
    }
    #expect(rows(run, "format-consistency").allSatisfy { $0.status == .pass })
    // Every track started and ended at level: all faded, so click passes.
    #expect(run.masters.allSatisfy { $0.render.stages.contains("fade-in") && $0.render.stages.contains("fade-out") })
    #expect(rows(run, "click").count == 3 && rows(run, "click").allSatisfy { $0.status == .pass })

    let tmp2 = TempFolder("format16-same")
    defer { tmp2.remove() }
    let same = try await master(album, tmp2) { $0.render = OutputFormatChoice.same.applied(to: $0.render) }
    let got = try same.masters.map { m -> String in
      let info = try AudioFileReader(path: tmp2.file("Reports/Mixed/" + m.master)).info
      return "\(info.format.container.rawValue)/\(info.format.encoding.rawValue)/\(info.sampleRate)"
    }
    #expect(got == ["MP3/MPEG_LAYER_III/44100", "WAV/PCM_16/44100", "WAV/PCM_24/48000"])
    #expect(rows(same, "format-consistency").contains { $0.status == .warn })
    #expect(snapshot(album) == before)
  }

  @Test("album.yaml variants get the album's format too: { format: flac } on the mixed album is FLAC 24-bit 48 kHz for every track")
  func variantsFollowTheAlbum() async throws {
    let tmp = TempFolder("format16-variant")
    defer { tmp.remove() }
    let album = try mixedAlbum(tmp, yaml: "outputs:\n  - { format: flac }\n  - { format: wav, bits: 16, sampleRate: 44100 }\n")
    let run = try await master(album, tmp)
    #expect(run.failures.isEmpty)
    for name in ["01 lossy", "02 cd", "03 hires"] {
      let flac = try AudioFileReader(path: tmp.file("Reports/Mixed/masters/flac/\(name).flac")).info
      #expect(flac.format == AudioFileFormat(container: .flac, encoding: .pcm24) && flac.sampleRate == 48_000, "\(name)")
      let wav = try AudioFileReader(path: tmp.file("Reports/Mixed/masters/wav-16-44100/\(name).wav")).info
      #expect(wav.format == AudioFileFormat(container: .wav, encoding: .pcm16) && wav.sampleRate == 44_100, "\(name)")
    }
  }

  @Test("album.yaml fadeMS with a per-track override: the overridden track stays unfaded (and clicks), even under --fade-ms")
  func perTrackFadeOverride() async throws {
    let tmp = TempFolder("format16-override")
    defer { tmp.remove() }
    let album = try mixedAlbum(tmp, yaml: "fadeMS: 20\ntracks:\n  \"02 cd.wav\": { fadeMS: 0 }\n")
    let run = try await master(album, tmp) { $0.render.edits.fadeMS = 3 }
    let byFile = Dictionary(uniqueKeysWithValues: run.masters.map { ($0.file, $0) })
    #expect(byFile["02 cd.wav"]?.render.stages.contains { $0.hasPrefix("fade") } == false)
    #expect(byFile["01 lossy.mp3"]?.render.stages.contains("fade-in") == true)
    let click = Dictionary(uniqueKeysWithValues: rows(run, "click").map { ($0.track ?? "", $0.status) })
    #expect(click["02 cd.flac"] == .warn && click["01 lossy.flac"] == .pass && click["03 hires.flac"] == .pass, "\(click)")

    // The precedence: the track's entry, then the flag, then album.yaml, then the default.
    var options = MasterOptions()
    options.config = try AlbumConfig.parse("fadeMS: 20\ntrimEndMS: 700\ntracks:\n  \"a.wav\": { fadeMS: 0 }\n", path: "album.yaml")
    options.render.edits.fadeMS = 3
    #expect(options.renderSettings(for: "a.wav", album: options.render).edits.fadeMS == 0)
    #expect(options.renderSettings(for: "b.wav", album: options.render).edits.fadeMS == 3)
    #expect(options.renderSettings(for: "b.wav", album: options.render).edits.trimEndMS == 700)
    options.render.edits.fadeMS = nil
    #expect(options.renderSettings(for: "b.wav", album: options.render).edits.fadeMS == 20)
  }

  @Test("A trim through the verified pipeline (the measuring passes replay trimmed frames): the master is shorter and its stages name the trim")
  func trimReportedWhenReplayed() async throws {
    let tmp = TempFolder("format16-trim")
    defer { tmp.remove() }
    let album = tmp.file("Trim")
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    let rateHz = 48_000, silentFrames = 2 * rateHz
    let x = [Float](repeating: 0, count: silentFrames * 2) + music(seed: 7, seconds: 6, gainDB: -12)
    try writeAudio(x, channels: 2, sampleRateHz: rateHz, to: (album as NSString).appendingPathComponent("01 intro.wav"),
                   format: .init(container: .wav, encoding: .pcm24))
    // A loud target makes the limiter work, so measuring passes run and the render replays their frames.
    let run = try await master(album, tmp) {
      $0.render.edits.trimStartMS = 100
      $0.matching.loudness = .track
      $0.matching.targetLUFS = -9
    }
    let m = try #require(run.masters.first)
    #expect(m.render.stages.contains("trim"), "\(m.render.stages)")
    // The silence before the first frame at -60 dBFS or more (2 s and the music's quiet start) cut to 0.1 s.
    let floor = Float(pow(10, -60.0 / 20))
    let firstLoud = try #require((0..<(x.count / 2)).first { max(abs(x[2 * $0]), abs(x[2 * $0 + 1])) >= floor })
    #expect(firstLoud >= silentFrames)
    #expect(m.render.frames == Int64(x.count / 2 - (firstLoud - rateHz / 10)), "\(m.render.frames)")
    #expect(m.attempts > 1)
  }

  @Test("album.yaml edit keys: ranges checked at their line; unknown per-track keys list the edits")
  func configKeys() throws {
    let ok = try AlbumConfig.parse("fadeMS: 8\ntrimStartMS: 250\ntracks:\n  \"a.wav\": { trimEndMS: 1500, fadeMS: 0 }\n", path: "album.yaml")
    #expect(ok.edits.fadeMS == 8 && ok.edits.trimStartMS == 250 && ok.edits.trimEndMS == nil)
    #expect(ok.tracks["a.wav"]?.edits.trimEndMS == 1500 && ok.tracks["a.wav"]?.edits.fadeMS == 0)
    func message(_ text: String) -> String {
      do {
        _ = try AlbumConfig.parse(text, path: "album.yaml")
        return "parsed"
      } catch { return error.description }
    }
    #expect(message("eqAmount: 1\nfadeMS: 5000\n") == "album.yaml:2: fadeMS: expected a number from 0 to 1000, found '5000'")
    #expect(message("tracks:\n  \"a.wav\": { trimStartMS: -3 }\n").hasPrefix("album.yaml:2: tracks.a.wav.trimStartMS: expected a number from 0 to 600000"))
    #expect(message("tracks:\n  \"a.wav\": { fade: 3 }\n").contains("fadeMS, trimStartMS, trimEndMS, title"))
  }
}
