import Analysis
import DSP
import Foundation
import Matching
import Mustache
import QualityControl

/// `index.html`: one self-contained page (inline CSS, SVG and script; no network, fonts or external files).
/// Every file name, tag and message goes through Mustache's HTML escaping; only the SVG charts (built here, with
/// their text escaped) and the constant script are inserted raw. A Content-Security-Policy allows nothing but
/// inline styles, the script by its SHA-256, and the audio files.
public enum HTMLReport {
  /// Renders the page for `doc` (and its plan, when mastered). `reportFolder` is where the page is written:
  /// the players' sources are relative to it.
  /// The page links a lossless preview (`ReportPreviews`) for every source or master browsers cannot play, and
  /// makes it first when it is missing or stale. `date` is the day the page is written (the header shows it; it
  /// is the one part of the page that changes from day to day, and analysis.json never carries it).
  /// `sourceCheck`, an `analyze` or `check` of the sources kept beside a master report, adds its QA as a section.
  public static func render(
    doc: AnalysisDocument, plan: AlbumPlan?, reportFolder: String, date: String = ReportDate.today(),
    sourceCheck: AnalysisDocument? = nil
  ) throws -> String {
    let template = try MustacheTemplate(string: HTMLTemplate.page)
    var page = context(doc: doc, plan: plan, reportFolder: reportFolder, date: date)
    if let section = sourceCheck.flatMap(sourceCheckContext) { page["sourceCheck"] = section }
    return template.render(page)
  }

  /// The page's style sheet (colours as CSS variables, light and dark), for checks such as contrast.
  public static var styleSheet: String { HTMLTemplate.style }

  /// The catalogue page: one row per album report (name, link, tracks, failures, mastered, verdict).
  public static func renderIndex(_ rows: [[String: String]]) throws -> String {
    try MustacheTemplate(string: HTMLTemplate.index).render(["albums": rows, "count": TerminalText.count(rows.count, "album")])
  }

  struct Flag { let name: String; let anchor: String }
  struct Finding { let id: String; let check: String; let track: String; let status: String; let value: String; let limit: String; let message: String }
  struct Track {
    let index: Int, anchor: String, file: String, flags: [Flag]
    let lufs: String, lufsAfter: String, lra: String, lraAfter: String, tp: String, tpAfter: String, isp: String, ispAfter: String, plr: String
    let plrAfter: String, psr: String, psrAfter: String, psrRange: String, psrRangeAfter: String
    let width: String, widthAfter: String, corr: String, dev: String, devAfter: String, gr: String, mastered: Bool
    /// Where the players load from (a preview when the browser cannot play the file) and where the links go.
    let srcURL: String, masterURL: String, srcLink: String, masterLink: String
    let srcPreview: Bool, masterPreview: Bool, srcFormat: String, masterFormat: String
    let lufsA: String, lufsB: String
    let msChart: String, tonalChart: String, timeChart: String, grChart: String, hasGR: Bool, reasons: [String]
  }

  static func f(_ v: Double?, _ d: Int = 1) -> String { Format.fixed(v, digits: d, missing: "–") }

  /// "1 track", "2 tracks".
  static func count(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
    "\(n) \(n == 1 ? singular : plural ?? singular + "s")"
  }

  /// "p10–p90 dB" of a track's short-term PSR, for the cell's tooltip.
  static func psrRange(_ d: DynamicsStats?) -> String { "\(f(d?.psrP10DB))–\(f(d?.psrP90DB)) dB" }

