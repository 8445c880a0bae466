import AudioIO
import Foundation
import Testing
import TestSupport

/// `master --cd` / `{ cd: true }` end to end, checked with real tools: cdrdao accepts the TOC, cuetools reads the
/// CUE's breakpoints, and the image split at them gives every 16-bit 44.1 kHz master back sample for sample.
@Suite struct CD16ImageCLITests {
  static let yaml = """
    release:
      title: Night Drive
      artist: The Examples
      upc: "012345678905"
      cdGapSeconds: 1.6
    tracks:
      "01 a.wav": { title: Opening, isrc: GB-XYZ-26-00001 }
      "02 b.wav": { title: Second, artist: Guest, isrc: GBXYZ2600002, cdGapSeconds: 0 }
      "03 c.wav": { isrc: GBXYZ2600003 }
    outputs:
      - { cd: true }
    """

  /// Tracks of `seconds` each (48 kHz, 24-bit: the CD masters are resampled and dithered), with `yaml`.
  static func cd16Album(_ root: TempFolder, seconds: [Double], yaml: String?) throws -> String {
    let dir = root.file("Album")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for (i, s) in seconds.enumerated() {
      let name = "0\(i + 1) \(["a", "b", "c", "d"][i]).wav"
      _ = try writeAudio(
        music(seed: UInt64(40 + i), seconds: s), channels: 2, sampleRateHz: 48_000,
        to: (dir as NSString).appendingPathComponent(name), format: .init(container: .wav, encoding: .pcm24))
    }
    if let yaml { try yaml.write(toFile: (dir as NSString).appendingPathComponent("album.yaml"), atomically: true, encoding: .utf8) }
    return dir
  }

  /// A shell command run in `dir` (cdrdao reads the TOC's files from the current folder).
  static func cd16Tool(_ command: String, in dir: String) throws -> ProcessOutcome {
    try ProcessRun(["-c", "cd \"$0\" && \(command)", dir], executable: "/bin/sh").wait(timeoutSeconds: 120)
  }

  static func cd16Samples(_ path: String) throws -> (samples: [Float], channels: Int) {
    var r = try AudioFileReader(path: path)
    let channels = r.info.channels
    let buf = UnsafeMutableBufferPointer<Float>.allocate(capacity: 44_100 * channels)
    defer { buf.deallocate() }
    var out: [Float] = []
    while true {
      let n = try r.read(into: buf, maxFrames: 44_100)
      if n == 0 { break }
      out += buf.prefix(n * channels)
    }
    return (out, channels)
  }

  /// `MM:SS:FF` (CUE) or `M:SS.FF` (cuebreakpoints) in CD frames.
  static func cd16Frames(_ text: Substring) -> Int? {
    let parts = text.split(whereSeparator: { $0 == ":" || $0 == "." }).compactMap { Int($0) }
    guard parts.count == 3 else { return nil }
    return (parts[0] * 60 + parts[1]) * 75 + parts[2]
  }

