import Analysis
import DSP
import QualityControl

/// The summary table printed after `analyze`: one line per track, plain ASCII columns.
public enum TextTable {
  /// Column titles.
  public static let header = ["File", "LUFS", "LRA", "dBTP", "PLR", "Width", "Corr", "TonalDev", "Flags"]

  /// The QA verdict and every finding that is not a pass.
  public static func render(qa: QAReport) -> String {
    let issues = qa.findings.filter { $0.status != .pass }
    var out = "QA\(qa.preset.map { " (\($0))" } ?? ""): \(qa.verdict.rawValue.uppercased())"
    out += issues.isEmpty ? ", every check passed\n" : "\n"
    for f in issues { out += "  \(f.status.rawValue.uppercased())  \(f.check)  \(f.track ?? "album"): \(f.value) (limit \(f.limit))\n" }
    return out
  }

  /// Renders the tracks and the failures of one album.
  public static func render(tracks: [TrackAnalysis], failures: [TrackFailure]) -> String {
    func f(_ v: Double?, _ digits: Int = 1) -> String { Format.fixed(v, digits: digits, missing: "-") }
    var rows = [header]
    for t in tracks {
      rows.append([
        t.file, f(t.loudness.integratedLUFS), f(t.loudness.rangeLU), f(t.loudness.truePeakDBTP), f(t.dynamics.plrDB),
        f(t.stereo.widthDB), f(t.stereo.correlation, 2), f(t.tonalDeviationDB),
        t.flags.map(\.rawValue).joined(separator: ","),
      ])
    }
    for x in failures { rows.append([x.file, "ERROR", "", "", "", "", "", "", x.error]) }
    var widths = header.map { _ in 0 }
    for r in rows { for (i, c) in r.enumerated() where i < r.count - 1 { widths[i] = max(widths[i], c.count) } }
    return rows.map { r in
      r.enumerated().map { i, c in
        if i == r.count - 1 { return c }
        let pad = String(repeating: " ", count: widths[i] - c.count)
        return i == 0 ? c + pad : pad + c
      }.joined(separator: "  ")
    }.joined(separator: "\n") + "\n"
  }
}