  static func context(doc: AnalysisDocument, plan: AlbumPlan?, reportFolder: String, date: String) -> [String: Any] {
    let masters = Dictionary((doc.masters ?? []).map { ($0.file, $0) }, uniquingKeysWith: { a, _ in a })
    let plans = Dictionary((plan?.tracks ?? []).map { ($0.file, $0) }, uniquingKeysWith: { a, _ in a })
    let qa = doc.qa
    let findings = rows(qa, idPrefix: "qa")
    let albumFolder = URL(fileURLWithPath: doc.album.path).standardizedFileURL.path
    let reportPath = URL(fileURLWithPath: reportFolder).standardizedFileURL.path
    var tracks: [Track] = []
    for (i, t) in doc.tracks.enumerated() {
      let m = masters[t.file]
      let flags = findings.filter { $0.track == t.file && $0.status != "pass" }.map { Flag(name: "\($0.status): \($0.check)", anchor: $0.id) }
      let source = (albumFolder as NSString).appendingPathComponent(t.file)
      let srcLink = relativeURL(from: reportPath, to: source)
      let masterLink = m.map { encodePath($0.master) } ?? ""
      // A file the browser cannot play is played from its preview; the links still go to the file itself.
      var srcPreview: String?
      if !ReportPreviews.browserPlays(container: t.format, encoding: t.subtype) {
        srcPreview = ReportPreviews.prepare(
          source: source, file: t.file, side: .original, expectedFrames: t.frames, reportFolder: reportPath,
          albumFolder: albumFolder)
      }
      var masterPreview: String?
      if let m, !ReportPreviews.browserPlays(container: m.render.format.container.rawValue, encoding: m.render.format.encoding.rawValue) {
        let masterPath = m.master.hasPrefix("/") ? m.master : (reportPath as NSString).appendingPathComponent(m.master)
        masterPreview = ReportPreviews.prepare(
          source: masterPath, file: t.file, side: .master, expectedFrames: m.render.frames, reportFolder: reportPath,
          albumFolder: albumFolder)
      }
      tracks.append(Track(
        index: i + 1, anchor: "track-\(i + 1)", file: t.file, flags: flags,
        lufs: f(t.loudness.integratedLUFS), lufsAfter: f(m?.analysis?.loudness.integratedLUFS), lra: f(t.loudness.rangeLU),
        lraAfter: f(m?.analysis?.loudness.rangeLU), tp: f(t.loudness.truePeakDBTP),
        tpAfter: f(m?.analysis?.loudness.truePeakDBTP), isp: f(t.loudness.interSamplePeakDBTP),
        ispAfter: f(m?.analysis?.loudness.interSamplePeakDBTP), plr: f(t.dynamics.plrDB), plrAfter: f(m?.analysis?.dynamics.plrDB),
        psr: f(t.dynamics.psrMedianDB), psrAfter: f(m?.analysis?.dynamics.psrMedianDB), psrRange: psrRange(t.dynamics),
        psrRangeAfter: psrRange(m?.analysis?.dynamics),
        width: f(t.stereo.widthDB), widthAfter: f(m?.analysis?.stereo.widthDB), corr: f(t.stereo.correlation, 2),
        dev: f(t.tonalDeviationDB), devAfter: f(m?.analysis?.tonalDeviationDB), gr: f(m?.render.limiterMaxGainReductionDB),
        mastered: m != nil, srcURL: srcPreview.map(encodePath) ?? srcLink,
        masterURL: masterPreview.map(encodePath) ?? masterLink, srcLink: srcLink, masterLink: masterLink,
        srcPreview: srcPreview != nil, masterPreview: masterPreview != nil, srcFormat: t.format,
        masterFormat: m?.render.format.container.rawValue ?? "",
        lufsA: Format.fixed(t.loudness.integratedLUFS ?? -70, digits: 3),
        lufsB: Format.fixed(m?.analysis?.loudness.integratedLUFS ?? t.loudness.integratedLUFS ?? -70, digits: 3),
        msChart: Charts.midSide(t, after: m?.analysis),
        tonalChart: Charts.beforeAfterTonal(t, after: m?.analysis, profile: doc.profile, eq: plans[t.file]?.eq),
        timeChart: Charts.trackTimeline(t, after: m?.analysis),
        grChart: Charts.gainReduction(m?.render, budgetDB: plans[t.file]?.dynamics?.maxLimitingDB),
        // No chart of a flat line: only when the compressor or the limiter took something.
        hasGR: [m?.render.limiterGainReduction, m?.render.compressorGainReduction].contains { ($0?.valuesDB.max() ?? 0) > 0 },
        reasons: plans[t.file]?.reasons ?? []))
    }
    let lufsBefore = doc.tracks.compactMap(\.loudness.integratedLUFS)
    let lufsAfter = (doc.masters ?? []).compactMap { $0.analysis?.loudness.integratedLUFS }
    func spread(_ v: [Double]) -> String {
      guard let hi = v.max(), let lo = v.min() else { return "–" }
      return f(hi - lo)
    }
    let devBefore = median(doc.tracks.compactMap(\.tonalDeviationDB))
    let devAfter = median((doc.masters ?? []).compactMap { $0.analysis?.tonalDeviationDB })
    let duration = doc.tracks.reduce(0) { $0 + $1.durationSeconds }
    let script = HTMLTemplate.script
    let csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; media-src 'self' file: blob:; "
      + "script-src 'sha256-\(SHA256.base64(script))'; base-uri 'none'; form-action 'none'"
    let band = targetBand(plan: plan, preset: qa?.preset.flatMap(DeliveryPreset.named))
    let (problems, passes) = sorted(findings)
    let previewFormats = Set(tracks.flatMap { t in
      (t.srcPreview ? [t.srcFormat] : []) + (t.masterPreview ? [t.masterFormat] : [])
    }).sorted()
    return [
      "album": doc.album.name, "trackCount": doc.tracks.count, "failureCount": doc.failures.count,
      "tracksText": count(doc.tracks.count, "track"),
      "duration": Format.minutesSeconds(Int(clamping: duration)),
      "preset": qa?.preset ?? "none", "verdict": qa?.verdict.rawValue ?? "not checked",
      "verdictClass": qa?.verdict.rawValue ?? "none", "mastered": doc.masters != nil,
      "verdictSentence": verdictSentence(doc: doc, spreadBefore: spread(lufsBefore), spreadAfter: spread(lufsAfter)),
      "date": date, "version": AlbumMasterRelease.version, "settings": settings(plan: plan, preset: qa?.preset).joined(separator: "; "),
      "spreadBefore": spread(lufsBefore), "spreadAfter": spread(lufsAfter),
      "devBefore": f(devBefore, 2), "devAfter": f(devAfter, 2),
      "tracks": tracks, "problems": problems, "hasProblems": !problems.isEmpty, "passes": passes,
      "hasPasses": !passes.isEmpty, "passesText": count(passes.count, "check") + " passed",
      "hasFindings": !findings.isEmpty, "failures": doc.failures.map { ["file": $0.file, "error": $0.error] },
      "hasFailures": !doc.failures.isEmpty,
      "hasPreviews": !previewFormats.isEmpty, "previewFormats": previewFormats.joined(separator: ", "),
      "loudnessChart": Charts.loudness(doc, band: band), "tonalChart": Charts.tonal(doc, plan: plan),
      "timelineChart": Charts.timeline(doc), "widthChart": Charts.width(doc),
      "csp": csp, "script": script,
    ]
  }

