import AudioIO
import Foundation
import Testing
import TestSupport

/// The report of a mastered album with an AIFF track, in headless Chromium at phone width and in print
/// (issue 17, items 5 and 6). A probe page beside it frames the report at phone width and measures what the DOM
/// dump cannot show.
@Suite struct ReportBrowserTests {
  /// A page beside the report that frames it at 390 × 844 CSS px (headless Chromium's window is at least
  /// 500 px wide) and, once it has loaded, measures overflow and chart text, then drives the transports and
  /// writes its findings as JSON into `<pre id="probe">`. The report itself is unchanged, CSP included.
  static let reportProbePage = """
    <!DOCTYPE html><html><body style="margin:0">
    <iframe id="f" src="index.html" style="width:390px;height:844px;border:0;display:block"></iframe>
    <pre id="probe"></pre>
    <script>
    window.addEventListener('load', function () { setTimeout(function () {
      var w = document.getElementById('f').contentWindow, d = w.document;
      var out = { scrollWidth: d.documentElement.scrollWidth, innerWidth: w.innerWidth };
      var min = 1e9;
      d.querySelectorAll('svg').forEach(function (svg) {
        var scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        svg.querySelectorAll('text').forEach(function (t) { min = Math.min(min, parseFloat(w.getComputedStyle(t).fontSize) * scale); });
      });
      out.minChartTextPx = min;
      // Legend swatches of one chart never share a colour; the masters are linked; the album's and each track's
      // loudness over time show before and after.
      out.legendClashes = [];
      d.querySelectorAll('svg').forEach(function (svg) {
        var seen = {};
        svg.querySelectorAll('rect.swatch').forEach(function (r) {
          var fill = w.getComputedStyle(r).fill, label = r.nextElementSibling ? r.nextElementSibling.textContent : '';
          if (seen[fill] !== undefined) out.legendClashes.push(svg.getAttribute('aria-label') + ': ' + seen[fill] + ' / ' + label);
          else seen[fill] = label;
        });
      });
      out.masterLinks = Array.prototype.map.call(d.querySelectorAll('a[href^="masters/"]'), function (a) { return a.getAttribute('href'); });
      out.trackTimelines = Array.prototype.filter.call(d.querySelectorAll('svg'), function (svg) {
        return /^Short-term loudness (over time|through the album) .*, before and after$/.test(svg.getAttribute('aria-label'))
          && svg.querySelectorAll('polyline.before-line').length > 0 && svg.querySelectorAll('polyline.after-line').length > 0;
      }).length;
      var audios = Array.prototype.slice.call(d.querySelectorAll('audio'));
      out.audios = audios.length;
      out.ready = audios.filter(function (a) { return a.dataset.ready === '1'; }).length;
      out.sources = audios.map(function (a) { return a.getAttribute('src'); });
      var boxes = d.querySelectorAll('.ab');
      function playing() { return audios.filter(function (a) { return !a.paused; }).length; }
      boxes[0].querySelector('.play').click();
      setTimeout(function () {
        var a0 = boxes[0].querySelector('audio.a'), b0 = boxes[0].querySelector('audio.b');
        out.firstA = !a0.paused;
        var at = a0.currentTime;
        boxes[0].querySelector('.pick-b').click();
        out.switchKept = Math.abs(b0.currentTime - at) < 0.05;
        setTimeout(function () {
          out.afterSwitch = { a: !a0.paused, b: !b0.paused, playing: playing() };
          boxes[1].querySelector('.play').click();
          setTimeout(function () {
            out.afterSecond = { first: !b0.paused, second: !boxes[1].querySelector('audio.a').paused, playing: playing() };
            out.volumes = audios.map(function (a) { return a.volume.toFixed(4); });
            document.getElementById('probe').textContent = JSON.stringify(out);
          }, 700);
        }, 700);
      }, 700);
    }, 1500); });
    </script></body></html>
    """

