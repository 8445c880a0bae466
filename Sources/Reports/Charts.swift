import Analysis
import DSP
import Foundation
import Matching
import Rendering

/// The report's charts, as inline SVG.
enum Charts {
  static func cls(_ i: Int) -> String { "c\(i % 8)" }

  /// A curve as matching sees it (`TonalShape`): smoothed to 1/3 octave and mean-removed over 60 Hz–12 kHz.
  static func shape(centers: [Double], levels: [Double?]) -> [(Double, Double?)] {
    TonalShape(centersHz: centers, levelsDB: levels).meanRemoved(centersHz: centers)
  }

  /// The lowest level the loudness chart's axis shows: quieter than any real track.
  static let loudnessFloorLUFS = -150.0

  static func loudness(_ doc: AnalysisDocument, band: (Double, Double, String)?) -> String {
    let masters = Dictionary((doc.masters ?? []).map { ($0.file, $0) }, uniquingKeysWith: { a, _ in a })
    let values = doc.tracks.flatMap { t in
      [t.loudness.integratedLUFS, t.loudness.truePeakDBTP, masters[t.file]?.analysis?.loudness.integratedLUFS,
       masters[t.file]?.analysis?.loudness.truePeakDBTP].compactMap { $0 }
    } + (band.map { [$0.0, $0.1] } ?? [])
    // The floor and the top are bounded so an absurd value in an edited document cannot stretch the axis.
    let lo = min(0, max(loudnessFloorLUFS, ((values.min() ?? -30) - 3).rounded(.down)))
    let hi = max(lo + 3, min(6, ((values.max() ?? 0) + 2).rounded(.up)))
    let n = Double(max(doc.tracks.count, 1))
    var c = SVGChart(title: "Loudness per track (bars: integrated LUFS; triangles: true peak dBTP)",
                     xLabel: "track", yLabel: "LUFS / dBTP", x: 0...n, y: lo...hi)
    if let band { c.rect(x0: 0, x1: n, y0: band.0, y1: band.1, cls: "band", label: band.2) }
    for (i, t) in doc.tracks.enumerated() {
      let x = Double(i)
      let m = masters[t.file]?.analysis
      if let l = t.loudness.integratedLUFS {
        c.rect(x0: x + 0.15, x1: x + (m == nil ? 0.85 : 0.5), y0: lo, y1: l, cls: "before", label: "before",
               tooltip: "\(t.file): \(Format.fixed(l)) LUFS")
      }
      if let l = m?.loudness.integratedLUFS {
        c.rect(x0: x + 0.5, x1: x + 0.85, y0: lo, y1: l, cls: "after", label: "after",
               tooltip: "\(t.file) master: \(Format.fixed(l)) LUFS")
      }
      if let tp = t.loudness.truePeakDBTP {
        c.marker(x: x + (m == nil ? 0.5 : 0.33), y: tp, cls: "tp", label: "true peak",
                 tooltip: "\(t.file): \(Format.fixed(tp)) dBTP")
      }
      if let tp = m?.loudness.truePeakDBTP {
        c.marker(x: x + 0.67, y: tp, cls: "tp-after", label: "true peak after", tooltip: "master: \(Format.fixed(tp)) dBTP")
      }
    }
    return c.render(xTicks: (0..<doc.tracks.count).map { (Double($0) + 0.5, "\($0 + 1)") }, yTicks: SVGChart.ticks(lo...hi, step: lo < -40 ? 10 : 3))
  }

  static func tonal(_ doc: AnalysisDocument, plan: AlbumPlan?) -> String {
    let curves = doc.tracks.map { shape(centers: $0.spectrum.bandCentersHz, levels: $0.spectrum.levelsDB) }
    let profile = shape(centers: doc.profile.bandCentersHz, levels: doc.profile.tonalBalanceDB)
    let y = SVGChart.range((curves + [profile]).flatMap { $0.compactMap(\.1) }, step: 6, limit: -60...36, minimum: -12...12)
    var c = SVGChart(title: "Tonal balance against the album profile (1/3-octave, mean-removed); dashed: applied EQ",
                     xLabel: "frequency (Hz)", yLabel: "dB", x: 20...20_000, y: y, logX: true)
    c.line(profile, cls: "profile", label: "album profile")
    let eqs = Dictionary((plan?.tracks ?? []).map { ($0.file, $0.eq) }, uniquingKeysWith: { a, _ in a })
    for (i, t) in doc.tracks.enumerated() {
      c.line(curves[i], cls: cls(i), label: "\(i + 1)")
      if let eq = eqs[t.file], !eq.isFlat {
        c.line(eq.frequenciesHz.map { ($0, eq.gainDB(at: $0)) }, cls: "\(cls(i)) eq")
      }
    }
    return c.render(xTicks: SVGChart.frequencyTicks(upTo: 20_000), yTicks: SVGChart.ticks(y, step: 6))
  }