  /// One table row per finding of `qa`, with the anchors `<idPrefix>-0`, `<idPrefix>-1`, …
  static func rows(_ qa: QAReport?, idPrefix: String) -> [Finding] {
    (qa?.findings ?? []).enumerated().map { i, x in
      Finding(
        id: "\(idPrefix)-\(i)", check: x.check, track: x.track ?? "album", status: x.status.rawValue, value: x.value,
        limit: x.limit, message: x.message)
    }
  }

  /// Failures then warnings (shown), and passes (collapsed).
  static func sorted(_ findings: [Finding]) -> (problems: [Finding], passes: [Finding]) {
    (findings.filter { $0.status == "fail" } + findings.filter { $0.status == "warn" }, findings.filter { $0.status == "pass" })
  }

  /// The "QA of the sources" section: the QA of an `analyze` or `check` run kept beside a master report. Every
  /// key the section's template reads is set here, so that none falls through to the master's.
  static func sourceCheckContext(_ check: AnalysisDocument) -> [String: Any]? {
    guard let qa = check.qa else { return nil }
    let (problems, passes) = sorted(rows(qa, idPrefix: "source-qa"))
    return [
      "verdict": qa.verdict.rawValue, "verdictClass": qa.verdict.rawValue, "preset": qa.preset ?? "none",
      "tracksText": count(check.tracks.count, "track"), "hasFailures": !check.failures.isEmpty,
      "failuresText": count(check.failures.count, "file"), "problems": problems, "hasProblems": !problems.isEmpty,
      "passes": passes, "hasPasses": !passes.isEmpty, "passesText": count(passes.count, "check") + " passed",
    ]
  }