  /// Checks the CD folder of a run against the masters in `<masters>/wav-16-44100/` (album order `names`):
  /// cdrdao accepts the TOC, cuebreakpoints gives every track's INDEX 01 after the first, and each piece of the
  /// image cut there is silence up to the track's INDEX 01, then its master exactly, then silence (its padding to
  /// a whole frame and the next track's gap).
  /// - Returns: cdrdao's output.
  @discardableResult
  static func cd16CheckSplit(masters: String, names: [String]) throws -> String {
    let cd = (masters as NSString).appendingPathComponent("cd")
    let show = try cd16Tool("cdrdao show-toc image.toc", in: cd)
    #expect(show.status == 0, "cdrdao: \(show.stderr)")
    let cue = try String(contentsOfFile: cd + "/image.cue", encoding: .utf8)
    let index01 = cue.split(separator: "\n").filter { $0.contains("INDEX 01") }.compactMap { cd16Frames($0.split(separator: " ").last ?? "") }
    #expect(index01.count == names.count)
    let breaks = try cd16Tool("cuebreakpoints image.cue", in: cd)
    #expect(breaks.status == 0, "cuebreakpoints: \(breaks.stderr)")
    let points = breaks.stdout.split(separator: "\n").compactMap(cd16Frames)
    #expect(points == Array(index01.dropFirst()), "breakpoints \(breaks.stdout) vs INDEX 01 \(index01)")
    let image = try cd16Samples(cd + "/image.wav")
    #expect(image.channels == 2 && image.samples.count % (588 * 2) == 0)
    let cuts = [0] + points.map { $0 * 588 * 2 } + [image.samples.count]
    for (i, name) in names.enumerated() where i + 1 < cuts.count && i < index01.count {
      let piece = image.samples[cuts[i]..<cuts[i + 1]]
      let master = try cd16Samples((masters as NSString).appendingPathComponent("wav-16-44100/" + name))
      #expect(master.channels == 2)
      let start = index01[i] * 588 * 2
      let end = start + master.samples.count
      #expect(start >= cuts[i] && end <= cuts[i + 1], "\(name) lies outside its piece")
      guard start >= cuts[i], end <= cuts[i + 1] else { continue }
      #expect(piece[cuts[i]..<start].allSatisfy { $0 == 0 }, "\(name): sound before INDEX 01")
      #expect(Array(image.samples[start..<end]) == master.samples, "\(name) differs from its 16-bit master")
      #expect(image.samples[end..<cuts[i + 1]].allSatisfy { $0 == 0 }, "\(name): sound after its end")
      // Padding: less than one frame; the rest is the next track's gap, as the CUE says.
      let after = (cuts[i + 1] - end) / 2
      let pad = (588 - master.samples.count / 2 % 588) % 588
      #expect(after >= pad && (after - pad) % 588 == 0)
    }
    return show.stdout + show.stderr
  }

  static func cd16QA(_ reportFolder: String) throws -> [[String: Any]] {
    let data = fileBytes((reportFolder as NSString).appendingPathComponent("analysis.json"))
    let doc = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    return (doc?["qa"] as? [String: Any])?["findings"] as? [[String: Any]] ?? []
  }

  @Test func imageSplitsBackIntoTheMasters() throws {
    let root = TempFolder("cd16")
    defer { root.remove() }
    let album = try Self.cd16Album(root, seconds: [5, 6.3, 4.5], yaml: Self.yaml)
    let before = snapshot(album)
    let reports = root.file("Reports")
    let r = try runCLI(["master", album, "--reports", reports, "-q"], timeoutSeconds: 300)
    #expect(r?.status == 0, "\(r?.stderr ?? "")")
    let masters = reports + "/Album/masters"
    let names = ["01 a.wav", "02 b.wav", "03 c.wav"]
    let shown = try Self.cd16CheckSplit(masters: masters, names: names)
    // cdrdao read back the catalog and the ISRCs (show-toc does not print CD-Text: its blocks are checked below).
    for s in ["CATALOG NUMBER: 0012345678905", "ISRC GB XYZ 26 00001", "ISRC GB XYZ 26 00002", "ISRC GB XYZ 26 00003"] {
      #expect(shown.contains(s), "cdrdao show-toc lacks \(s)")
    }
    let cue = try String(contentsOfFile: masters + "/cd/image.cue", encoding: .utf8)
    for s in ["CATALOG 0012345678905", "ISRC GBXYZ2600002", "TITLE \"Opening\"", "TITLE \"03 c\"", "PERFORMER \"The Examples\"", "INDEX 00 "] {
      #expect(cue.contains(s), "the CUE lacks \(s)")
    }
    // Track 2's gap is 0 (no INDEX 00), track 3's 1.6 s = 120 frames.
    #expect(cue.components(separatedBy: "INDEX 00").count == 3)
    let toc = try String(contentsOfFile: masters + "/cd/image.toc", encoding: .utf8)
    #expect(toc.contains("PREGAP 00:02:00") && toc.contains("START 00:01:45") && toc.contains("LANGUAGE_MAP"))
    for s in ["CATALOG \"0012345678905\"", "ISRC \"GBXYZ2600002\"", "    TITLE \"Night Drive\"", "    PERFORMER \"Guest\"", "    TITLE \"Opening\""] {
      #expect(toc.contains(s), "the TOC lacks \(s)")
    }
    #expect(toc.components(separatedBy: "CD_TEXT {").count == 5)  // the disc's and 3 tracks'
    let rows = try Self.cd16QA(reports + "/Album")
    for check in ["cd-track-count", "cd-total-length", "cd-image"] {
      #expect(rows.first { $0["check"] as? String == check }?["status"] as? String == "pass", "\(check)")
    }
    #expect(rows.filter { $0["check"] as? String == "cd-track-length" && $0["status"] as? String == "pass" }.count == 3)
    #expect(snapshot(album) == before)
    #expect(hiddenTempFiles(reports).isEmpty)
    // Deterministic: a second run from scratch writes the same bytes.
    let again = root.file("Again")
    let r2 = try runCLI(["master", album, "--reports", again, "-q", "--force"], timeoutSeconds: 300)
    #expect(r2?.status == 0)
    for f in ["image.wav", "image.cue", "image.toc"] {
      #expect(fileBytes(masters + "/cd/" + f) == fileBytes(again + "/Album/masters/cd/" + f), "\(f) differs run to run")
    }
  }

