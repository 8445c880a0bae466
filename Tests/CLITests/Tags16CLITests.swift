import AudioIO
import Foundation
import Testing
import TestSupport

/// Loudness tags and identifiers (issue 16, item 6) read back by independent tools: python3-mutagen for the tags,
/// ffmpeg's ebur128 filter for the loudness they must agree with, and a RIFF parser for the BWF `bext` chunk.
@Suite(.serialized) struct Tags16CLITests {
  static let yaml = """
    release:
      title: Night Drive
      artist: The Examples
      upc: "012345678905"
      credits: [Mastered by A. Engineer, Artwork by B. Designer]
    tracks:
      "01 intro.wav": { title: Intro, isrc: GB-XYZ-26-00001 }
      "02 song.wav": { title: Song, artist: A Guest, isrc: GBXYZ2600002 }
    outputs:
      - { format: flac }
      - { format: ogg }
      - { format: mp3 }
      - { format: opus, sampleRate: 48000 }

    """

  /// Two 24-bit WAV tracks of different loudness, with the album.yaml above.
  static func album(_ root: TempFolder) throws -> String {
    let dir = root.file("Album")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for (i, (name, gainDB)) in [("01 intro.wav", -14.0), ("02 song.wav", -6.0)].enumerated() {
      try writeAudio(
        music(seed: UInt64(160 + i), seconds: 6, rate: 48_000, gainDB: gainDB), channels: 2, sampleRateHz: 48_000,
        to: (dir as NSString).appendingPathComponent(name), format: .init(container: .wav, encoding: .pcm24))
    }
    try yaml.write(toFile: (dir as NSString).appendingPathComponent("album.yaml"), atomically: true, encoding: .utf8)
    return dir
  }

  /// Prints, for each file: its tags (mutagen, keys lower-cased, ID3 frames by their names), its `bext`
  /// loudness fields, and ffmpeg's ebur128 integrated loudness and true peak; then the loudness of all files
  /// played in a row (the album).
  static let probe = #"""
    import json, struct, subprocess, sys
    import mutagen

    def tags(path):
        f = mutagen.File(path)
        out = {}
        for k, v in (f.tags.items() if f is not None and f.tags is not None else []):
            vals = v.text if hasattr(v, "text") else (v if isinstance(v, list) else [v])
            out[k.lower() if ":" not in k else k] = [str(x) for x in vals]
        return out

    def bext(path):
        d = open(path, "rb").read()
        if d[:4] != b"RIFF":
            return None
        i = 12
        while i + 8 <= len(d):
            cid, n = d[i:i + 4], struct.unpack("<I", d[i + 4:i + 8])[0]
            if cid == b"bext":
                b = d[i + 8:i + 8 + n]
                return [struct.unpack("<h", b[346:348])[0]] + list(struct.unpack("<5h", b[412:422]))
            i += 8 + n + (n & 1)
        return None

    def ebur128(paths):
        args = ["ffmpeg", "-nostats", "-hide_banner"]
        for p in paths:
            args += ["-i", p]
        chain = "ebur128=metadata=1:peak=true,ametadata=mode=print:file=-"
        if len(paths) == 1:
            args += ["-af", chain]
        else:
            ins = "".join("[%d:a]" % i for i in range(len(paths)))
            args += ["-filter_complex", ins + "concat=n=%d:v=0:a=1," % len(paths) + chain]
        text = subprocess.run(args + ["-f", "null", "-"], capture_output=True, text=True, check=True).stdout
        lufs, peak = None, 0.0
        for line in text.splitlines():
            if line.startswith("lavfi.r128.I="):
                lufs = float(line.split("=")[1])
            if line.startswith("lavfi.r128.true_peak="):
                peak = max(peak, float(line.split("=")[1]))
        return lufs, peak

