import Analysis
import AudioIO
import DSP
import Foundation
import Infrastructure
import Matching
import Reports
import Rendering

/// Render → verify for every planned track: cached masters reused, the others made by `TrackMastering`, then
/// album.yaml's delivery variants.
enum RenderStage {
  /// A track's master: its result, the cache key to store it under, and whether it is only a stale record.
  typealias Rendered = (master: MasterResult, key: String?, stale: Bool)

  /// The masters made (or reused) and the tracks that failed.
  struct Output: Sendable {
    var masters: [MasterResult] = []
    var failures: [TrackFailure] = []
    var reused = 0
    var rendered = 0
    /// The cache keys of the masters rendered now (not reused), for the tag stage, which stores their entries
    /// once the tagged bytes are final.
    var cacheKeys: [String: String] = [:]
    /// Plans rendered again (`renderAgain`): a smaller width change, or a lower loudness for the album's order.
    var replanned: [String: TrackPlan] = [:]
  }

  /// Renders every track of `plan` that was analysed (all of them with `--no-verify`). With `replan` (a plan made
  /// by this run), a master that broke its plan's promises is rendered once more (`renderAgain`).
  /// - Throws: a write-guard or folder error before any master is written; `AudioIOError.cancelled`.
  static func run(_ run: AlbumContext, plan: AlbumPlan, analysis: AlbumAnalysis, replan: Bool) async throws -> Output {
    let out = run.mastersFolder
    try ReportFolder.create(out, role: "the masters folder")
    let verify = !run.options.skipVerification
    let analysed = Set(verify ? analysis.tracks.map(\.file) : run.album.files)
    let jobs = plan.tracks.filter { analysed.contains($0.file) }
    // Each source's header is read once here, for the album's format, the names, the renders and the variants.
    var headers: [String: AudioFileInfo] = [:]
    for t in jobs { headers[t.file] = try? AudioFileReader(path: run.album.path(of: t.file)).info }
    let albumSources = jobs.compactMap { headers[$0.file] }
    let settings = run.options.render.resolved(forAlbum: albumSources)
    let names = AlbumMasterer.masterNames(jobs.map(\.file), format: { file in headers[file].map { settings.outputFormat(for: $0) } })
    // Exact: no master may be renamed onto an input (the folder checks already refuse most such runs).
    for name in names { try run.writeGuard.checkFile((out as NSString).appendingPathComponent(name), role: "the master") }
    let cache = run.cache()
    let caching = BackgroundWork()
    defer { caching.joinAll() }
    let hashes = analysis.contentHashes
    let sourcePeaks = Dictionary(
      analysis.tracks.compactMap { t in t.loudness.truePeakDBTP.map { (t.file, $0) } }, uniquingKeysWith: { a, _ in a })
    let sourceHeaders = headers
    // `record`: a cached master whose file was replaced may stand in as a measurement only (`stale`): a track
    // rendered again by `renderAgain` last time holds its second master, and its first is needed for the decision.
    let one: @Sendable ((TrackPlan, String, record: Bool)) -> Result<Rendered, TrackFailure> = { job in
      let (tp, name, record) = job
      let source = run.album.path(of: tp.file)
      if Cancellation.isRequested { return .failure(TrackFailure(file: tp.file, error: AudioIOError.cancelled(path: source).reason)) }
      let trackSettings = run.options.renderSettings(for: tp.file, album: settings)
      var track = TrackMastering(
        source: source, plan: tp, settings: trackSettings, masterPath: (out as NSString).appendingPathComponent(name),
        reportFolder: run.reportFolder, profile: plan.profile, sourceInfo: sourceHeaders[tp.file], sourceTruePeakDBTP: sourcePeaks[tp.file], verify: verify,
        dynamicsAmount: plan.options.dynamicsAmount, maxCompressionDB: plan.options.maxCompressionDB)
      track.albumSources = albumSources
      track.writesTags = run.options.writeTags
      // Reuse a master made from the same source, plan and settings, while its file is unchanged.
      let key = verify ? ResultCache.masterKey(source: source, knownHash: hashes[tp.file], plan: tp, settings: trackSettings) : nil
      if let key, var cached = cache.master(key: key, masterPath: track.masterPath) {
        // A variant asked for since the master was cached (a new output, --cd) is made now, from its settings.
        do {
          let added = try variants(
            track, run: run, plan: tp.applying(cached.render.dynamics), appliedGainDB: cached.render.gainDB, missingOnly: true)
          if !added.isEmpty { cached = cached.recording(variants: (cached.variants ?? []) + added) }
        } catch {
          return .failure(TrackFailure(file: tp.file, error: "\(error)"))
        }
        cached.reused = true
        run.onEvent(.track(.finished(file: tp.file)))
        return .success((cached, nil, false))
      }
      if record, let key, let measured = cache.masterRecord(key: key) { return .success((measured, nil, true)) }
      return master(track, run: run, key: key, cache: cache, caching: caching).map { ($0, key, false) }
    }
    let replanning = replan && verify
    var results = await forEachConcurrently(Array(zip(jobs, names)), jobs: run.options.jobs, slots: run.slots) {
      one(($0.0, $0.1, replanning))
    }
    var output = Output()
    if replanning {
      output.replanned = await renderRound(
        jobs, names: names, results: &results, analysis: analysis, options: plan.options, run: run, cache: cache, one: one)
    }
    for r in results {
      switch r {
      case .success(var (m, key, _)):
        if m.reused == true { output.reused += 1 } else { output.rendered += 1 }
        if let key { output.cacheKeys[m.file] = key }
        m.reused = nil
        output.masters.append(m)
      case .failure(let f):
        output.failures.append(f)
        run.failed(f)
      }
    }
    try Cancellation.check(out)
    return output
  }