  @Test func aThreeSecondTrackFailsTheRedBookCheck() throws {
    let root = TempFolder("cd16-short")
    defer { root.remove() }
    let album = try Self.cd16Album(root, seconds: [5, 3], yaml: nil)
    let reports = root.file("Reports")
    let r = try runCLI(["master", album, "--cd", "--reports", reports], timeoutSeconds: 300)
    #expect(r?.status == 1)
    #expect(r?.stdout.contains("FAIL  cd-track-length  02 b.wav: 3.00 s (limit ≥ 4.00 s)") == true, "\(r?.stdout ?? "")")
    let rows = try Self.cd16QA(reports + "/Album")
    let short = rows.first { $0["check"] as? String == "cd-track-length" && $0["track"] as? String == "02 b.wav" }
    #expect(short?["status"] as? String == "fail")
    #expect(rows.first { $0["check"] as? String == "cd-track-length" && $0["track"] as? String == "01 a.wav" }?["status"] as? String == "pass")
    #expect(hiddenTempFiles(reports).isEmpty)
  }

  @Test func demoAlbumImagePassesCdrdaoAndSplitsExactly() throws {
    let root = TempFolder("cd16-demo")
    defer { root.remove() }
    let album = root.file("Demo")
    let made = try runCLI(["demo", album], timeoutSeconds: 300)
    #expect(made?.status == 0)
    let names = try FileManager.default.contentsOfDirectory(atPath: album).filter { !$0.hasPrefix(".") && $0 != "album.yaml" }.sorted()
    let reports = root.file("Reports")
    // First without a CD, then with one: the cached masters get their 16-bit 44.1 kHz variant then.
    let first = try runCLI(["master", album, "--reports", reports, "-q"], timeoutSeconds: 300)
    #expect(first?.status == 0)
    let masters = reports + "/Demo/masters"
    #expect(!FileManager.default.fileExists(atPath: masters + "/cd"))
    let r = try runCLI(["master", album, "--cd", "--reports", reports, "-q"], timeoutSeconds: 300)
    #expect(r?.status == 0, "\(r?.stderr ?? "")")
    let wavs = names.map { (($0 as NSString).deletingPathExtension as NSString).appendingPathExtension("wav") ?? $0 }
    try Self.cd16CheckSplit(masters: masters, names: wavs)
    #expect(hiddenTempFiles(reports).isEmpty)
  }

