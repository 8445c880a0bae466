import Analysis
import AudioIO
import Foundation
import Infrastructure
import Matching

/// Analyse: every track of the album, and the reference tracks, from one pool of job slots.
enum AnalyseStage {
  /// The album's analysis and each reference's.
  struct Output: Sendable {
    /// The album's tracks and failures (profile and deviation still the album's own).
    var album: AlbumAnalysis
    /// Each `--reference`, in order.
    var references: [Result<TrackAnalysis, TrackFailure>]
  }

  /// Analyses the album (and, with `references`, the reference tracks alongside). With `skip` nothing is read.
  static func run(_ run: AlbumContext, references: Bool, skip: Bool) async -> Output {
    if skip { return Output(album: AlbumAnalysis(album: run.album, tracks: [], failures: [], profile: AlbumProfile(tracks: [])), references: []) }
    let cache = run.cache()
    let slots = run.slots ?? JobSlots(run.options.jobs)
    async let album = AlbumAnalyzer.analyze(run.album, jobs: run.options.jobs, cache: cache, slots: slots) { e in
      if case .failed(let f) = e { run.failed(f) } else { run.onEvent(.track(e)) }
    }
    let paths = references ? run.options.referencePaths : []
    let refs = await forEachConcurrently(paths, jobs: run.options.jobs, slots: slots) { path in
      AlbumAnalyzer.analyzeFile(path: path, file: (path as NSString).lastPathComponent, cache: cache).result
    }
    return Output(album: await album, references: refs)
  }
}

/// What the album is matched to: a profile, and the matching options (a reference may set the target).
struct MatchTarget: Sendable {
  var profile: AlbumProfile
  var matching: MatchingOptions

  /// The target of an existing plan: its profile and options.
  init(plan: AlbumPlan) {
    profile = plan.profile
    matching = plan.options
  }

  init(profile: AlbumProfile, matching: MatchingOptions) {
    self.profile = profile
    self.matching = matching
  }
}

/// Profile: a saved profile, the references' blend (and, unless a target was set, their loudness), or the
/// album's own.
enum ProfileStage {
  /// The profile the album is matched to.
  /// - Throws: `MasteringError` naming a reference that could not be analysed or has no measurable loudness.
  static func target(_ run: AlbumContext, _ analysed: AnalyseStage.Output) throws -> MatchTarget {
    var matching = run.options.matching
    if let p = run.options.profile { return MatchTarget(profile: p, matching: matching) }
    guard !run.options.referencePaths.isEmpty else { return MatchTarget(profile: analysed.album.profile, matching: matching) }
    var refs: [TrackAnalysis] = []
    for (path, result) in zip(run.options.referencePaths, analysed.references) {
      switch result {
      case .success(let a):
        // A reference with no measurable loudness has no balance to match: said, not silently ignored.
        guard a.loudness.integratedLUFS != nil else {
          throw MasteringError(path: path, reason: "reference: no measurable loudness (silent, or shorter than 400 ms); nothing to match")
        }
        refs.append(a)
      case .failure(let e): throw MasteringError(path: path, reason: "reference: \(e.error)")
      }
    }
    if !run.options.targetGiven, let l = AlbumLoudnessShape(sourcesLUFS: refs.compactMap { $0.loudness.integratedLUFS })?.anchorLUFS {
      matching.targetLUFS = l
    }
    return MatchTarget(profile: AlbumProfile(blending: refs), matching: matching)
  }

  /// The analysis with its profile set to `profile` and every track's deviation measured against it: deviation
  /// is always reported against the profile the album is matched to.
  static func measure(_ analysis: AlbumAnalysis, against profile: AlbumProfile) -> AlbumAnalysis {
    var a = analysis
    a.profile = profile
    for i in a.tracks.indices { a.tracks[i].tonalDeviationDB = TonalDeviation.deviationDB(track: a.tracks[i], profile: profile) }
    return a
  }
}

/// Plan: the planner's per-track decisions, then album.yaml's per-track overrides.
enum PlanStage {
  static func plan(_ run: AlbumContext, analysis: AlbumAnalysis, target: MatchTarget) -> AlbumPlan {
    let plan = Planner.plan(album: run.album.name, tracks: analysis.tracks, profile: target.profile, options: target.matching)
    return run.options.config.map { $0.apply(to: plan) } ?? plan
  }
}
