import Foundation
import Testing
import TestSupport

/// The report in a real browser: headless Chromium from the distribution (`make test` installs it).
@Suite struct BrowserTests {
  /// Names Chromium goes by: Debian's package, other distributions' and Google's build.
  static let chromiumNames = ["chromium", "chromium-browser", "google-chrome"]

  /// The first of `chromiumNames` found executable on PATH, or nil.
  static func findChromium() -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for name in chromiumNames {
      for dir in path.split(separator: ":") where !dir.isEmpty {
        let candidate = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      }
    }
    return nil
  }
  /// Chromium's path; no browser is a failure, not a skip: the report's rendering would go untested.
  static func requiredChromium() throws -> String {
    try #require(
      findChromium(),
      "headless Chromium is needed and none of \(chromiumNames.joined(separator: ", ")) is on PATH: apt-get install chromium (make test installs it)")
  }

  static let quietFlags = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--disable-sync",
    "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
    "--disable-domain-reliability", "--disable-breakpad", "--disable-features=Translate,MediaRouter,SpellCheck",
  ]

  /// Runs Chromium (or python3) and kills it after two minutes: a browser that hangs fails the test.
  static func run(_ exe: String, _ args: [String]) throws -> ProcessOutcome {
    try ProcessRun(args, executable: exe).wait(timeoutSeconds: 120)
  }

  /// URLs that the page (not the browser itself) asked the network for: NetLog request starts whose initiator
  /// is an origin (file pages are the opaque origin "null"); the browser's own update and account clients have none.
  static func pageRequests(netLog path: String) throws -> [String] {
    let json = try #require(try JSONSerialization.jsonObject(with: fileBytes(path)) as? [String: Any])
    let constants = try #require(json["constants"] as? [String: Any])
    let types = try #require(constants["logEventTypes"] as? [String: Int])
    let start = try #require(types["URL_REQUEST_START_JOB"])
    let events = try #require(json["events"] as? [[String: Any]])
    return events.compactMap { e in
      guard e["type"] as? Int == start, let p = e["params"] as? [String: Any], let url = p["url"] as? String,
        let initiator = p["initiator"] as? String, initiator != "not an origin"
      else { return nil }
      return url
    }
  }

  /// Distinct byte values in a PNG's decompressed image data: a blank page has a handful.
  static func pngVariety(_ path: String) throws -> Int {
    let script = """
      import sys, zlib, struct
      d = open(sys.argv[1], 'rb').read(); i = 8; idat = b''
      while i < len(d):
          n, t = struct.unpack('>I4s', d[i:i+8]); idat += d[i+8:i+8+n] if t == b'IDAT' else b''; i += 12 + n
      print(len(set(zlib.decompress(idat))))
      """
    let r = try run("/usr/bin/env", ["python3", "-c", script, path])
    return Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
  }

  @Test("The report renders, runs without console errors, keeps a hostile file name as text, makes no network request, and its A/B players load at matched loudness")
  func reportInChromium() throws {
    let chromium = try Self.requiredChromium()
    let root = TempFolder("browser")
    defer { root.remove() }
    let album = root.file("Album")
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    let hostile = CLITests.hostileName
    for (name, seed) in [(hostile, 1), ("02 plain.wav", 2)] {
      try writeAudio(music(seed: UInt64(seed), seconds: 6, gainDB: seed == 1 ? -4 : -12), channels: 2, sampleRateHz: 48_000,
                     to: (album as NSString).appendingPathComponent(name), format: .init(container: .wav, encoding: .pcm24))
    }
    let m = try runCLI(["master", album, "--reports", root.file("R"), "--quiet", "--preset", "spotify"])
    #expect(m.status == 0 || m.status == 1, "\(m.stderr)")
    let page = "file://" + root.file("R/Album/index.html")
    let html = String(decoding: fileBytes(root.file("R/Album/index.html")), as: UTF8.self)
    // The policy (its quotes HTML-escaped in the attribute) allows the inline script only by its hash; the
    // script's marks in the DOM below prove the hash right.
    #expect(html.contains("Content-Security-Policy") && html.contains("script-src &#39;sha256-") && !html.contains("unsafe-eval"))

    // The detector can see a page's request: a control page without CSP that fetches from loopback.
    try "<html><body><img src=\"http://127.0.0.1:9/x.png\"></body></html>".write(toFile: root.file("control.html"), atomically: true, encoding: .utf8)
    _ = try Self.run(chromium, Self.quietFlags + ["--virtual-time-budget=3000", "--dump-dom", "--log-net-log=\(root.file("control.json"))", "file://" + root.file("control.html")])
    #expect(try Self.pageRequests(netLog: root.file("control.json")).contains { $0.hasPrefix("http://127.0.0.1:9/") })

    let r = try Self.run(chromium, Self.quietFlags + [
      "--virtual-time-budget=10000", "--dump-dom", "--enable-logging=stderr", "--v=0",
      "--log-net-log=\(root.file("net.json"))", page,
    ])
    #expect(r.status == 0)
    let dom = r.stdout
    // Rendered and scripted.
    #expect(dom.contains("id=\"tracks\"") && dom.contains("<svg"))
    // No console output at all (errors, CSP violations, exceptions are logged as CONSOLE lines).
    #expect(!r.stderr.contains("CONSOLE"), "\(r.stderr.split(separator: "\n").filter { $0.contains("CONSOLE") })")
    // The hostile name is text: escaped in the DOM, and it made no element.
    #expect(dom.contains("&lt;img src=x onerror=alert(1)&gt; \"quotes\" &amp; ünïcödé.wav"))
    #expect(dom.contains("data-images=\"0\""))
    #expect(!dom.contains("<img"))
    // No request left for the network.
    #expect(try Self.pageRequests(netLog: root.file("net.json")).isEmpty)
    // A/B: every audio element resolved its source, none failed, and the matched gains come from the data.
    let audios = dom.components(separatedBy: "<audio").dropFirst()
    #expect(audios.count == 4)
    #expect(audios.allSatisfy { $0.prefix(while: { $0 != ">" }).contains("data-ready=\"1\"") })
    #expect(!dom.contains("data-error"))
    let json = try #require(try JSONSerialization.jsonObject(with: fileBytes(root.file("R/Album/analysis.json"))) as? [String: Any])
    let tracks = try #require(json["tracks"] as? [[String: Any]]), masters = try #require(json["masters"] as? [[String: Any]])
    for (t, mm) in zip(tracks, masters) {
      let la = try #require((t["loudness"] as? [String: Any])?["integratedLUFS"] as? Double)
      let lb = try #require(((mm["analysis"] as? [String: Any])?["loudness"] as? [String: Any])?["integratedLUFS"] as? Double)
      // The page gets the loudness to 3 decimals in its data attributes.
      let (ra, rb) = ((la * 1000).rounded() / 1000, (lb * 1000).rounded() / 1000)
      let ref = min(ra, rb)
      let ga = String(format: "%.4f", pow(10, (ref - ra) / 20)), gb = String(format: "%.4f", pow(10, (ref - rb) / 20))
      #expect(dom.contains("data-gain-a=\"\(ga)\" data-gain-b=\"\(gb)\"") || dom.contains("data-gain-b=\"\(gb)\" data-gain-a=\"\(ga)\""), "gains \(ga) \(gb)")
    }
    // A screenshot with something on it.
    let shot = root.file("shot.png")
    _ = try Self.run(chromium, Self.quietFlags + ["--window-size=1200,1600", "--screenshot=\(shot)", page])
    #expect(try Self.pngVariety(shot) > 40)
  }
}

@Suite struct ReportCommandTests {
  @Test("report regenerates index.html and the CSVs from the saved JSON, without the audio")
  func regenerate() throws {
    let root = TempFolder("report")
    defer { root.remove() }
    let album = root.file("Album")
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    try writeAudio(music(seed: 3, seconds: 5), channels: 2, sampleRateHz: 48_000, to: (album as NSString).appendingPathComponent("a.wav"))
    #expect(try runCLI(["analyze", album, "--reports", root.file("R"), "--quiet"]).status == 0)
    let before = fileBytes(root.file("R/Album/index.html"))
    for f in ["index.html", "tracks.csv", "bands.csv", "qa.csv"] { try FileManager.default.removeItem(atPath: root.file("R/Album/\(f)")) }
    try FileManager.default.removeItem(atPath: album)  // no audio needed
    let r = try runCLI(["report", album, "--reports", root.file("R")])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(fileBytes(root.file("R/Album/index.html")) == before)
    #expect(FileManager.default.fileExists(atPath: root.file("R/Album/qa.csv")))
    #expect(try runCLI(["report", root.file("Nothing"), "--reports", root.file("R")]).status == 2)
  }
}
