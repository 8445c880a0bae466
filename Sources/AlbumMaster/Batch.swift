import AudioIO
import Foundation
import Infrastructure
import Matching
import QualityControl
import Reports

/// Something a run reports while it works, for a console or a log. Errors are one line each (`isError`).
public enum RunEvent: Sendable {
  /// An album path that is not an album (missing, no audio, unreadable).
  case albumNotFound(AlbumError)
  /// An album refused before it started (`reason` names why), e.g. a folder name another album already uses.
  case albumRefused(path: String, reason: String)
  /// An album's album.yaml cannot be used; the album is not processed.
  case configInvalid(AlbumConfig.ConfigError)
  /// An album's album.yaml is used.
  case configUsed(album: String)
  /// An album starts: `stage` with `tracks` tracks and `units` units of progress (one per track and stage).
  case albumStarted(album: String, stage: RunStage, tracks: Int, units: Int)
  /// Progress of one track.
  case track(TrackEvent)
  /// A track failed; the others go on. `path` is the track's full path.
  case trackFailed(path: String, reason: String)
  /// An album failed as a whole (its report folder could not be made, another run holds it…).
  case albumFailed(path: String, reason: String)
  /// A master missed its loudness or ceiling.
  case masterMissed(path: String, message: String)
  /// `analyze` or `check` found a master report in the album's report folder (`folder`) and kept it: its
  /// results went beside it (`SourceCheckReport`).
  case masterReportKept(folder: String)
  /// An album is done; its tables are ready to show.
  case albumFinished(AlbumRun)
  /// The catalogue index of the reports root was written.
  case catalogueWritten(path: String)

  /// Whether this is an error line (to show even when quiet).
  public var isError: Bool {
    switch self {
    case .albumNotFound, .albumRefused, .configInvalid, .trackFailed, .albumFailed, .masterMissed: true
    default: false
    }
  }

  /// The event as one line of text (names not yet escaped for a terminal).
  public var message: String {
    switch self {
    case .albumNotFound(let e): e.description
    case .albumRefused(let path, let reason), .albumFailed(let path, let reason), .trackFailed(let path, let reason):
      "\(path): \(reason)"
    case .configInvalid(let e): e.description
    case .configUsed: "Using \(AlbumConfig.fileName)"
    case .albumStarted(let album, let stage, let tracks, _):
      "\(stage.verb) \(album): \(TerminalText.count(tracks, "track"))"
    case .track: ""
    case .masterMissed(let path, let message): "\(path): MASTER MISSED: \(message)"
    case .masterReportKept(let folder):
      "\(folder) holds a master report: kept; the sources' analysis and QA are in \(ReportFile.sourceAnalysis), "
        + "\(ReportFile.sourceQA) and the page's \"QA of the sources\" section"
    case .albumFinished(let run): "Wrote \(run.written.joined(separator: ", "))"
    case .catalogueWritten(let path): "Catalogue: \(path)"
    }
  }
}

/// What a run does to an album.
public enum RunStage: String, Sendable {
  /// `analyze` and `check` measure; `master` and `render` also render.
  case analysing, mastering

  /// The verb that opens an album's first line.
  public var verb: String { self == .analysing ? "Analysing" : "Mastering" }
}

/// What one album gave the run.
public struct AlbumRun: Sendable {
  /// The album's document (analysis, masters, QA), nil when the album failed as a whole.
  public var document: AnalysisDocument?
  /// The mastering outcome, for `master` and `render`.
  public var outcome: MasterOutcome?
  /// The report files written.
  public var written: [String] = []
  /// An album-level failure.
  public var failure: RunResult.Failure?
  /// Whether a track or the album could not be processed.
  public var broken = false
  /// Whether a master missed its plan or QA failed.
  public var missed = false
}

/// The machine-readable result of a run (`--json`): every album's document and the album-level failures.
public struct RunResult: Encodable, Sendable {
  /// The AlbumMaster release that wrote it (`albummaster --version`), so a saved result names its tool.
  public var albumMasterVersion = AlbumMasterRelease.version
  /// The analysis.json schema the documents follow.
  public var schemaVersion = AnalysisDocument.currentSchemaVersion
  /// One document per album that ran.
  public var albums: [AnalysisDocument]
  /// Albums that could not run at all.
  public var failures: [Failure]

