import Analysis
import AudioIO
import Foundation
import Infrastructure
import Matching
import Reports
import Rendering

/// Render → verify for every planned track: cached masters reused, the others made by `TrackMastering`, then
/// album.yaml's delivery variants.
enum RenderStage {
  /// The masters made (or reused) and the tracks that failed.
  struct Output: Sendable {
    var masters: [MasterResult] = []
    var failures: [TrackFailure] = []
    var reused = 0
    var rendered = 0
    /// The cache keys of the masters rendered now (not reused), for the tag stage, which stores their entries
    /// once the tagged bytes are final.
    var cacheKeys: [String: String] = [:]
  }

  /// Renders every track of `plan` that was analysed (all of them with `--no-verify`).
  /// - Throws: a write-guard or folder error before any master is written; `AudioIOError.cancelled`.
  static func run(_ run: AlbumContext, plan: AlbumPlan, analysis: AlbumAnalysis) async throws -> Output {
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
    let results = await forEachConcurrently(Array(zip(jobs, names)), jobs: run.options.jobs, slots: run.slots) {
      (pair) -> Result<(MasterResult, key: String?), TrackFailure> in
      let (tp, name) = pair
      let source = run.album.path(of: tp.file)
      if Cancellation.isRequested { return .failure(TrackFailure(file: tp.file, error: AudioIOError.cancelled(path: source).reason)) }
      let trackSettings = run.options.renderSettings(for: tp.file, album: settings)
      var track = TrackMastering(
        source: source, plan: tp, settings: trackSettings, masterPath: (out as NSString).appendingPathComponent(name),
        reportFolder: run.reportFolder, profile: plan.profile, sourceInfo: sourceHeaders[tp.file], sourceTruePeakDBTP: sourcePeaks[tp.file], verify: verify,
        dynamicsAmount: plan.options.dynamicsAmount, maxCompressionDB: plan.options.maxCompressionDB)
      track.albumSources = albumSources
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
        return .success((cached, nil))
      }
      return master(track, run: run, key: key, cache: cache, caching: caching).map { ($0, key) }
    }
    var output = Output()
    for r in results {
      switch r {
      case .success(var (m, key)):
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