  /// The series as (seconds from the track's start, LUFS) points: value i ends at (i+1)·interval.
  static func points(_ s: LoudnessSeries, offset: Double = 0) -> [(Double, Double?)] {
    s.valuesLUFS.enumerated().map { (offset + Double($0.offset + 1) * s.intervalSeconds, $0.element) }
  }

  /// The album's short-term loudness end to end: per-track colours before mastering; once mastered, the
  /// sources in the "before" colour and the masters in the "after" colour.
  static func timeline(_ doc: AnalysisDocument) -> String {
    let masters = Dictionary((doc.masters ?? []).map { ($0.file, $0) }, uniquingKeysWith: { a, _ in a })
    let mastered = !masters.isEmpty
    let total = max(1, doc.tracks.reduce(0) { $0 + $1.durationSeconds })
    var c = SVGChart(title: "Short-term loudness through the album (3 s windows)\(mastered ? ", before and after" : "")",
                     xLabel: "album time (s)", yLabel: "LUFS", x: 0...total, y: -48...0)
    var offset = 0.0
    for (i, t) in doc.tracks.enumerated() {
      if mastered {
        c.line(points(t.loudness.shortTermSeries, offset: offset), cls: "before-line", label: i == 0 ? "before" : nil)
        if let a = masters[t.file]?.analysis {
          c.line(points(a.loudness.shortTermSeries, offset: offset), cls: "after-line", label: c.hasLegend("after") ? nil : "after")
        }
      } else {
        c.line(points(t.loudness.shortTermSeries, offset: offset), cls: cls(i), label: "\(i + 1)")
      }
      offset += t.durationSeconds
      if i < doc.tracks.count - 1 { c.vline(x: offset, cls: "grid strong") }
    }
    let step = total > 1200 ? 300.0 : total > 300 ? 60 : 30
    return c.render(xTicks: SVGChart.ticks(0...total, step: step), yTicks: SVGChart.ticks(-48...0, step: 6))
  }

  /// One track's short-term loudness over time, the source and (once mastered) the master on one axis.
  static func trackTimeline(_ t: TrackAnalysis, after: TrackAnalysis?) -> String {
    let before = points(t.loudness.shortTermSeries)
    let afterPoints = after.map { points($0.loudness.shortTermSeries) } ?? []
    let total = max(1, (before + afterPoints).map(\.0).max() ?? t.durationSeconds)
    let y = SVGChart.range((before + afterPoints).compactMap(\.1), step: 6, limit: -72...6, minimum: -36...(-6))
    var c = SVGChart(title: "Short-term loudness over time (3 s windows)\(after == nil ? "" : ", before and after")",
                     xLabel: "time (s)", yLabel: "LUFS", x: 0...total, y: y)
    c.height = 240
    c.line(before, cls: "before-line", label: "before")
    if after != nil { c.line(afterPoints, cls: "after-line", label: "after") }
    let step = total > 1200 ? 300.0 : total > 300 ? 60 : total > 60 ? 30 : 5
    return c.render(xTicks: SVGChart.ticks(0...total, step: step), yTicks: SVGChart.ticks(y, step: 6))
  }

  /// The compressor's and the limiter's gain reduction over time for one master (deepest per interval), with
  /// the limiting budget as a line; empty when neither ran.
  static func gainReduction(_ r: RenderReport?, budgetDB: Double?) -> String {
    guard let r, r.limiterGainReduction != nil || r.compressorGainReduction != nil else { return "" }
    func pts(_ s: GainReductionSeries?) -> [(Double, Double?)] {
      guard let s else { return [] }
      return s.valuesDB.enumerated().map { (Double($0.offset) * s.intervalSeconds, $0.element) }
    }
    let comp = pts(r.compressorGainReduction), lim = pts(r.limiterGainReduction)
    let total = max(1, (comp + lim).map(\.0).max() ?? 1)
    let deepest = max(3, (comp + lim).compactMap(\.1).max() ?? 0, budgetDB ?? 0)
    let top = (deepest / 3).rounded(.up) * 3
    var c = SVGChart(title: "Gain reduction over time: compressor and limiter", xLabel: "time (s)", yLabel: "dB", x: 0...total, y: 0...top)
    c.height = 200
    if let b = budgetDB { c.line([(0, b), (total, b)], cls: "profile", label: "limiting budget (99 % of the time)") }
    if !comp.isEmpty { c.line(comp, cls: "before-line", label: "compressor") }
    if !lim.isEmpty { c.line(lim, cls: "after-line", label: "limiter") }
    let step = total > 1200 ? 300.0 : total > 300 ? 60 : total > 60 ? 30 : 5
    return c.render(xTicks: SVGChart.ticks(0...total, step: step), yTicks: SVGChart.ticks(0...top, step: 3))
  }