  /// The probe's JSON out of the DOM dump.
  static func reportProbe(_ dom: String) throws -> [String: Any] {
    let start = try #require(dom.range(of: "<pre id=\"probe\">"))
    let end = try #require(dom[start.upperBound...].range(of: "</pre>"))
    let text = String(dom[start.upperBound..<end.lowerBound])
      .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "probe: \(text)")
  }

  /// `/Type /Page` objects in a PDF (not `/Pages`).
  static func reportPageCount(_ pdf: Data) -> Int {
    let text = String(decoding: pdf, as: UTF8.self)
    let regex = try? NSRegularExpression(pattern: "/Type\\s*/Page(?![a-zA-Z])")
    return regex?.numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text)) ?? 0
  }

  @Test("At 390 px the page does not overflow and chart text is at least 10 px; legend colours differ within each chart; masters are linked and the album's and each track's loudness over time show before and after; the mailed-report note; every player's source loads, the AIFF's via its preview; one player plays at a time and A/B keeps the position; print gives a PDF of a sane page count")
  func phonePrintAndPlayers() throws {
    let chromium = try BrowserTests.requiredChromium()
    let root = TempFolder("report-browser")
    defer { root.remove() }
    let album = root.file("Album")
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    // A long name with no break opportunity in its first word, an AIFF (browsers cannot play it) and a WAV.
    let names = ["01 A_very_long_file_name_without_spaces_that_must_wrap_on_a_phone.aiff", "02 plain.wav"]
    for (i, name) in names.enumerated() {
      let format = name.hasSuffix(".aiff") ? AudioFileFormat(container: .aiff, encoding: .pcm16) : AudioFileFormat(container: .wav, encoding: .pcm24)
      _ = try writeAudio(music(seed: UInt64(10 + i), seconds: 8, gainDB: i == 0 ? -6 : -14), channels: 2, sampleRateHz: 44_100,
                         to: (album as NSString).appendingPathComponent(name), format: format)
    }
    let albumBefore = snapshot(album)
    let m = try runCLI(["master", album, "--reports", root.file("R"), "--quiet", "--preset", "spotify"])
    #expect(m.status == 0 || m.status == 1, "\(m.stderr)")
    #expect(snapshot(album) == albumBefore)
    let folder = root.file("R/Album")
    let previews = try FileManager.default.contentsOfDirectory(atPath: folder + "/previews").sorted()
    #expect(previews.contains("\(names[0]).original.flac"), "\(previews)")
    #expect(!previews.contains { $0.hasPrefix(".") }, "temp files left: \(previews)")

    try Self.reportProbePage.write(toFile: folder + "/probe.html", atomically: true, encoding: .utf8)
    let r = try BrowserTests.run(chromium, BrowserTests.quietFlags + [
      "--allow-file-access-from-files", "--autoplay-policy=no-user-gesture-required", "--virtual-time-budget=15000",
      "--dump-dom", "file://" + folder + "/probe.html",
    ])
    #expect(r.status == 0, "\(r.stderr.suffix(500))")
    let probe = try Self.reportProbe(r.stdout)
    let innerWidth = try #require(probe["innerWidth"] as? Int), scrollWidth = try #require(probe["scrollWidth"] as? Int)
    #expect(innerWidth == 390)
    #expect(scrollWidth <= innerWidth, "page is \(scrollWidth) px wide at \(innerWidth) px")
    let minText = try #require(probe["minChartTextPx"] as? Double)
    #expect(minText >= 10, "smallest chart text \(minText) px")
    // Distinct legend colours in every chart; links to both masters; loudness over time before and after per track.
    #expect((probe["legendClashes"] as? [String])?.isEmpty == true, "\(probe["legendClashes"] ?? "none")")
    let links = try #require(probe["masterLinks"] as? [String])
    // WAV and AIFF sources: the album's masters are FLAC.
    let masterNames = names.map { ($0 as NSString).deletingPathExtension + ".flac" }
    #expect(masterNames.allSatisfy { n in links.contains { $0.removingPercentEncoding?.hasSuffix(n) == true } }, "\(links)")
    #expect(probe["trackTimelines"] as? Int == names.count + 1, "the album's and each track's: \(probe)")
    // Mailed reports: the page says plainly that a copy without the album has no A side (docs/report.md).
    let page = String(decoding: fileBytes(folder + "/index.html"), as: UTF8.self)
    #expect(page.contains("a copy of this report folder without the album has no A side"))
    // Every source loads; the AIFF original plays from its preview.
    #expect(probe["audios"] as? Int == 4 && probe["ready"] as? Int == 4, "\(probe)")
    let sources = try #require(probe["sources"] as? [String])
    #expect(sources.first?.hasPrefix("previews/") == true, "\(sources)")
    // One transport at a time; switching keeps the position and leaves only B playing.
    #expect(probe["firstA"] as? Bool == true, "\(probe)")
    #expect(probe["switchKept"] as? Bool == true)
    let afterSwitch = try #require(probe["afterSwitch"] as? [String: Any])
    #expect(afterSwitch["a"] as? Bool == false && afterSwitch["b"] as? Bool == true && afterSwitch["playing"] as? Int == 1, "\(afterSwitch)")
    let afterSecond = try #require(probe["afterSecond"] as? [String: Any])
    #expect(afterSecond["first"] as? Bool == false && afterSecond["second"] as? Bool == true && afterSecond["playing"] as? Int == 1, "\(afterSecond)")
    // The matched gains are still in place: the louder side of each pair is turned down, the quieter at 1.
    let volumes = try #require(probe["volumes"] as? [String])
    #expect(volumes.count == 4 && volumes.filter { $0 == "1.0000" }.count >= 2, "\(volumes)")

    // Print: a PDF whose page count grows with the tracks, not with the controls.
    let pdf = root.file("report.pdf")
    let p = try BrowserTests.run(chromium, BrowserTests.quietFlags + [
      "--no-pdf-header-footer", "--print-to-pdf=\(pdf)", "file://" + folder + "/index.html",
    ])
    #expect(p.status == 0, "\(p.stderr.suffix(500))")
    let pages = Self.reportPageCount(fileBytes(pdf))
    #expect(pages >= 2 && pages <= 3 + names.count, "\(pages) pages for \(names.count) tracks")
  }
}
