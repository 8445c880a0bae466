import Analysis
import AudioIO
import DSP
import Foundation
import Infrastructure
import Matching
import QualityControl
import Rendering
import Reports

/// Everything `master` and `render` need besides the album.
public struct MasterOptions: Sendable {
  /// The resolved matching values (see `MasterRequest` for how they are resolved).
  public var matching = MatchingOptions()
  /// How masters are written.
  public var render = RenderSettings()
  /// Reference tracks whose blended profile (and, unless `targetGiven`, loudness) the album is matched to.
  public var referencePaths: [String] = []
  /// A saved `profile.json` to match to (the next album of a series), read with `AlbumProfile.load`.
  public var profile: AlbumProfile?
  /// Whether the user set the target loudness explicitly (a reference only sets it otherwise).
  public var targetGiven = false
  /// Write plan.json and stop.
  public var planOnly = false
  /// Render only: neither the sources nor the masters are analysed (no before/after figures, no loudness
  /// correction). For re-rendering a trusted plan quickly.
  public var skipVerification = false
  /// Where masters go; default `<reports>/<album>/masters`.
  public var outputFolder: String?
  /// Loudness tags and album.yaml's identifiers in the masters and variants (`TagStage`).
  public var writeTags = true
  /// The album's `album.yaml`: per-track overrides and delivery variants.
  public var config: AlbumConfig?
  /// Write the CD image, its CUE sheet and cdrdao TOC to `<masters>/cd/` (`--cd`, album.yaml's `{ cd: true }`).
  public var cd = false
  /// A pool shared with other albums processed at the same time (`nil`: `jobs` for this album alone).
  public var slots: JobSlots?
  /// Whether cached analyses and masters may be reused (`--force` turns it off).
  public var useCache = true
  /// The masters are checked against this preset (and for codec safety); without one, the preset-free checks run.
  public var preset: DeliveryPreset?
  /// Tracks processed at once when `slots` is nil.
  public var jobs = ProcessInfo.processInfo.activeProcessorCount
  /// The run's write guard (all albums and input files of the run); `nil`: one protecting this album and the
  /// references alone.
  public var writeGuard: WriteGuard?

  /// Every default: `MasterRequest` resolves a preset and album.yaml into these.
  public init() {}

  /// The guard for `album`: the run's, or one for this album and its reference files.
  func writeGuard(for album: Album) -> WriteGuard {
    writeGuard ?? WriteGuard(albums: [album], inputPaths: referencePaths)
  }
}

/// What mastering one album produced.
public struct MasterOutcome: Sendable {
  /// The sources' analysis, with deviation measured against the profile matched to.
  public var analysis: AlbumAnalysis
  /// The plan rendered (written to plan.json).
  public var plan: AlbumPlan
  /// One per rendered track, in album order (empty with plan-only).
  public var masters: [MasterResult]
  /// Tracks that could not be analysed or rendered.
  public var failures: [TrackFailure]
  /// Paths of the report files written.
  public var written: [String]
  /// QA of the masters (nil with --plan-only or --no-verify).
  public var qa: QAReport?

  /// Masters whose loudness or true peak missed the plan.
  public var missed: [MasterResult] { masters.filter { $0.verdict == .missed } }

  /// Loudness spread (max − min integrated loudness) before and after.
  public var loudnessSpreadLU: (before: Double?, after: Double?) {
    func spread(_ v: [Double]) -> Double? {
      guard let hi = v.max(), let lo = v.min() else { return nil }
      return hi - lo
    }
    return (
      spread(analysis.tracks.compactMap(\.loudness.integratedLUFS)),
      spread(masters.compactMap { $0.analysis?.loudness.integratedLUFS })
    )
  }

  /// Median tonal deviation from the album profile before and after.
  public var medianTonalDeviationDB: (before: Double?, after: Double?) {
    let mastered = Set(masters.map(\.file))
    return (
      median(analysis.tracks.filter { mastered.contains($0.file) }.compactMap(\.tonalDeviationDB)),
      median(masters.compactMap { $0.analysis?.tonalDeviationDB })
    )
  }
}

/// Why an album could not be mastered at all.
public struct MasteringError: Error, Sendable, CustomStringConvertible {
  /// The album's or reference's path.
  public var path: String
  /// Why, in one line.
  public var reason: String
  /// `path: reason`.
  public var description: String { "\(path): \(reason)" }
}

extension MasterOutcome {
  /// The console table: per track before -> after loudness, true peak, tonal deviation and width, the EQ, gain
  /// and limiting, and the verdict; then the album's spread and median deviation.
  public func table(planOnly: Bool) -> String {
    let o = self
    func f(_ v: Double?, _ d: Int = 1) -> String { Format.fixed(v, digits: d, missing: "-") }
    var rows = [["File", "LUFS", "->", "dBTP", "->", "TonalDev", "->", "Width", "->", "EQ max", "Gain", "Limit", "OK"]]
    let masters = Dictionary(o.masters.map { ($0.file, $0) }, uniquingKeysWith: { a, _ in a })
    for p in o.plan.tracks {
      let t = o.analysis.tracks.first { $0.file == p.file }
      let m = masters[p.file]
      rows.append([
        p.file, f(t?.loudness.integratedLUFS), f(m?.analysis?.loudness.integratedLUFS), f(t?.loudness.truePeakDBTP),
        f(m?.analysis?.loudness.truePeakDBTP), f(t?.tonalDeviationDB), f(m?.analysis?.tonalDeviationDB),
        f(t?.stereo.widthDB), f(m?.analysis?.stereo.widthDB), f(p.eq.gainsDB.map(abs).max() ?? 0),
        f(m?.render.gainDB ?? p.gainDB), f(m?.render.limiterMaxGainReductionDB), m?.verdict.rawValue ?? (planOnly ? "plan" : "-"),
      ])
    }
    var widths = rows[0].map { _ in 0 }
    for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
    var text = rows.map { r in
      r.enumerated().map { i, c in i == 0 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0) : String(repeating: " ", count: widths[i] - c.count) + c }
        .joined(separator: "  ")
    }.joined(separator: "\n") + "\n"
    if !planOnly {
      let s = o.loudnessSpreadLU, d = o.medianTonalDeviationDB
      text += "Loudness spread \(f(s.before)) -> \(f(s.after)) LU; median tonal deviation \(f(d.before, 2)) -> \(f(d.after, 2)) dB\n"
    }
    return text
  }
}