  /// An album that could not run: its path and why.
  public struct Failure: Encodable, Sendable {
    /// The album's path (or an input's).
    public var file: String
    /// Why, in one line.
    public var error: String
  }
}

/// How a run ended, and the exit code that says so (0, 1 QA or a missed master, 2 a track or album failed).
public enum RunStatus: Int32, Sendable, Comparable {
  /// 0: success; 1: a master missed its plan or QA failed; 2: a track or an album could not be processed.
  case ok = 0, missed = 1, failed = 2

  /// Orders by severity.
  public static func < (a: RunStatus, b: RunStatus) -> Bool { a.rawValue < b.rawValue }
}

/// What a whole run produced.
public struct BatchOutcome: Sendable {
  /// Per album, in the order asked.
  public var albums: [AlbumRun]
  /// The `--json` result when it was asked for on standard output ("-"), for the caller to print.
  public var resultForStandardOutput: Data?
  /// How the run ended.
  public var status: RunStatus

  /// The closing summary: counts, what made the exit code (failed tracks, missed masters, failed QA checks),
  /// every failure by name, where the reports are. It ends with the exit code, so the two cannot disagree.
  public func summary(reportsFolder: String) -> String {
    let docs = albums.compactMap(\.document)
    let tracks = docs.reduce(0) { $0 + $1.tracks.count }, mastered = docs.reduce(0) { $0 + ($1.masters?.count ?? 0) }
    let failed = docs.flatMap { d in d.failures.map { "\(d.album.name)/\($0.file): \($0.error)" } }
      + albums.compactMap(\.failure).map { "\($0.file): \($0.error)" }
    let missed = docs.reduce(0) { $0 + ($1.masters?.filter { $0.verdict == .missed }.count ?? 0) }
    var head = TerminalText.count(docs.count, "album") + ", " + TerminalText.count(tracks, "track") + " analysed"
    if docs.contains(where: { $0.masters != nil }) { head += ", \(mastered) mastered" }
    if !failed.isEmpty { head += ", \(failed.count) failed" }  // tracks or albums not processed
    var parts = [head]
    if missed > 0 { parts.append(TerminalText.count(missed, "master") + " MISSED the plan") }
    let findings = docs.compactMap(\.qa).flatMap(\.findings)
    if !docs.compactMap(\.qa).isEmpty {
      let fails = findings.filter { $0.status == .fail }.count, warns = findings.filter { $0.status == .warn }.count
      let verdict = fails > 0 ? "FAIL" : warns > 0 ? "WARN" : "PASS"
      var qa = "QA: \(verdict)"
      if fails > 0 { qa += ", \(TerminalText.count(fails, "check")) failed" }
      if warns > 0 { qa += ", \(TerminalText.count(warns, "warning"))" }
      parts.append(qa)
    }
    var text = "Summary: \(parts.joined(separator: "; ")); exit \(status.rawValue)\n"
    for f in failed { text += "  failed: \(f.escapedForTerminal)\n" }
    for d in docs {
      text += "  report: \((reportsFolder as NSString).appendingPathComponent(d.album.name).escapedForTerminal)/index.html\n"
    }
    return text.trimmingCharacters(in: .newlines)
  }
}

/// Why a run could not start: a value or document is wrong, or an output could touch an input. Nothing was
/// written.
public enum RunError: Error, Sendable, CustomStringConvertible {
  /// A value or a document is wrong.
  case invalid(InputError)
  /// An output could touch an input.
  case refused(WriteGuardError)

  /// One line naming the flag, document or path.
  public var description: String {
    switch self {
    case .invalid(let e): e.description
    case .refused(let e): e.description
    }
  }
}