  static func width(_ doc: AnalysisDocument) -> String {
    let masters = Dictionary((doc.masters ?? []).map { ($0.file, $0) }, uniquingKeysWith: { a, _ in a })
    let n = Double(max(doc.tracks.count, 1))
    var c = SVGChart(title: "Stereo width (side/mid energy); line: album width", xLabel: "track", yLabel: "dB", x: 0...n, y: -40...0)
    if let w = doc.profile.widthDB { c.line([(0, w), (n, w)], cls: "profile", label: "album width") }
    for (i, t) in doc.tracks.enumerated() {
      let x = Double(i)
      let before = t.stereo.width, after = masters[t.file]?.analysis?.stereo.width ?? .mono
      if let y = widthBarDB(before) {
        c.rect(x0: x + 0.15, x1: x + (after == .mono ? 0.85 : 0.5), y0: -40, y1: y, cls: "before", label: "before",
               tooltip: "\(t.file): \(Format.fixed(t.stereo.widthDB, missing: "")) dB")
      }
      if let y = widthBarDB(after) {
        c.rect(x0: x + 0.5, x1: x + 0.85, y0: -40, y1: y, cls: "after", label: "after", tooltip: "master: \(Format.fixed(after.storedDB, missing: "")) dB")
      }
    }
    return c.render(xTicks: (0..<doc.tracks.count).map { (Double($0) + 0.5, "\($0 + 1)") }, yTicks: SVGChart.ticks(-40...0, step: 10))
  }

  /// The top of a width bar on the −40…0 dB axis: none for mono, the top for side only (all side).
  static func widthBarDB(_ w: StereoWidth) -> Double? {
    switch w {
    case .mono: nil
    case .sideOnly: 0
    case .db(let d): max(-40, min(0, d))
    }
  }

  static func midSide(_ t: TrackAnalysis, after: TrackAnalysis?) -> String {
    let s = t.spectrum
    let all = (s.midLevelsDB ?? s.levelsDB) + (s.sideLevelsDB ?? []) + (after?.spectrum.sideLevelsDB ?? [])
    let y = SVGChart.range(all.compactMap { $0 }, step: 10, limit: -160...0, minimum: -60...(-40))
    var c = SVGChart(title: "Mid and side spectra (width \(t.stereo.widthDB.map { "\(Format.fixed($0)) dB" } ?? "–")\(after?.stereo.widthDB.map { " → \(Format.fixed($0)) dB" } ?? ""))",
                     xLabel: "frequency (Hz)", yLabel: "dB per bin", x: 20...20_000, y: y, logX: true)
    c.height = 260
    c.line(zip(s.bandCentersHz, s.midLevelsDB ?? s.levelsDB).map { ($0, $1) }, cls: "mid", label: "mid")
    if let side = s.sideLevelsDB { c.line(zip(s.bandCentersHz, side).map { ($0, $1) }, cls: "side", label: "side") }
    if let a = after?.spectrum, let side = a.sideLevelsDB { c.line(zip(a.bandCentersHz, side).map { ($0, $1) }, cls: "side-after", label: "side after") }
    return c.render(xTicks: SVGChart.frequencyTicks(upTo: 20_000), yTicks: SVGChart.ticks(y, step: 20))
  }

  static func beforeAfterTonal(_ t: TrackAnalysis, after: TrackAnalysis?, profile: AlbumProfile, eq: GainCurve?) -> String {
    let p = shape(centers: profile.bandCentersHz, levels: profile.tonalBalanceDB)
    let b = shape(centers: t.spectrum.bandCentersHz, levels: t.spectrum.levelsDB)
    let a = after.map { shape(centers: $0.spectrum.bandCentersHz, levels: $0.spectrum.levelsDB) } ?? []
    let y = SVGChart.range((p + b + a).compactMap(\.1), step: 6, limit: -60...36, minimum: -12...12)
    var c = SVGChart(title: "Tonal balance before\(after == nil ? "" : " and after") against the album profile",
                     xLabel: "frequency (Hz)", yLabel: "dB", x: 20...20_000, y: y, logX: true)
    c.height = 260
    c.line(p, cls: "profile", label: "album profile")
    c.line(b, cls: "before-line", label: "before")
    if after != nil { c.line(a, cls: "after-line", label: "after") }
    if let eq, !eq.isFlat { c.line(eq.frequenciesHz.map { ($0, eq.gainDB(at: $0)) }, cls: "eq-line", label: "EQ applied") }
    return c.render(xTicks: SVGChart.frequencyTicks(upTo: 20_000), yTicks: SVGChart.ticks(y, step: 6))
  }
}
