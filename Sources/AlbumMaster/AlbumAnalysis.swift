import Analysis
import AudioIO
import Foundation
import Infrastructure
import Matching
import Reports

/// What one album's analysis produced.
public struct AlbumAnalysis: Sendable {
  /// The album analysed.
  public var album: Album
  /// Analysed tracks, in album order.
  public var tracks: [TrackAnalysis]
  /// Tracks that could not be analysed, in album order.
  public var failures: [TrackFailure]
  /// What the tracks are matched to: the album's own profile, or the references' or a saved one.
  public var profile: AlbumProfile
  /// SHA-256 of each analysed file's bytes (when a cache was used).
  public var contentHashes: [String: String] = [:]
  /// Analyses and masters this run reused or computed (for the `--json` result only).
  public var cache = CacheStats()

  /// The `analysis.json` document.
  public var document: AnalysisDocument {
    var doc = AnalysisDocument(
      album: .init(name: album.name, path: album.path), tracks: tracks, profile: profile, failures: failures)
    doc.cache = cache
    return doc
  }
}

/// Something happened to one track; for progress displays.
public enum TrackEvent: Sendable {
  /// A track's work began.
  case started(file: String)
  /// A stage ("analysing", "rendering", "verifying") is `fraction` (0…1) done.
  case progress(file: String, stage: String, fraction: Double)
  /// A track's work ended well.
  case finished(file: String)
  /// A track failed; the others go on.
  case failed(TrackFailure)
}

/// Analyses albums with tracks in parallel.
public enum AlbumAnalyzer {
  /// Analyses every track of `album`, at most `jobs` at a time, each in its own task with its own C handles.
  /// One bad track never stops the others: it lands in `failures`.
  public static func analyze(
    _ album: Album, jobs: Int = ProcessInfo.processInfo.activeProcessorCount, cache: ResultCache? = nil,
    slots: JobSlots? = nil, onEvent: (@Sendable (TrackEvent) -> Void)? = nil
  ) async -> AlbumAnalysis {
    let results = await forEachConcurrently(album.files, jobs: jobs, slots: slots) { file -> (Result<TrackAnalysis, TrackFailure>, String?, Bool) in
      onEvent?(.started(file: file))
      let outcome = analyzeFile(path: album.path(of: file), file: file, cache: cache) { f in
        onEvent?(.progress(file: file, stage: "analysing", fraction: f))
      }
      switch outcome.result {
      case .success: onEvent?(.finished(file: file))
      case .failure(let failure): onEvent?(.failed(failure))
      }
      return outcome
    }
    var tracks: [TrackAnalysis] = [], failures: [TrackFailure] = []
    for name in album.unreadableNames {
      let f = TrackFailure(file: name, error: Album.unreadableNameReason)
      onEvent?(.failed(f))
      failures.append(f)
    }
    var hashes: [String: String] = [:]
    var stats = CacheStats()
    for (r, hash, reused) in results {
      switch r {
      case .success(let t):
        tracks.append(t)
        if let hash { hashes[t.file] = hash }
        if reused { stats.analysesReused += 1 } else { stats.analysesComputed += 1 }
      case .failure(let f): failures.append(f)
      }
    }
    let profile = AlbumProfile(tracks: tracks)
    for i in tracks.indices { tracks[i].tonalDeviationDB = TonalDeviation.deviationDB(track: tracks[i], profile: profile) }
    var analysis = AlbumAnalysis(album: album, tracks: tracks, failures: failures, profile: profile)
    analysis.contentHashes = hashes
    analysis.cache = stats
    return analysis
  }

  /// Analyses one file, or takes its analysis from `cache` when the SHA-256 of its bytes is there (and stores
  /// a new one). Returns the hash too (nil without a cache) and whether the analysis was reused.
  static func analyzeFile(
    path: String, file: String, cache: ResultCache?, progress: ((Double) -> Void)? = nil
  ) -> (result: Result<TrackAnalysis, TrackFailure>, hash: String?, reused: Bool) {
    // After an interruption the tracks not started yet are not even hashed.
    if Cancellation.isRequested { return (.failure(TrackFailure(file: file, error: AudioIOError.cancelled(path: path).reason)), nil, false) }
    // One descriptor, checked to be a regular file, is both hashed and decoded.
    do throws(AudioIOError) {
      let input = try InputFile(path: path)
      let hash = cache != nil ? try? input.sha256Hex() : nil
      if let cache, let hash, let cached = cache.analysis(hash: hash, file: file) { return (.success(cached), hash, true) }
      let result = Result { () throws(TrackFailure) in try TrackAnalyzer.analyze(input: input, file: file, progress: progress) }
      if case .success(let a) = result, let cache, let hash { cache.store(hash: hash, analysis: a) }
      return (result, hash, false)
    } catch {
      return (.failure(TrackFailure(file: file, error: error.reason)), nil, false)
    }
  }

  /// Writes analysis.json, profile.json, tracks.csv and bands.csv into `folder` (created if needed), each atomically.
  /// - Returns: the paths written.
  @discardableResult
  public static func writeReports(_ analysis: AlbumAnalysis, to folder: String) throws -> [String] {
    try writeReports(doc: analysis.document, to: folder)
  }

  /// Writes a document's report files into `folder`, each atomically: the JSON (without the run's `cache`
  /// counters), the CSVs and `index.html` (which shows the plan's EQ curves and reasons when there is one, and
  /// `sourceCheck`'s QA of the sources beside a master report).
  @discardableResult
  public static func writeReports(
    doc: AnalysisDocument, plan: AlbumPlan? = nil, sourceCheck: AnalysisDocument? = nil, to folder: String
  ) throws -> [String] {
    try ReportFolder.create(folder, role: "the report folder")
    let absolute = URL(fileURLWithPath: folder).standardizedFileURL.path
    // The cache counters describe one run, not the album: they go to the `--json` result only, so that a run
    // resumed after an interruption writes the same analysis.json as an uninterrupted one.
    var saved = doc
    saved.cache = nil
    let files: [(String, Data)] = [
      (ReportFile.analysis, try JSONReport.encode(saved)),
      (ReportFile.profile, try JSONReport.encode(doc.profile)),
      (ReportFile.tracks, Data(try CSVReport.tracks(doc).utf8)),
      (ReportFile.bands, Data(try CSVReport.bands(doc).utf8)),
    ] + (try doc.qa.map { [(ReportFile.qa, Data(try CSVReport.qa($0).utf8))] } ?? [])
      + [(ReportFile.index, Data(try HTMLReport.render(doc: doc, plan: plan, reportFolder: absolute, sourceCheck: sourceCheck).utf8))]
    return try files.map { name, data in
      let path = (folder as NSString).appendingPathComponent(name)
      try AtomicFile.write(data, to: path)
      return path
    }
  }
}