/// Runs of many albums: `master`/`render` and `analyze`/`check`, as the CLI and an embedder call them.
public enum AlbumBatch {
  /// The albums named by `arguments`, then `all`'s subfolders holding audio, then shard `index` of `count`.
  /// - Throws: `InputError` when there is no album or `all` cannot be listed.
  public static func select(_ arguments: [String], all: String?, shard: (index: Int, count: Int)?) throws(InputError) -> [String] {
    var albums = arguments
    if let all {
      do { albums += try Catalogue.albums(under: all) } catch {
        throw InputError(subject: "--all \(all)", problem: "\(error)")
      }
    }
    if albums.isEmpty { throw InputError(subject: "albummaster", problem: "give at least one ALBUM, or --all DIR") }
    if let (i, n) = shard { albums = albums.filter { Catalogue.inShard($0, index: i, count: n) } }
    return albums
  }

  /// Masters (or, with `planPath`, renders) every album of `request`, at most `jobs` tracks at a time across
  /// them. One bad track or album never stops the others.
  /// - Throws: `RunError` before anything is written.
  public static func master(
    _ request: MasterRequest, onEvent: @escaping @Sendable (RunEvent) -> Void = { _ in }
  ) async throws(RunError) -> BatchOutcome {
    let run: ValidatedRequest
    do throws(InputError) { run = try request.validated() } catch { throw .invalid(error) }
    let found = request.albums.map { discover($0, onEvent) }
    let writeGuard = try guardRun(
      found, inputs: request.referencePaths + run.documents, planWrittenBack: request.planPath,
      reports: request.reportsFolder, output: request.outputFolder, masters: !request.planOnly, json: request.jsonPath,
      temporaryFolder: NSTemporaryDirectory())
    let clashes = sameNames(request.albums, found)
    let slots = JobSlots(request.jobs)
    let runs = await withTaskGroup(of: (Int, AlbumRun).self) { group in
      for (i, path) in request.albums.enumerated() {
        group.addTask {
          if clashes[i] { return (i, refuseClash(path, onEvent)) }
          return (i, await masterOne(path, found[i], run, writeGuard, slots, onEvent))
        }
      }
      var out = [AlbumRun](repeating: AlbumRun(), count: request.albums.count)
      for await (i, r) in group { out[i] = r }
      return out
    }
    return finish(runs, reports: request.reportsFolder, json: request.jsonPath, writeGuard: writeGuard, onEvent)
  }

  /// One album of a `master` or `render` run.
  static func masterOne(
    _ path: String, _ found: Result<Album, AlbumError>, _ run: ValidatedRequest, _ writeGuard: WriteGuard,
    _ slots: JobSlots, _ onEvent: @escaping @Sendable (RunEvent) -> Void
  ) async -> AlbumRun {
    guard case .success(let discovered) = found else {
      if case .failure(let e) = found { return AlbumRun(failure: .init(file: path, error: e.reason), broken: true) }
      return AlbumRun(broken: true)
    }
    let album: Album, resolved: MasterOptions
    do throws(AlbumConfig.ConfigError) {
      (album, resolved) = try run.resolve(discovered)
    } catch {
      onEvent(.configInvalid(error))
      let where_ = error.line > 0 ? " (line \(error.line))" : ""
      return AlbumRun(failure: .init(file: error.path, error: "\(error.key): \(error.problem)\(where_)"), broken: true)
    }
    var options = resolved
    options.slots = slots
    options.writeGuard = writeGuard
    if options.config != nil { onEvent(.configUsed(album: album.name)) }
    // Analysis and render, and with a preset the masters' codec round trip.
    let units = album.files.count * (options.planOnly ? 1 : options.preset != nil ? 3 : 2)
    onEvent(.albumStarted(album: album.name, stage: .mastering, tracks: album.files.count, units: units))
    let outcome: MasterOutcome
    do {
      if let plan = run.plan {
        outcome = try await AlbumMasterer.render(album, plan: plan, options: options, reportsFolder: run.request.reportsFolder, onEvent: onEvent)
      } else {
        outcome = try await AlbumMasterer.master(album, options: options, reportsFolder: run.request.reportsFolder, onEvent: onEvent)
      }
    } catch {
      onEvent(.albumFailed(path: path, reason: "\(error)"))
      return AlbumRun(failure: .init(file: path, error: "\(error)"), broken: true)
    }
    for m in outcome.missed { onEvent(.masterMissed(path: album.path(of: m.file), message: m.message ?? "")) }
    var doc = outcome.analysis.document
    doc.masters = options.planOnly ? nil : outcome.masters
    doc.qa = outcome.qa
    let result = AlbumRun(
      document: doc, outcome: outcome, written: outcome.written, broken: !outcome.failures.isEmpty,
      missed: !outcome.missed.isEmpty || outcome.qa?.verdict == .fail)
    onEvent(.albumFinished(result))
    return result
  }

