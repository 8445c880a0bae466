import Analysis
import CSV
import DSP
import Foundation
import Matching
import QualityControl

/// `tracks.csv` and `bands.csv`: RFC 4180 (CRLF, quoted where needed), UTF-8, one header row.
/// Numbers use a dot and fixed decimals; an empty cell is a missing value (−∞, mono, failed track).
/// The column names are a contract documented in docs/cli.md ("Files written per album").
public enum CSVReport {
  /// Columns of `tracks.csv`, in order.
  public static let trackColumns = [
    "file", "status", "error", "title", "artist", "format", "subtype", "sampleRate", "channels", "frames",
    "durationSeconds", "integratedLUFS", "rangeLU", "momentaryMaxLUFS", "shortTermMaxLUFS", "truePeakDBTP",
    "interSamplePeakDBTP", "samplePeakDBFS", "plrDB", "crestDB", "rmsDBFS", "psrMedianDB", "psrP10DB", "psrP90DB", "correlation", "widthDB",
    "balanceDB", "tiltDB",
    "tonalDeviationDB", "clippedRuns", "clippedSamples", "dcOffsetMaxDBFS", "leadingSilenceSeconds",
    "trailingSilenceSeconds", "nonFiniteSamples", "flags", "masterFile", "masterIntegratedLUFS",
    "masterTruePeakDBTP", "masterInterSamplePeakDBTP", "masterTonalDeviationDB", "masterWidthDB", "masterCorrelation", "masterRangeLU",
    "masterPlrDB", "masterCrestDB", "masterPsrMedianDB", "masterPsrP10DB", "masterPsrP90DB",
    "limiterMaxGainReductionDB", "limiterActivePercent", "limiterP99GainReductionDB", "limiterOver1DBPercent",
    "limiterOver3DBPercent", "compressorMaxGainReductionDB", "expectedPsrDB", "loudnessLoweredDB", "masterVerdict",
  ]

  /// Columns of `bands.csv`, in order: one row per track and band.
  public static let bandColumns = [
    "file", "bandCenterHz", "levelDB", "midLevelDB", "sideLevelDB", "tonalBalanceDB", "albumProfileDB",
  ]

  /// Columns of `qa.csv`, in order: one row per check and track (album-level checks have no track).
  public static let qaColumns = ["check", "track", "status", "value", "limit", "message"]

  /// Every finding of a QA run.
  public static func qa(_ report: QAReport) throws -> String {
    try table(header: qaColumns) { row in
      for f in report.findings { try row([text(f.check), text(f.track ?? ""), f.status.rawValue, f.value, f.limit, text(f.message)]) }
    }
  }