  @Test func aMonoMasterFillsBothChannels() throws {
    let root = TempFolder("cd16-mono")
    defer { root.remove() }
    let album = root.file("Album")
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    let stereo = music(seed: 50, seconds: 4.5, rate: 44_100)
    let mono = stride(from: 0, to: stereo.count, by: 2).map { stereo[$0] }
    _ = try writeAudio(mono, channels: 1, sampleRateHz: 44_100, to: album + "/01 mono.wav", format: .init(container: .wav, encoding: .pcm24))
    let reports = root.file("Reports")
    let r = try runCLI(["master", album, "--cd", "--reports", reports, "-q"], timeoutSeconds: 300)
    #expect(r?.status == 0, "\(r?.stderr ?? "")")
    let masters = reports + "/Album/masters"
    let master = try Self.cd16Samples(masters + "/wav-16-44100/01 mono.wav")
    let image = try Self.cd16Samples(masters + "/cd/image.wav")
    #expect(master.channels == 1 && image.channels == 2)
    let start = 150 * 588 * 2
    #expect(image.samples.count == start + (master.samples.count + 587) / 588 * 588 * 2)
    #expect(stride(from: 0, to: master.samples.count, by: 1).allSatisfy {
      image.samples[start + 2 * $0] == master.samples[$0] && image.samples[start + 2 * $0 + 1] == master.samples[$0]
    })
    #expect(try Self.cd16Tool("cdrdao show-toc image.toc", in: masters + "/cd").status == 0)
  }

  @Test func theCDFolderNeverLandsInsideTheAlbum() throws {
    let root = TempFolder("cd16-guard")
    defer { root.remove() }
    let album = try Self.cd16Album(root, seconds: [4.5], yaml: nil)
    let before = snapshot(album)
    // The CD folder, or one of its files, is a link into the album.
    let folder = root.file("R1")
    try FileManager.default.createDirectory(atPath: folder + "/Album/masters", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: folder + "/Album/masters/cd", withDestinationPath: album)
    let r1 = try runCLI(["master", album, "--cd", "--reports", folder, "-q"], timeoutSeconds: 300)
    #expect(r1?.status == 2)
    #expect(r1?.stderr.contains("masters/cd: the CD image folder lies inside the input album") == true, "\(r1?.stderr ?? "")")
    let file = root.file("R2")
    try FileManager.default.createDirectory(atPath: file + "/Album/masters/cd", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: file + "/Album/masters/cd/image.wav", withDestinationPath: album + "/01 a.wav")
    let r2 = try runCLI(["master", album, "--cd", "--reports", file, "-q"], timeoutSeconds: 300)
    #expect(r2?.status == 2)
    #expect(r2?.stderr.contains("cd/image.wav: the CD image lies inside the input album") == true, "\(r2?.stderr ?? "")")
    #expect(snapshot(album) == before)
    #expect(hiddenTempFiles(root.path).isEmpty)
  }

  @Test func aTrackWithoutAMasterLeavesNoImage() throws {
    let root = TempFolder("cd16-missing")
    defer { root.remove() }
    let album = try Self.cd16Album(root, seconds: [4.5, 4.5], yaml: nil)
    let reports = root.file("Reports")
    let first = try runCLI(["master", album, "--cd", "--reports", reports, "-q"], timeoutSeconds: 300)
    #expect(first?.status == 0)
    let cd = reports + "/Album/masters/cd"
    #expect(FileManager.default.fileExists(atPath: cd + "/image.wav"))
    // A third track that cannot be read: no master, so no image (the earlier one is removed, not left to pass
    // for this run's).
    try Data("not audio".utf8).write(to: URL(fileURLWithPath: album + "/03 c.wav"))
    let r = try runCLI(["master", album, "--cd", "--reports", reports, "-q"], timeoutSeconds: 300)
    #expect(r?.status == 2)
    for f in ["image.wav", "image.cue", "image.toc"] { #expect(!FileManager.default.fileExists(atPath: cd + "/" + f), "\(f) left") }
    let row = try Self.cd16QA(reports + "/Album").first { $0["check"] as? String == "cd-image" }
    #expect(row?["status"] as? String == "fail")
    #expect(row?["value"] as? String == "not written: 03 c.wav has no master")
    #expect(hiddenTempFiles(reports).isEmpty)
  }
}