  /// What an `analyze` or `check` run judges each album with.
  public enum Judgement: Sendable {
    /// The preset-free checks (`analyze`).
    case checks
    /// Every check, a preset and, with `codec`, codec safety (`check`).
    case qa(preset: DeliveryPreset?, codec: Bool, strict: Bool)
  }

  /// Analyses every album of `albums` one after another (tracks in parallel), judges it, and writes its reports.
  /// - Throws: `RunError` before anything is written.
  public static func analyze(
    _ albums: [String], reportsFolder: String, jobs: Int, useCache: Bool, jsonPath: String?, judgement: Judgement,
    onEvent: @escaping @Sendable (RunEvent) -> Void = { _ in }
  ) async throws(RunError) -> BatchOutcome {
    do throws(InputError) { try FlagChecks.jobs(jobs) } catch { throw .invalid(error) }
    let found = albums.map { discover($0, onEvent) }
    var codec = false
    if case .qa(_, let c, _) = judgement { codec = c }
    let writeGuard = try guardRun(
      found, inputs: [], planWrittenBack: nil, reports: reportsFolder, output: nil, masters: false, json: jsonPath,
      temporaryFolder: codec ? NSTemporaryDirectory() : nil)
    let clashes = sameNames(albums, found)
    var runs: [AlbumRun] = []
    for (i, (path, result)) in zip(albums, found).enumerated() {
      if clashes[i] {
        runs.append(refuseClash(path, onEvent))
        continue
      }
      guard case .success(let album) = result else {
        if case .failure(let e) = result { runs.append(AlbumRun(failure: .init(file: path, error: e.reason), broken: true)) }
        continue
      }
      let folder = WriteGuard.reportFolder(reports: reportsFolder, album: album.name)
      StaleFiles.sweep(reportsFolder: reportsFolder, album: album.name)
      do {
        let run = try await ReportFolder.withLock(folder) {
          await analyzeOne(album, folder: folder, jobs: jobs, useCache: useCache, judgement: judgement, onEvent)
        }
        if let run { runs.append(run) }
        if Cancellation.isRequested { break }
      } catch {
        onEvent(.albumFailed(path: path, reason: "\(error)"))
        runs.append(AlbumRun(broken: true))
      }
    }
    var outcome = finish(runs, reports: reportsFolder, json: jsonPath, writeGuard: writeGuard, onEvent)
    if case .qa(_, _, let strict) = judgement, outcome.status == .ok, strict,
      runs.contains(where: { $0.document?.qa?.verdict == .warn })
    {
      outcome.status = .missed
    }
    return outcome
  }

  /// One album, its report folder locked: analysis, QA, reports. Nil when interrupted.
  static func analyzeOne(
    _ album: Album, folder: String, jobs: Int, useCache: Bool, judgement: Judgement,
    _ onEvent: @escaping @Sendable (RunEvent) -> Void
  ) async -> AlbumRun? {
    var codec = false
    if case .qa(_, let c, _) = judgement { codec = c }
    let units = album.files.count * (codec ? 2 : 1)  // the codec round trip is a stage of its own
    onEvent(.albumStarted(album: album.name, stage: .analysing, tracks: album.files.count, units: units))
    let cache = ResultCache(reportFolder: folder, readable: useCache)
    let analysis = await AlbumAnalyzer.analyze(album, jobs: jobs, cache: cache) { event in
      onEvent(.track(event))
      if case .failed(let f) = event { onEvent(.trackFailed(path: album.path(of: f.file), reason: f.error)) }
    }
    if Cancellation.isRequested { return nil }  // an interrupted analysis writes no reports
    var doc = analysis.document
    switch judgement {
    case .checks: doc.qa = QualityChecks.run(tracks: analysis.tracks, profile: analysis.profile, preset: nil)
    case .qa(let preset, let codec, _):
      doc.qa = await AlbumChecker.check(
        tracks: analysis.tracks, folder: album.path, profile: analysis.profile, preset: preset, codec: codec, jobs: jobs
      ) { onEvent(.track($0)) }
    }
    if Cancellation.isRequested { return nil }
    // `analyze` reports its checks; only `check` gates on them.
    var gates = false
    if case .qa = judgement { gates = true }
    var run = AlbumRun(document: doc, broken: !analysis.failures.isEmpty, missed: gates && doc.qa?.verdict == .fail)
    do {
      // A master report in the folder is kept: the run's results go beside it (`SourceCheckReport`).
      let (written, keptMaster) = try SourceCheckReport.write(doc: doc, to: folder)
      run.written = written
      if keptMaster { onEvent(.masterReportKept(folder: folder)) }
      onEvent(.albumFinished(run))
    } catch {
      onEvent(.albumFailed(path: folder, reason: "\(error)"))
      run.broken = true
    }
    return run
  }