    files = sys.argv[1:]
    result = {"files": {}, "album": ebur128(files)[0]}
    for p in files:
        lufs, peak = ebur128([p])
        result["files"][p] = {"tags": tags(p), "bext": bext(p), "lufs": lufs, "truePeak": peak}
    print(json.dumps(result))
    """#

  struct Probed {
    var tags: [String: [String]]
    var bext: [Int]?
    var lufs: Double
    var truePeak: Double
  }

  /// Runs `probe` over `paths` (one album set): each file's readings and the album's loudness.
  static func probeFiles(_ paths: [String]) throws -> (files: [String: Probed], albumLUFS: Double) {
    let run = try ProcessRun(["-c", probe] + paths, executable: "/usr/bin/python3")
    let out = run.wait(timeoutSeconds: 120)
    #expect(out.status == 0, "probe failed: \(out.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
    var files: [String: Probed] = [:]
    for (path, v) in try #require(json["files"] as? [String: [String: Any]]) {
      files[path] = Probed(
        tags: (v["tags"] as? [String: [String]]) ?? [:], bext: v["bext"] as? [Int], lufs: (v["lufs"] as? Double) ?? .nan,
        truePeak: (v["truePeak"] as? Double) ?? .nan)
    }
    return (files, (json["album"] as? Double) ?? .nan)
  }

  /// "-4.52 dB" → -4.52, checking the RG2 format.
  static func gainDB(_ text: String?) -> Double? {
    guard let text, text.wholeMatch(of: /-?\d+\.\d\d dB/) != nil else { return nil }
    return Double(text.dropLast(3))
  }

  /// "0.891251" → 0.891251, checking six decimals.
  static func peak(_ text: String?) -> Double? {
    guard let text, text.wholeMatch(of: /\d\.\d{6}/) != nil else { return nil }
    return Double(text)
  }

  @Test func everyFormatCarriesItsLoudnessTagsAndIdentifiers() throws {
    let root = TempFolder("tags16")
    defer { root.remove() }
    let album = try Self.album(root)
    let before = snapshot(album)
    let reports = root.file("reports")
    let r = try runCLI(["master", album, "--reports", reports])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(snapshot(album) == before)
    let masters = (reports as NSString).appendingPathComponent("Album/masters")
    #expect(hiddenTempFiles(masters).isEmpty)
    let names = ["01 intro", "02 song"]
    for (folder, ext) in [("", "wav"), ("flac", "flac"), ("ogg", "ogg"), ("mp3", "mp3"), ("opus-48000", "ogg")] {
      let paths = names.map { ((masters as NSString).appendingPathComponent(folder) as NSString).appendingPathComponent("\($0).\(ext)") }
      let (files, albumLUFS) = try Self.probeFiles(paths)
      for (i, path) in paths.enumerated() {
        let p = try #require(files[path], "\(path) not probed")
        try Self.checkIdentity(p, track: i, format: folder.isEmpty ? "wav" : folder)
        switch folder {
        case "": Self.checkBroadcast(p, path: path)
        case "opus-48000": try Self.checkR128(p, albumLUFS: albumLUFS, path: path)
        default: try Self.checkReplayGain(p, albumLUFS: albumLUFS, path: path)
        }
      }
    }
  }

  /// ISRC, UPC/EAN, title, artists, album and credits from album.yaml, in the format's own tag names.
  static func checkIdentity(_ p: Probed, track: Int, format: String) throws {
    let id3 = format == "wav" || format == "mp3"
    func value(_ vorbis: String, _ frame: String) -> String? { (id3 ? p.tags[frame] : p.tags[vorbis])?.first }
    #expect(value("isrc", "tsrc") == ["GBXYZ2600001", "GBXYZ2600002"][track], "\(format) ISRC")
    #expect(value("barcode", "TXXX:BARCODE") == "0012345678905", "\(format) BARCODE")
    #expect(value("title", "tit2") == ["Intro", "Song"][track], "\(format) TITLE")
    #expect(value("artist", "tpe1") == ["The Examples", "A Guest"][track], "\(format) ARTIST")
    #expect(value("albumartist", "tpe2") == "The Examples", "\(format) ALBUMARTIST")
    #expect(value("album", "talb") == "Night Drive", "\(format) ALBUM")
    let comment = id3 ? p.tags.first { $0.key.hasPrefix("COMM") }?.value.first : p.tags["comment"]?.first
    #expect(comment == "Mastered by A. Engineer; Artwork by B. Designer", "\(format) COMMENT")
  }

  /// ReplayGain 2.0: gains from -18 LUFS within 0.1 dB of ffmpeg's loudness, peaks linear true peaks.
  static func checkReplayGain(_ p: Probed, albumLUFS: Double, path: String) throws {
    let id3 = path.hasSuffix(".mp3")
    func tag(_ key: String) -> String? { (id3 ? p.tags["TXXX:\(key)"] : p.tags[key.lowercased()])?.first }
    let track = try #require(Self.gainDB(tag("REPLAYGAIN_TRACK_GAIN")), "\(path): \(p.tags)")
    let album = try #require(Self.gainDB(tag("REPLAYGAIN_ALBUM_GAIN")), "\(path): \(p.tags)")
    let trackPeak = try #require(Self.peak(tag("REPLAYGAIN_TRACK_PEAK")), "\(path): \(p.tags)")
    let albumPeak = try #require(Self.peak(tag("REPLAYGAIN_ALBUM_PEAK")), "\(path): \(p.tags)")
    #expect(abs(track - (-18 - p.lufs)) <= 0.1, "\(path): track gain \(track) dB, ffmpeg I \(p.lufs) LUFS")
    #expect(abs(album - (-18 - albumLUFS)) <= 0.1, "\(path): album gain \(album) dB, ffmpeg album I \(albumLUFS) LUFS")
    // ffmpeg's 4× true peak with three decimals; the tags' is the tool's, within 0.5 dB of it.
    #expect(abs(20 * log10(trackPeak / p.truePeak)) <= 0.5, "\(path): peak \(trackPeak), ffmpeg \(p.truePeak)")
    #expect(albumPeak >= trackPeak)
    #expect(p.tags.keys.allSatisfy { !$0.lowercased().contains("r128") })
  }

  /// Opus: R128 gains in Q7.8 from -23 LUFS (RFC 7845), and no ReplayGain tags.
  static func checkR128(_ p: Probed, albumLUFS: Double, path: String) throws {
    let track = try #require(p.tags["r128_track_gain"]?.first.flatMap { Int($0) }, "\(path): \(p.tags)")
    let album = try #require(p.tags["r128_album_gain"]?.first.flatMap { Int($0) }, "\(path): \(p.tags)")
    #expect(abs(Double(track) / 256 - (-23 - p.lufs)) <= 0.1, "\(path): R128 track \(track), ffmpeg I \(p.lufs)")
    #expect(abs(Double(album) / 256 - (-23 - albumLUFS)) <= 0.1, "\(path): R128 album \(album), ffmpeg album I \(albumLUFS)")
    #expect(p.tags.keys.allSatisfy { !$0.lowercased().contains("replaygain") }, "\(path): \(p.tags.keys)")
  }

  /// BWF: a version-2 `bext` chunk whose loudness fields are hundredths of the master's measurements.
  static func checkBroadcast(_ p: Probed, path: String) {
    guard let b = p.bext, b.count == 6 else {
      Issue.record("\(path): no bext chunk")
      return
    }
    #expect(b[0] == 2, "\(path): bext version \(b[0])")
    #expect(abs(Double(b[1]) / 100 - p.lufs) <= 0.1, "\(path): LoudnessValue \(b[1]), ffmpeg I \(p.lufs)")
    #expect(abs(Double(b[3]) / 100 - 20 * log10(p.truePeak)) <= 0.5, "\(path): MaxTruePeakLevel \(b[3])")
    #expect(b[2] >= 0 && b[2] != 0x7FFF, "\(path): LoudnessRange \(b[2])")
    #expect(b[4] >= b[1] && b[4] != 0x7FFF, "\(path): MaxMomentaryLoudness \(b[4]) under the integrated \(b[1])")
    #expect(b[5] >= b[1] && b[5] != 0x7FFF, "\(path): MaxShortTermLoudness \(b[5]) under the integrated \(b[1])")
  }

  /// Same inputs, same bytes: two fresh runs give identical tagged masters, and a re-run over a finished run
  /// rewrites nothing. (Ogg masters are left out of the first comparison: libsndfile gives each Ogg stream a
  /// random serial number, tags or not.)
  @Test func taggedMastersAreDeterministic() throws {
    let root = TempFolder("tags16-det")
    defer { root.remove() }
    let album = try Self.album(root)
    let a = root.file("a"), b = root.file("b")
    #expect(try runCLI(["master", album, "--reports", a]).status == 0)
    #expect(try runCLI(["master", album, "--reports", b]).status == 0)
    let first = snapshot((a as NSString).appendingPathComponent("Album/masters"))
    let second = snapshot((b as NSString).appendingPathComponent("Album/masters"))
    let compared = first.keys.filter { $0.hasSuffix(".wav") || $0.hasSuffix(".flac") || $0.hasSuffix(".mp3") }
    #expect(compared.count == 6)
    for name in compared { #expect(first[name] == second[name], "\(name) differs between runs") }
    #expect(try runCLI(["master", album, "--reports", a]).status == 0)
    #expect(snapshot((a as NSString).appendingPathComponent("Album/masters")) == first, "a re-run rewrote a master")
  }

  /// `--no-tags` writes neither gains nor album.yaml's identifiers.
  @Test func noTagsWritesNone() throws {
    let root = TempFolder("tags16-none")
    defer { root.remove() }
    let album = try Self.album(root)
    let reports = root.file("reports")
    #expect(try runCLI(["master", album, "--reports", reports, "--no-tags"]).status == 0)
    let flac = (reports as NSString).appendingPathComponent("Album/masters/flac/01 intro.flac")
    let (files, _) = try Self.probeFiles([flac])
    let tags = try #require(files[flac]).tags
    #expect(tags["replaygain_track_gain"] == nil && tags["isrc"] == nil && tags["barcode"] == nil, "\(tags)")
  }
}