  /// The second round: `renderAgain`'s plans, and any stale record not chosen after all (rendered as planned),
  /// rendered into `results`; the first render's record is kept for the next run's decision (its file now holds
  /// the second master). Returns the changed plans by file.
  private static func renderRound(
    _ jobs: [TrackPlan], names: [String], results: inout [Result<Rendered, TrackFailure>], analysis: AlbumAnalysis,
    options: MatchingOptions, run: AlbumContext, cache: ResultCache,
    one: @escaping @Sendable ((TrackPlan, String, record: Bool)) -> Result<Rendered, TrackFailure>
  ) async -> [String: TrackPlan] {
    var again = renderAgain(jobs, results: results, analysis: analysis, options: options)
    let chosen = Set(again.map(\.index))
    for (i, r) in results.enumerated() where !chosen.contains(i) {
      if case .success(let m) = r, m.stale { again.append((i, jobs[i])) }
    }
    let redone = await forEachConcurrently(again.map { ($0.plan, names[$0.index]) }, jobs: run.options.jobs, slots: run.slots) {
      one(($0.0, $0.1, false))
    }
    var replanned: [String: TrackPlan] = [:]
    for ((i, p), r) in zip(again, redone) {
      if case .success(let first) = results[i], !first.stale, let key = first.key { cache.storeRecord(key: key, result: first.master) }
      results[i] = r
      if p != jobs[i] { replanned[p.file] = p }
    }
    return replanned
  }

  /// The plans to render once more, with their job index: a master whose width moved past `maxWidthDB` or whose
  /// correlation fell more than `Planner.maxCorrelationDrop` gets a side gain less the measured excess
  /// (`Planner.widthRetry`); in album mode, a master that ended above a louder source's master, which its limiting
  /// budget lowered, goes under it (`AlbumLoudnessShape.orderKeepingTargets`).
  private static func renderAgain(
    _ jobs: [TrackPlan], results: [Result<Rendered, TrackFailure>], analysis: AlbumAnalysis,
    options: MatchingOptions
  ) -> [(index: Int, plan: TrackPlan)] {
    let sources = Dictionary(analysis.tracks.map { ($0.file, $0) }, uniquingKeysWith: { a, _ in a })
    var again: [Int: TrackPlan] = [:]
    var rows: [(index: Int, source: Double, planned: Double, achieved: Double)] = []
    for (i, (tp, r)) in zip(jobs, results).enumerated() {
      guard case .success(let (m, _, _)) = r, let t = sources[tp.file], let master = m.analysis else { continue }
      if let d = Planner.widthRetry(track: t, sideDB: tp.widthDB, master: master.stereo, options: options) {
        var p = tp
        p.gainDB -= Planner.widthLoudnessChangeDB(track: t, sideDB: d) - Planner.widthLoudnessChangeDB(track: t, sideDB: tp.widthDB)
        p.widthDB = d
        p.reasons.append(
          "Side \(Format.fixed(d, sign: true)) dB in place of \(Format.fixed(tp.widthDB, sign: true)) dB: the first master measured width "
            + "\(Format.fixed(master.stereo.width.midSideDB, missing: "n/a")) dB and correlation \(Format.fixed(master.stereo.correlation, digits: 2, missing: "n/a")), past the width limits.")
        again[i] = p
      }
      if let s = t.loudness.integratedLUFS, let planned = tp.targetLUFS, let achieved = master.loudness.integratedLUFS {
        rows.append((i, s, planned, achieved))
      }
    }
    if options.loudness == .album {
      let targets = AlbumLoudnessShape.orderKeepingTargets(
        sourcesLUFS: rows.map(\.source), plannedLUFS: rows.map(\.planned), achievedLUFS: rows.map(\.achieved))
      for (n, target) in targets {
        let row = rows[n]
        again[row.index] = (again[row.index] ?? jobs[row.index]).lowered(byDB: row.planned - target, reason:
          "Lowered to \(Format.fixed(target)) LUFS to stay under a louder track's master, which its dynamics (limiting budget or PSR floor) held lower: the album keeps its loudness order.")
      }
    }
    return again.keys.sorted().map { ($0, again[$0]!) }
  }

