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
  public static func render(doc: AnalysisDocument, plan: AlbumPlan?, reportFolder: String) throws -> String {
    let template = try MustacheTemplate(string: HTMLTemplate.page)
    return template.render(context(doc: doc, plan: plan, reportFolder: reportFolder))
  }

  /// The catalogue page: one row per album report (name, link, tracks, failures, mastered, verdict).
  public static func renderIndex(_ rows: [[String: String]]) throws -> String {
    try MustacheTemplate(string: HTMLTemplate.index).render(["albums": rows, "count": rows.count])
  }

  struct Flag { let name: String; let anchor: String }
  struct Finding { let id: String; let check: String; let track: String; let status: String; let value: String; let limit: String; let message: String }
  struct Track {
    let index: Int, anchor: String, file: String, flags: [Flag]
    let lufs: String, lufsAfter: String, lra: String, lraAfter: String, tp: String, tpAfter: String, plr: String
    let plrAfter: String, psr: String, psrAfter: String, psrRange: String, psrRangeAfter: String
    let width: String, widthAfter: String, corr: String, dev: String, devAfter: String, gr: String, mastered: Bool
    let srcURL: String, masterURL: String, lufsA: String, lufsB: String, hasPlayer: Bool
    let msChart: String, tonalChart: String, reasons: [String]
  }

  static func f(_ v: Double?, _ d: Int = 1) -> String { v.map { String(format: "%.\(d)f", $0) } ?? "–" }

  /// "p10–p90 dB" of a track's short-term PSR, for the cell's tooltip.
  static func psrRange(_ d: DynamicsStats?) -> String { "\(f(d?.psrP10DB))–\(f(d?.psrP90DB)) dB" }

  static func context(doc: AnalysisDocument, plan: AlbumPlan?, reportFolder: String) -> [String: Any] {
    let masters = Dictionary((doc.masters ?? []).map { ($0.file, $0) }, uniquingKeysWith: { a, _ in a })
    let plans = Dictionary((plan?.tracks ?? []).map { ($0.file, $0) }, uniquingKeysWith: { a, _ in a })
    let qa = doc.qa
    var findings: [Finding] = []
    for (i, x) in (qa?.findings ?? []).enumerated() {
      findings.append(Finding(
        id: "qa-\(i)", check: x.check, track: x.track ?? "album", status: x.status.rawValue, value: x.value,
        limit: x.limit, message: x.message))
    }
    let albumFolder = URL(fileURLWithPath: doc.album.path).standardizedFileURL.path
    var tracks: [Track] = []
    for (i, t) in doc.tracks.enumerated() {
      let m = masters[t.file]
      let flags = findings.filter { $0.track == t.file && $0.status != "pass" }.map { Flag(name: "\($0.status): \($0.check)", anchor: $0.id) }
      let src = relativeURL(from: reportFolder, to: (albumFolder as NSString).appendingPathComponent(t.file))
      let masterURL = m.map { encodePath($0.master) } ?? ""
      tracks.append(Track(
        index: i + 1, anchor: "track-\(i + 1)", file: t.file, flags: flags,
        lufs: f(t.loudness.integratedLUFS), lufsAfter: f(m?.analysis?.loudness.integratedLUFS), lra: f(t.loudness.rangeLU),
        lraAfter: f(m?.analysis?.loudness.rangeLU), tp: f(t.loudness.truePeakDBTP),
        tpAfter: f(m?.analysis?.loudness.truePeakDBTP), plr: f(t.dynamics.plrDB), plrAfter: f(m?.analysis?.dynamics.plrDB),
        psr: f(t.dynamics.psrMedianDB), psrAfter: f(m?.analysis?.dynamics.psrMedianDB), psrRange: psrRange(t.dynamics),
        psrRangeAfter: psrRange(m?.analysis?.dynamics),
        width: f(t.stereo.widthDB), widthAfter: f(m?.analysis?.stereo.widthDB), corr: f(t.stereo.correlation, 2),
        dev: f(t.tonalDeviationDB), devAfter: f(m?.analysis?.tonalDeviationDB), gr: f(m?.render.limiterMaxGainReductionDB),
        mastered: m != nil, srcURL: src, masterURL: masterURL,
        lufsA: String(format: "%.3f", t.loudness.integratedLUFS ?? -70),
        lufsB: String(format: "%.3f", m?.analysis?.loudness.integratedLUFS ?? t.loudness.integratedLUFS ?? -70),
        hasPlayer: true, msChart: Charts.midSide(t, after: m?.analysis),
        tonalChart: Charts.beforeAfterTonal(t, after: m?.analysis, profile: doc.profile, eq: plans[t.file]?.eq),
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
    return [
      "album": doc.album.name, "trackCount": doc.tracks.count, "failureCount": doc.failures.count,
      "duration": String(format: "%d:%02d", Int(clamping: duration) / 60, Int(clamping: duration) % 60),
      "preset": qa?.preset ?? "none", "verdict": qa?.verdict.rawValue ?? "not checked",
      "verdictClass": qa?.verdict.rawValue ?? "none", "mastered": doc.masters != nil,
      "spreadBefore": spread(lufsBefore), "spreadAfter": spread(lufsAfter),
      "devBefore": f(devBefore, 2), "devAfter": f(devAfter, 2),
      "tracks": tracks, "findings": findings.filter { $0.status != "pass" } + findings.filter { $0.status == "pass" },
      "hasFindings": !findings.isEmpty, "failures": doc.failures.map { ["file": $0.file, "error": $0.error] },
      "hasFailures": !doc.failures.isEmpty,
      "loudnessChart": Charts.loudness(doc, band: band), "tonalChart": Charts.tonal(doc, plan: plan),
      "timelineChart": Charts.timeline(doc), "widthChart": Charts.width(doc),
      "csp": csp, "script": script,
    ]
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