  /// One row per analysed track, then one per failure (status `error`, the reason in `error`).
  public static func tracks(_ doc: AnalysisDocument) throws -> String {
    try table(header: trackColumns) { row in
      let masters = Dictionary((doc.masters ?? []).map { ($0.file, $0) }, uniquingKeysWith: { a, _ in a })
      for t in doc.tracks {
        let l = t.loudness
        let m = masters[t.file]
        let after: [String] =
          m.map { m in
            let d = m.analysis?.dynamics
            return [
              text(m.master), fmt(m.analysis?.loudness.integratedLUFS), fmt(m.analysis?.loudness.truePeakDBTP),
              fmt(m.analysis?.loudness.interSamplePeakDBTP),
              fmt(m.analysis?.tonalDeviationDB), fmt(m.analysis?.stereo.widthDB), fmt(m.analysis?.stereo.correlation, 4),
              fmt(m.analysis?.loudness.rangeLU), fmt(d?.plrDB), fmt(d?.crestDB), fmt(d?.psrMedianDB), fmt(d?.psrP10DB),
              fmt(d?.psrP90DB), fmt(m.render.limiterMaxGainReductionDB), fmt(m.render.limiterActiveShare * 100),
              fmt(m.render.limiterP99GainReductionDB), fmt(m.render.limiterOver1DBShare.map { $0 * 100 }),
              fmt(m.render.limiterOver3DBShare.map { $0 * 100 }), fmt(m.render.compressorMaxGainReductionDB),
              fmt(m.render.dynamics?.expectedPSRDB), fmt(m.render.dynamics?.loudnessLoweredDB),
              text(m.verdict.rawValue),
            ]
          } ?? Array(repeating: "", count: trackColumns.count - (trackColumns.firstIndex(of: "masterFile") ?? 0))
        try row([
          text(t.file), "ok", "", text(t.title ?? ""), text(t.artist ?? ""), t.format, t.subtype, "\(t.sampleRate)", "\(t.channels)",
          "\(t.frames)", fmt(t.durationSeconds, 3), fmt(l.integratedLUFS), fmt(l.rangeLU), fmt(l.momentaryMaxLUFS),
          fmt(l.shortTermMaxLUFS), fmt(l.truePeakDBTP), fmt(l.interSamplePeakDBTP), fmt(l.samplePeakDBFS), fmt(t.dynamics.plrDB),
          fmt(t.dynamics.crestDB), fmt(t.dynamics.rmsDBFS), fmt(t.dynamics.psrMedianDB), fmt(t.dynamics.psrP10DB),
          fmt(t.dynamics.psrP90DB), fmt(t.stereo.correlation, 4), fmt(t.stereo.widthDB),
          fmt(t.stereo.balanceDB), fmt(t.spectrum.tiltDB), fmt(t.tonalDeviationDB), "\(t.defects.clippedRuns)",
          "\(t.defects.clippedSamples)", fmt(t.defects.maxDCOffsetDBFS), fmt(t.defects.leadingSilenceSeconds, 3),
          fmt(t.defects.trailingSilenceSeconds, 3), "\(t.defects.nonFiniteSamples)",
          text(t.flags.map(\.rawValue).joined(separator: " ")),
        ] + after)
      }
      for f in doc.failures {
        try row([text(f.file), "error", text(f.error)] + Array(repeating: "", count: trackColumns.count - 3))
      }
    }
  }

  /// One row per track and band, with the album profile's value for the same band.
  public static func bands(_ doc: AnalysisDocument) throws -> String {
    var profileByCenter: [Double: Double?] = [:]
    for (c, v) in zip(doc.profile.bandCentersHz, doc.profile.tonalBalanceDB) { profileByCenter[c.rounded3] = v }
    return try table(header: bandColumns) { row in
      for t in doc.tracks {
        let s = t.spectrum
        for (i, c) in s.bandCentersHz.enumerated() {
          try row([
            text(t.file), fmt(c, 2), fmt(s.levelsDB.element(at: i)), fmt(s.midLevelsDB?.element(at: i)),
            fmt(s.sideLevelsDB?.element(at: i)), fmt(s.tonalBalanceDB.element(at: i)), fmt(profileByCenter[c.rounded3] ?? nil),
          ])
        }
      }
    }
  }

  private static func table(header: [String], rows: (_ row: ([String]) throws -> Void) throws -> Void) throws -> String {
    let writer = try CSVWriter(stream: .toMemory(), newline: .crlf)
    try writer.write(row: header)
    try rows { try writer.write(row: $0) }
    writer.stream.close()
    guard let data = writer.stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data else {
      throw ReportError.encode(reason: "CSV stream returned no data")
    }
    // CSV.swift separates rows; RFC 4180 also ends the last one.
    return String(decoding: data, as: UTF8.self) + "\r\n"
  }

  /// A text cell (name, title, message) that a spreadsheet would run as a formula, `=HYPERLINK(…)` and the
  /// like, is prefixed with `'` (OWASP's CSV-injection rule: cells starting with `= + - @`, tab or CR).
  /// Numeric columns are not passed here, so `-14.00` stays a number.
  public static func text(_ cell: String) -> String {
    guard let first = cell.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) else { return cell }
    return "'" + cell
  }

  /// Fixed decimals with a dot (`Format.fixed`); empty for a missing value.
  public static func fmt(_ v: Double?, _ digits: Int = 2) -> String { Format.fixed(v, digits: digits, missing: "") }
}

extension Double {
  fileprivate var rounded3: Double { (self * 1000).rounded() / 1000 }
}

extension Array {
  /// The element at `i` flattened, or `nil` past the end: arrays of an edited document need not match in length.
  func element<T>(at i: Int) -> T? where Element == T? { indices.contains(i) ? self[i] : nil }
}