  /// One track: its master, then its cache entry (beside the rest) and its delivery variants.
  private static func master(
    _ track: TrackMastering, run: AlbumContext, key: String?, cache: ResultCache, caching: BackgroundWork
  ) -> Result<MasterResult, TrackFailure> {
    let file = track.plan.file
    run.onEvent(.track(.started(file: file)))
    do {
      let result = try track.run { stage, f in run.onEvent(.track(.progress(file: file, stage: stage, fraction: f))) }
      run.onEvent(.track(.finished(file: file)))
      // Hashing the master for the cache runs beside the rest (the reports, the next track).
      let variants = try variants(track, run: run, plan: track.plan.applying(result.render.dynamics), appliedGainDB: result.render.gainDB)
      let recorded = result.recording(variants: variants)
      // With tags on, the tag stage stores the entry once the tagged bytes are final (one hash, not two).
      if let key, !run.options.writeTags { caching.start("caching: \(file)") { cache.store(key: key, masterPath: track.masterPath, result: recorded) } }
      return .success(recorded)
    } catch let e as RenderError {
      return .failure(TrackFailure(file: file, error: e.reason))
    } catch let e as TrackFailure {
      return .failure(TrackFailure(file: file, error: "verifying the master: \(e.error)"))
    } catch {
      return .failure(TrackFailure(file: file, error: "\(error)"))
    }
  }

  /// album.yaml's delivery variants of one track, from the plan as the main master's render settled it
  /// (`applying` its dynamics outcome), at the main master's applied gain.
  /// With `missingOnly`, only the variants whose file does not exist yet (beside a cached master).
  private static func variants(
    _ track: TrackMastering, run: AlbumContext, plan: TrackPlan, appliedGainDB: Double, missingOnly: Bool = false
  ) throws -> [RenderReport] {
    var reports: [RenderReport] = []
    let gainOffsetDB = appliedGainDB - plan.gainDB
    for v in run.variants {
      var vs = v.renderSettings
      vs.edits = track.settings.edits  // the track's fades and trims, as in its main master
      vs.formatPerTrack = track.settings.formatPerTrack
      vs = vs.resolved(forAlbum: track.albumSources)  // one rate and depth for the album's variant too
      let vpath = v.masterPath(of: track.masterPath, sourceInfo: track.sourceInfo)
      let dir = (vpath as NSString).deletingLastPathComponent
      try run.writeGuard.checkFolder(dir, role: "the variant folder")
      if missingOnly && PathFacts.kind(vpath) != .missing { continue }
      try ReportFolder.create(dir, role: "the variant folder")
      try run.writeGuard.checkFile(vpath, role: "the variant master")
      var report = try CodecCeiling.renderVariant(
        source: track.source, plan: plan, settings: vs, info: track.sourceInfo, to: vpath, gainOffsetDB: gainOffsetDB)
      report.path = vpath.hasPrefix(track.reportFolder + "/") ? String(vpath.dropFirst(track.reportFolder.count + 1)) : vpath
      reports.append(report)
    }
    return reports
  }
}

extension AlbumPlan {
  /// The plan as the renders settled it: each track's compressor, expected PSR and any loudness lowered for
  /// the limiting budget, from its master's render report.
  func settled(by masters: [MasterResult]) -> AlbumPlan {
    let outcomes = Dictionary(masters.map { ($0.file, $0.render.dynamics) }, uniquingKeysWith: { a, _ in a })
    var p = self
    p.tracks = tracks.map { t in outcomes[t.file].map { t.applying($0) } ?? t }
    return p
  }
}

extension AlbumAnalysis {
  /// Adds the render stage's failures and cache counters.
  mutating func record(_ rendered: RenderStage.Output) {
    failures += rendered.failures
    cache.mastersReused += rendered.reused
    cache.mastersRendered += rendered.rendered
  }
}