  /// An album refused because an earlier one of the run has its folder name (their reports would collide).
  static func refuseClash(_ path: String, _ onEvent: @Sendable (RunEvent) -> Void) -> AlbumRun {
    let reason = "another album of this run has the same folder name; their reports would collide (give it its own --reports)"
    onEvent(.albumRefused(path: path, reason: reason))
    return AlbumRun(failure: .init(file: path, error: reason), broken: true)
  }

  static func discover(_ path: String, _ onEvent: @Sendable (RunEvent) -> Void) -> Result<Album, AlbumError> {
    do throws(AlbumError) {
      return .success(try Album.discover(path))
    } catch {
      onEvent(.albumNotFound(error))
      return .failure(error)
    }
  }

  /// Two albums with one folder name would share a report folder: the first keeps it, the others clash.
  static func sameNames(_ paths: [String], _ found: [Result<Album, AlbumError>]) -> [Bool] {
    var seen = Set<String>()
    return zip(paths, found).map { path, album in
      guard case .success(let a) = album else { return false }
      return !seen.insert(a.name).inserted
    }
  }

  /// The run's write guard, after checking every output of the run against every input (see `WriteGuard`).
  /// Every album found is protected, also one refused for sharing its folder name with another.
  static func guardRun(
    _ found: [Result<Album, AlbumError>], inputs: [String], planWrittenBack: String?, reports: String, output: String?,
    masters: Bool, json: String?, temporaryFolder: String?
  ) throws(RunError) -> WriteGuard {
    let albums = found.compactMap { try? $0.get() }
    var writeGuard = WriteGuard(albums: albums, inputPaths: inputs)
    writeGuard.planWrittenBack = planWrittenBack
    var names: [String] = []
    for a in albums where !names.contains(a.name) { names.append(a.name) }
    do throws(WriteGuardError) {
      try writeGuard.checkRun(
        reports: reports, albums: names, output: output, masters: masters, json: json == "-" ? nil : json,
        temporaryFolder: temporaryFolder)
    } catch {
      throw .refused(error)
    }
    return writeGuard
  }

  /// The end of every run: the catalogue, the `--json` result and the status.
  static func finish(
    _ runs: [AlbumRun], reports: String, json: String?, writeGuard: WriteGuard, _ onEvent: @Sendable (RunEvent) -> Void
  ) -> BatchOutcome {
    var status: RunStatus = runs.contains { $0.broken } ? .failed : runs.contains { $0.missed } ? .missed : .ok
    if Cancellation.isRequested { return BatchOutcome(albums: runs, resultForStandardOutput: nil, status: .failed) }
    let docs = runs.compactMap(\.document)
    if !docs.isEmpty, let index = try? Catalogue.writeIndex(reportsFolder: reports) { onEvent(.catalogueWritten(path: index)) }
    var stdout: Data? = nil
    if let json {
      do {
        let data = try JSONReport.encode(RunResult(albums: docs, failures: runs.compactMap(\.failure)))
        if json == "-" { stdout = data } else { try writeGuard.writeResult(data, to: json) }
      } catch {
        onEvent(.albumFailed(path: json, reason: "\(error)"))
        status = .failed
      }
    }
    return BatchOutcome(albums: runs, resultForStandardOutput: stdout, status: status)
  }
}