  /// The one sentence at the top: what was done, how the loudness spread moved, and the QA outcome.
  static func verdictSentence(doc: AnalysisDocument, spreadBefore: String, spreadAfter: String) -> String {
    var parts: [String] = []
    if let masters = doc.masters {
      // By its text: compiles whether `verdict` is the String of this branch or main's MasterVerdict (then `== .missed`).
      let missed = masters.filter { $0.verdict == .missed }.count
      parts.append("Mastered \(count(masters.count, "track")), loudness spread \(spreadBefore) → \(spreadAfter) LU"
        + (missed == 0 ? "" : ", \(missed) of \(masters.count) missed the target"))
    } else {
      parts.append("Analysed \(count(doc.tracks.count, "track")) (not mastered), loudness spread \(spreadBefore) LU")
    }
    if !doc.failures.isEmpty { parts.append("\(count(doc.failures.count, "file")) could not be read") }
    if let qa = doc.qa {
      let fails = qa.findings.filter { $0.status == .fail }.count, warns = qa.findings.filter { $0.status == .warn }.count
      let preset = qa.preset.map { " (\($0))" } ?? ""
      switch qa.verdict {
      case .pass: parts.append("QA\(preset) passes")
      case .warn: parts.append("QA\(preset) passes with \(count(warns, "warning"))")
      case .fail: parts.append("QA\(preset) fails: \(count(fails, "failure"))" + (warns == 0 ? "" : ", \(count(warns, "warning"))"))
      }
    } else {
      parts.append("no QA preset checked")
    }
    return parts.joined(separator: "; ") + "."
  }

  /// The settings the page was made with, one short phrase each.
  static func settings(plan: AlbumPlan?, preset: String?) -> [String] {
    var out: [String] = []
    if let o = plan?.options {
      switch o.loudness {
      case .album: out.append("loudness: album to \(f(o.targetLUFS)) LUFS, spread ±\(f(o.maxSpreadLU)) LU")
      case .track: out.append("loudness: each track to \(f(o.targetLUFS)) LUFS")
      case .none: out.append("loudness: left alone")
      }
      out.append("ceiling \(f(o.ceilingDBTP)) dBTP, limiter \(o.limiter ? "on" : "off")")
      out.append("EQ \(f(o.eqAmount * 100, 0)) % (max ±\(f(o.maxEQDB)) dB)")
      out.append("width \(f(o.widthAmount * 100, 0)) % (max ±\(f(o.maxWidthDB)) dB)")
      out.append(
        "dynamics \(f(o.dynamicsAmount * 100, 0)) % toward \(o.targetPSRDB.map { "PSR \(f($0)) dB" } ?? "the album's PSR")"
          + " (compression max \(f(o.maxCompressionDB)) dB\(o.multiband ? ", multiband" : ""), limiting budget \(f(o.maxLimitingDB)) dB)")
    } else {
      out.append("analysis only")
    }
    out.append("QA preset: \(preset ?? "none")")
    return out
  }

  /// The loudness the album should land in: the plan's (target ± spread, or ± the render tolerance per track),
  /// else the preset's.
  static func targetBand(plan: AlbumPlan?, preset: DeliveryPreset?) -> (Double, Double, String)? {
    if let o = plan?.options {
      switch o.loudness {
      case .album: return (o.targetLUFS - o.maxSpreadLU, o.targetLUFS + o.maxSpreadLU, "album target ± spread")
      case .track: return (o.targetLUFS - 0.5, o.targetLUFS + 0.5, "target")
      case .none: break
      }
    }
    if let p = preset, let t = p.targetLUFS { return (t - p.loudnessToleranceLU, t + p.loudnessToleranceLU, "\(p.name) target") }
    return nil
  }

  /// `to` relative to the folder `from`, percent-encoded per segment for an `src` attribute.
  static func relativeURL(from: String, to: String) -> String {
    let a = URL(fileURLWithPath: from).standardizedFileURL.pathComponents
    let b = URL(fileURLWithPath: to).standardizedFileURL.pathComponents
    var common = 0
    while common < min(a.count, b.count) && a[common] == b[common] { common += 1 }
    let parts = Array(repeating: "..", count: a.count - common) + b[common...]
    return parts.map(encodeSegment).joined(separator: "/")
  }

  /// A link to `path` (below the page's folder): `./` and percent-escaped segments, so that no name (say a
  /// folder called `javascript:alert(1)`) can read as a URL scheme.
  public static func relativeLink(to path: String) -> String { "./" + encodePath(path) }

  static func encodePath(_ p: String) -> String { p.split(separator: "/").map { encodeSegment(String($0)) }.joined(separator: "/") }

  /// One path segment, percent-encoded; `:` too, so a segment never starts a scheme.
  public static func encodeSegment(_ s: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~!$&'()*+,;=@")
    return s == ".." ? s : (s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s)
  }
}
