import Analysis
import AudioIO
import Foundation
import Infrastructure
import Matching
import QualityControl
import Reports

/// The mastering pipeline for one album: analyse → profile → plan → render → verify → QA → report.
/// `AlbumBatch.master` runs it for every album of a request; an embedder may call it for one album with
/// options it resolved itself (`MasterRequest` resolves them the way the CLI does).
public enum AlbumMasterer {
  /// Loudness a render may miss before it is corrected and rendered again (the plan keeps this much room
  /// inside the ±max-spread band, so the spread bound holds for the masters, not just the plan).
  public static let correctionThresholdLU = Planner.renderToleranceLU
  /// Loudness a master may miss its plan by and still pass.
  public static let toleranceLU = Verification.toleranceLU
  /// The most the loudness correction adds to (or takes from) a plan's gain. Past it the limiter, not the gain,
  /// would be making the loudness (a target the ceiling cannot allow): the master is reported as missed.
  public static let maxCorrectionDB = 3.0

  /// Masters `album`, writing reports (and masters) under `reportsFolder`, with the album's report folder
  /// locked (another run on it is refused).
  /// - Throws: `WriteGuardError` when an output could touch an input; `OutputFolderError` when the report folder
  ///   cannot be made or another run holds it; `MasteringError`; a report write failure.
  public static func master(
    _ album: Album, options: MasterOptions, reportsFolder: String,
    onEvent: @escaping @Sendable (RunEvent) -> Void = { _ in }
  ) async throws -> MasterOutcome {
    let run = AlbumContext(album: album, options: options, reportsFolder: reportsFolder, onEvent: onEvent)
    return try await run.locked { try await pipeline(run, plan: nil) }
  }

  /// Renders an (edited) plan for `album` and verifies the masters, with the album's report folder locked.
  public static func render(
    _ album: Album, plan: AlbumPlan, options: MasterOptions, reportsFolder: String,
    onEvent: @escaping @Sendable (RunEvent) -> Void = { _ in }
  ) async throws -> MasterOutcome {
    let run = AlbumContext(album: album, options: options, reportsFolder: reportsFolder, onEvent: onEvent)
    return try await run.locked { try await pipeline(run, plan: plan) }
  }

  /// The stages, in order. `given` is a plan to render instead of making one.
  static func pipeline(_ run: AlbumContext, plan given: AlbumPlan?) async throws -> MasterOutcome {
    // Analyse every track, and the references; `render --no-verify` analyses nothing.
    let analysed = await AnalyseStage.run(run, references: given == nil, skip: given != nil && run.options.skipVerification)
    // Profile: what the album is matched to (a saved profile, the references' blend, or the album itself).
    let target = try given.map(MatchTarget.init(plan:)) ?? ProfileStage.target(run, analysed)
    var analysis = ProfileStage.measure(analysed.album, against: target.profile)
    // Plan: one decision per track with its reasons, then album.yaml's per-track overrides.
    var plan = given ?? PlanStage.plan(run, analysis: analysis, target: target)
    try Cancellation.check(run.reportFolder)  // an interrupted analysis writes no reports
    var written = try ReportStage.begin(run, plan: plan)
    var masters: [MasterResult] = []
    var qa: QAReport? = nil
    if !run.options.planOnly {
      // Render → verify, per track: each master is measured as it is written, its loudness corrected, and
      // judged against its plan (`TrackMastering`, `Verification`).
      var rendered = try await RenderStage.run(run, plan: plan, analysis: analysis, replan: given == nil)
      plan.tracks = plan.tracks.map { rendered.replanned[$0.file] ?? $0 }
      // Tag: loudness tags (the album's needs every master) and album.yaml's identifiers (`TagStage`).
      await TagStage.run(run, plan: plan, analysis: analysis, rendered: &rendered)
      masters = rendered.masters
      analysis.record(rendered)
      // The compressors and loudness the renders settled on; a plan given with --plan stays as it was read
      // (plan.json may be that very file: an input).
      if given == nil { plan = plan.settled(by: masters) }
      // The CD image (--cd) from the 16-bit 44.1 kHz masters, and its Red Book rows.
      let cd = try CDImageStage.run(run, masters: masters)
      // QA: the album's checks, the preset and codec safety, on the verified masters.
      qa = await QAStage.run(run, masters: masters, plan: plan)?.adding(cd)
    }
    // Report: analysis.json with the masters and QA, the CSVs and index.html.
    try Cancellation.check(run.reportFolder)  // reports of an interrupted run would record its interruptions as failures
    written += try ReportStage.finish(run, analysis: analysis, plan: plan, masters: masters, qa: qa, written: written)
    return MasterOutcome(
      analysis: analysis, plan: plan, masters: masters, failures: analysis.failures, written: written, qa: qa)
  }

  /// Reads `plan.json` at `path` and checks it against the album at `albumPath` (its name and tracks). An album
  /// that cannot be opened is left to the run to report, as for `master`.
  public static func loadPlan(path: String, albumPath: String) throws(InputError) -> AlbumPlan {
    let plan = try AlbumPlan.load(path: path)
    if let album = try? Album.discover(albumPath) {
      try plan.validate(subject: path, albumName: album.name, files: album.files)
    }
    return plan
  }
}

/// One album's run: what every stage needs besides its own input.
struct AlbumContext: Sendable {
  var album: Album
  var options: MasterOptions
  var reportsFolder: String
  var onEvent: @Sendable (RunEvent) -> Void

  /// `<reports>/<album>`.
  var reportFolder: String { WriteGuard.reportFolder(reports: reportsFolder, album: album.name) }
  /// Where the masters go.
  var mastersFolder: String { options.outputFolder ?? (reportFolder as NSString).appendingPathComponent("masters") }
  /// The pool of track slots (shared with the run's other albums).
  var slots: JobSlots? { options.slots }
  /// The run's write guard, or one for this album and its references.
  var writeGuard: WriteGuard { options.writeGuard(for: album) }

  /// The album's cache of analyses and masters.
  func cache() -> ResultCache { ResultCache(reportFolder: reportFolder, readable: options.useCache) }

  /// Checks the album's outputs, then runs `body` with its report folder locked.
  func locked(_ body: () async throws -> MasterOutcome) async throws -> MasterOutcome {
    try writeGuard.checkAlbum(
      reports: reportsFolder, album: album.name, output: options.outputFolder, masters: !options.planOnly)
    return try await ReportFolder.withLock(reportFolder) { try await body() }
  }

  /// A track's failure, as an event naming its full path.
  func failed(_ f: TrackFailure) { onEvent(.trackFailed(path: album.path(of: f.file), reason: f.error)) }
}
