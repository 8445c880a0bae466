import Analysis
import AudioIO
import Foundation
import Matching
import QualityControl
import DSP
import Rendering
import Reports

/// Everything `master` and `render` need besides the album.
public struct MasterOptions: Sendable {
  public var matching = MatchingOptions()
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
  /// The album's `album.yaml`: per-track overrides and delivery variants.
  public var config: AlbumConfig?
  /// A pool shared with other albums processed at the same time (`nil`: `jobs` for this album alone).
  public var slots: JobSlots?
  /// Whether cached analyses and masters may be reused (`--force` turns it off).
  public var useCache = true
  /// The masters are checked against this preset (and for codec safety); without one, the preset-free checks run.
  public var preset: DeliveryPreset?
  public var jobs = ProcessInfo.processInfo.activeProcessorCount
  /// The run's write guard (all albums and input files of the run); `nil`: one protecting this album and the
  /// references alone.
  public var writeGuard: WriteGuard?

  public init() {}

  /// The guard for `album`: the run's, or one for this album and its reference files.
  func writeGuard(for album: Album) -> WriteGuard {
    writeGuard ?? WriteGuard(albums: [album], inputPaths: referencePaths)
  }
}

/// What mastering one album produced.
public struct MasterOutcome: Sendable {
  public var analysis: AlbumAnalysis
  public var plan: AlbumPlan
  public var masters: [MasterResult]
  /// Tracks that could not be analysed or rendered.
  public var failures: [TrackFailure]
  /// Paths of the report files written.
  public var written: [String]
  /// QA of the masters (nil with --plan-only or --no-verify).
  public var qa: QAReport?

  /// Masters whose loudness or true peak missed the plan.
  public var missed: [MasterResult] { masters.filter { $0.verdict == "missed" } }

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
  public var path: String
  public var reason: String
  public var description: String { "\(path): \(reason)" }
}

/// analyze → plan → render → verify → report, for one album.
public enum AlbumMasterer {
  /// Loudness a render may miss before it is corrected and rendered again (the plan keeps this much room
  /// inside the ±max-spread band, so the spread bound holds for the masters, not just the plan).
  public static let correctionThresholdLU = Planner.renderToleranceLU
  /// Loudness a master may miss its plan by and still pass.
  public static let toleranceLU = 0.3
  /// The most the loudness correction adds to (or takes from) a plan's gain. Past it the limiter, not the gain,
  /// would be making the loudness (a target the ceiling cannot allow): the master is reported as missed.
  public static let maxCorrectionDB = 3.0

  /// Masters `album`, writing reports (and masters) under `reportsFolder`, with the album's report folder
  /// locked (another run on it is refused).
  /// - Throws: `WriteGuardError` when an output could touch an input; `OutputFolderError` when the report folder
  ///   cannot be made or another run holds it; `MasteringError`; a report write failure.
  public static func master(
    _ album: Album, options: MasterOptions, reportsFolder: String, onEvent: (@Sendable (String) -> Void)? = nil,
    onTrack: (@Sendable (TrackEvent) -> Void)? = nil
  ) async throws -> MasterOutcome {
    try options.writeGuard(for: album).checkAlbum(
      reports: reportsFolder, album: album.name, output: options.outputFolder, masters: !options.planOnly)
    return try await ReportFolder.withLock(WriteGuard.reportFolder(reports: reportsFolder, album: album.name)) {
      try await masterLocked(album, options: options, reportsFolder: reportsFolder, onEvent: onEvent, onTrack: onTrack)
    }
  }

  private static func masterLocked(
    _ album: Album, options: MasterOptions, reportsFolder: String, onEvent: (@Sendable (String) -> Void)?,
    onTrack: (@Sendable (TrackEvent) -> Void)?
  ) async throws -> MasterOutcome {
    let cache = ResultCache(
      reportFolder: (reportsFolder as NSString).appendingPathComponent(album.name), readable: options.useCache)
    // The references are analysed alongside the album's tracks, from the same pool of --jobs slots.
    let slots = options.slots ?? JobSlots(options.jobs)
    async let albumAnalysis = AlbumAnalyzer.analyze(album, jobs: options.jobs, cache: cache, slots: slots) { e in
      if case .failed(let f) = e { onEvent?("error: \(album.path(of: f.file)): \(f.error)") } else { onTrack?(e) }
    }
    let references = await forEachConcurrently(options.referencePaths, jobs: options.jobs, slots: slots) { path in
      AlbumAnalyzer.analyzeFile(path: path, file: (path as NSString).lastPathComponent, cache: cache).result
    }
    var analysis = await albumAnalysis
    var matching = options.matching
    let profile: AlbumProfile
    if let p = options.profile {
      profile = p
    } else if !options.referencePaths.isEmpty {
      var refs: [TrackAnalysis] = []
      for (path, result) in zip(options.referencePaths, references) {
        switch result {
        case .success(let a): refs.append(a)
        case .failure(let e): throw MasteringError(path: path, reason: "reference: \(e.error)")
        }
      }
      profile = AlbumProfile(blending: refs)
      if !options.targetGiven, let l = Planner.albumLoudness(refs) { matching.targetLUFS = l }
    } else {
      profile = analysis.profile
    }
    // Deviation is always reported against the profile the album is matched to.
    analysis.profile = profile
    for i in analysis.tracks.indices {
      analysis.tracks[i].tonalDeviationDB = TonalDeviation.deviationDB(track: analysis.tracks[i], profile: profile)
    }
    var plan = Planner.plan(album: album.name, tracks: analysis.tracks, profile: profile, options: matching)
    if let config = options.config { plan = config.apply(to: plan) }
    return try await renderLocked(
      album, plan: plan, analysis: analysis, options: options, reportsFolder: reportsFolder, onEvent: onEvent,
      onTrack: onTrack)
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

  /// Renders an (edited) plan for `album` and verifies the masters, with the album's report folder locked.
  public static func render(
    _ album: Album, plan: AlbumPlan, analysis given: AlbumAnalysis? = nil, options: MasterOptions,
    reportsFolder: String, onEvent: (@Sendable (String) -> Void)? = nil, onTrack: (@Sendable (TrackEvent) -> Void)? = nil
  ) async throws -> MasterOutcome {
    try options.writeGuard(for: album).checkAlbum(
      reports: reportsFolder, album: album.name, output: options.outputFolder, masters: !options.planOnly)
    return try await ReportFolder.withLock(WriteGuard.reportFolder(reports: reportsFolder, album: album.name)) {
      try await renderLocked(
        album, plan: plan, analysis: given, options: options, reportsFolder: reportsFolder, onEvent: onEvent,
        onTrack: onTrack)
    }
  }

  private static func renderLocked(
    _ album: Album, plan: AlbumPlan, analysis given: AlbumAnalysis?, options: MasterOptions,
    reportsFolder: String, onEvent: (@Sendable (String) -> Void)?, onTrack: (@Sendable (TrackEvent) -> Void)?
  ) async throws -> MasterOutcome {
    var analysis: AlbumAnalysis
    if let given {
      analysis = given
    } else if options.skipVerification {
      analysis = AlbumAnalysis(album: album, tracks: [], failures: [], profile: plan.profile)
    } else {
      let cache = ResultCache(
        reportFolder: (reportsFolder as NSString).appendingPathComponent(album.name), readable: options.useCache)
      analysis = await AlbumAnalyzer.analyze(album, jobs: options.jobs, cache: cache, slots: options.slots) { e in
        if case .failed(let f) = e { onEvent?("error: \(album.path(of: f.file)): \(f.error)") } else { onTrack?(e) }
      }
      analysis.profile = plan.profile
      for i in analysis.tracks.indices {
        analysis.tracks[i].tonalDeviationDB = TonalDeviation.deviationDB(track: analysis.tracks[i], profile: plan.profile)
      }
    }
    let folder = WriteGuard.reportFolder(reports: reportsFolder, album: album.name)
    try Cancellation.check(folder)  // an interrupted analysis writes no reports
    try ReportFolder.create(folder, role: "the report folder")
    StaleFiles.sweep(reportsFolder: reportsFolder, album: album.name, output: options.outputFolder)  // left by a killed run
    var written = [
      try write(JSONReport.encode(plan), folder, ReportFile.plan),
      try write(JSONReport.encode(plan.profile), folder, ReportFile.profile),
    ]
    var failures = analysis.failures
    var masters: [MasterResult] = []
    var qa: QAReport? = nil
    let caching = BackgroundWork()
    defer { caching.joinAll() }
    if !options.planOnly {
      let out = options.outputFolder ?? (folder as NSString).appendingPathComponent("masters")
      let writeGuard = options.writeGuard(for: album)
      try ReportFolder.create(out, role: "the masters folder")
      let analysed = Set(options.skipVerification ? album.files : analysis.tracks.map(\.file))
      let jobs = plan.tracks.filter { analysed.contains($0.file) }
      let names = masterNames(jobs.map(\.file), format: { file in
        (try? AudioFileReader(path: album.path(of: file)).info).map { options.render.outputFormat(for: $0) }
      })
      // Exact: no master may be renamed onto an input (the folder checks already refuse most such runs).
      for name in names { try writeGuard.checkFile((out as NSString).appendingPathComponent(name), role: "the master") }
      let profile = plan.profile
      let settings = options.render
      let verify = !options.skipVerification
      let cache = ResultCache(reportFolder: folder, readable: options.useCache)
      let hashes = analysis.contentHashes
      let settingsData = (try? JSONReport.encode(settings)) ?? Data()
      let variants = options.config?.outputs ?? []
      let sourcePeaks = Dictionary(
        analysis.tracks.compactMap { t in t.loudness.truePeakDBTP.map { (t.file, $0) } }, uniquingKeysWith: { a, _ in a })
      let results = await forEachConcurrently(Array(zip(jobs, names)), jobs: options.jobs, slots: options.slots) {
        (pair) -> Result<MasterResult, TrackFailure> in
        let (tp, name) = pair
        let masterPath = (out as NSString).appendingPathComponent(name)
        let source = album.path(of: tp.file)
        if Cancellation.isRequested { return .failure(TrackFailure(file: tp.file, error: AudioIOError.cancelled(path: source).reason)) }
        // Reuse a master made from the same source, plan and settings, while its file is unchanged.
        let key = verify ? (hashes[tp.file] ?? InputFile.sha256Hex(ofFile: source)).map {
          ResultCache.masterKey(sourceHash: $0, plan: (try? JSONReport.encode(tp)) ?? Data(), settings: settingsData)
        } : nil
        if let key, var cached = cache.master(key: key, masterPath: masterPath) {
          cached.reused = true
          onTrack?(.finished(file: tp.file))
          return .success(cached)
        }
        onTrack?(.started(file: tp.file))
        do {
          let result = try renderAndVerify(
            source: source, plan: tp, settings: settings, masterPath: masterPath, relativeTo: folder, profile: profile,
            sourceTruePeakDBTP: sourcePeaks[tp.file], verify: verify) { stage, f in onTrack?(.progress(file: tp.file, stage: stage, fraction: f)) }
          onTrack?(.finished(file: tp.file))
          // Hashing the master for the cache runs beside the rest (the reports, the next track).
          if let key { caching.start("caching: \(tp.file)") { cache.store(key: key, masterPath: masterPath, result: result) } }
          // Delivery variants from album.yaml, with the main master's corrected gain.
          for v in variants {
            let vs = v.renderSettings
            let dir = (out as NSString).appendingPathComponent(v.name)
            try writeGuard.checkFolder(dir, role: "the variant folder")
            try ReportFolder.create(dir, role: "the variant folder")
            let ext = (try? AudioFileReader(path: source).info).map { vs.outputFormat(for: $0).container.fileExtension } ?? "wav"
            let vpath = (dir as NSString).appendingPathComponent(((name as NSString).deletingPathExtension as NSString).appendingPathExtension(ext)!)
            try writeGuard.checkFile(vpath, role: "the variant master")
            _ = try TrackRenderer.render(
              source: source, plan: tp, settings: vs, to: vpath, gainOffsetDB: result.render.gainDB - tp.gainDB)
          }
          return .success(result)
        } catch let e as RenderError {
          return .failure(TrackFailure(file: tp.file, error: e.reason))
        } catch let e as TrackFailure {
          return .failure(TrackFailure(file: tp.file, error: "verifying the master: \(e.error)"))
        } catch {
          return .failure(TrackFailure(file: tp.file, error: "\(error)"))
        }
      }
      for r in results {
        switch r {
        case .success(var m):
          if m.reused == true { analysis.cache.mastersReused += 1 } else { analysis.cache.mastersRendered += 1 }
          m.reused = nil
          masters.append(m)
        case .failure(let f):
          failures.append(f)
          onEvent?("error: \(album.path(of: f.file)): \(f.error)")
        }
      }
      try Cancellation.check(out)
      let verified = masters.compactMap(\.analysis)
      if !verified.isEmpty {
        qa = await AlbumChecker.check(
          tracks: verified, folder: out, profile: plan.profile, preset: options.preset, codec: options.preset != nil,
          jobs: options.jobs)
      }
    }
    try Cancellation.check(folder)  // reports of an interrupted run would record its interruptions as failures
    analysis.failures = failures
    var doc = analysis.document
    doc.masters = options.planOnly ? nil : masters
    doc.qa = qa
    written += try AlbumAnalyzer.writeReports(doc: doc, plan: plan, to: folder).filter { !written.contains($0) }
    return MasterOutcome(analysis: analysis, plan: plan, masters: masters, failures: failures, written: written, qa: qa)
  }

  /// Renders, analyses the master, and renders again with a corrected gain while the loudness is more than
  /// 0.05 LU off (the EQ's and limiter's effect on loudness is predicted, then measured).
  ///
  /// When the limiter will clearly act (`expectsLimiting`), the first pass only measures: the same chain runs
  /// without quantizing or writing, and only the integrated loudness is taken, on another core. The first
  /// master is then written with the gain that pass corrected, as a second render would have been. A
  /// measuring pass costs about half a render with its verification.
  static func renderAndVerify(
    source: String, plan: TrackPlan, settings: RenderSettings, masterPath: String, relativeTo folder: String,
    profile: AlbumProfile, sourceTruePeakDBTP: Double? = nil, verify: Bool = true,
    progress: ((String, Double) -> Void)? = nil
  ) throws -> MasterResult {
    var offset = 0.0
    var attempts = 0
    // Loudness measured at each gain offset tried: the limiter makes loudness grow slower than gain, so
    // from the second measurement on the step follows the measured slope (a secant step).
    var tried: (offsetDB: Double, lufs: Double)? = nil
    func correct(_ got: Double, _ target: Double) {
      var step = target - got
      if let tried, abs(offset - tried.offsetDB) > 1e-6 {
        let slope = (got - tried.lufs) / (offset - tried.offsetDB)
        if slope.isFinite { step /= min(1, max(0.25, slope)) }
      }
      tried = (offset, got)
      offset = min(maxCorrectionDB, max(-maxCorrectionDB, offset + step))
    }
    var report: RenderReport
    var master: TrackAnalysis
    let name = (masterPath as NSString).lastPathComponent
    let sourceInfo = try? AudioFileReader(path: source).info
    // Lossless masters are measured while they are written, on another core; the others are read back.
    let inline = verify && sourceInfo.map { TrackRenderer.readsBackExactly(settings.outputFormat(for: $0)) } == true
    let meterInfo = sourceInfo.map { info -> AudioFileInfo in
      var i = info
      i.sampleRate = settings.sampleRateHz ?? info.sampleRate
      i.channelMap = nil  // the writer writes none
      return i
    }
    // The filter's output from the first pass, replayed by the passes after it (they differ in gain only).
    // A track too long for the file is filtered again each time, rather than kept in part for nothing.
    let fits = sourceInfo.map { Int($0.frames) * $0.channels <= spillCapacity } == true
    let spill = verify && plan.targetLUFS != nil && fits
      ? SpillFile(folder: (masterPath as NSString).deletingLastPathComponent, capacity: spillCapacity) : nil
    if verify, let target = plan.targetLUFS, let meterInfo,
      expectsLimiting(plan: plan, sourceTruePeakDBTP: sourceTruePeakDBTP)
    {
      attempts += 1
      let meter = BackgroundMeters(info: meterInfo, file: name, scope: .integratedLoudness)
      do {
        _ = try TrackRenderer.measure(
          source: source, plan: plan, settings: settings, progress: { f in progress?("measuring", f) },
          filtered: spill, output: { meter.feed($0) })
      } catch {
        _ = try? meter.finishIntegratedLUFS()  // stop its thread
        throw error
      }
      if let got = try meter.finishIntegratedLUFS(), abs(got - target) > correctionThresholdLU { correct(got, target) }
    }
    var renders = 0
    repeat {
      attempts += 1
      renders += 1
      let meters = inline ? meterInfo.map { BackgroundMeters(info: $0, file: name) } : nil
      let stage = renders > 1 ? "rendering again" : "rendering"
      do {
        report = try TrackRenderer.render(
          source: source, plan: plan, settings: settings, to: masterPath, gainOffsetDB: offset,
          progress: { f in progress?(stage, f) }, filtered: spill, written: meters.map { m in { m.feed($0) } })
      } catch {
        _ = try? meters?.finish()  // stop its thread
        throw error
      }
      if !verify {
        let relative = masterPath.hasPrefix(folder + "/") ? String(masterPath.dropFirst(folder.count + 1)) : masterPath
        report.path = relative
        return MasterResult(
          file: plan.file, master: relative, plannedLUFS: plan.targetLUFS, ceilingDBTP: plan.ceilingDBTP,
          attempts: 1, render: report, analysis: nil, verdict: "unverified", message: nil)
      }
      if let measured = try? meters?.finish(), let header = try? AudioFileReader(path: masterPath).info,
        header.channelMap == nil, header.frames == measured.frames
      {
        master = measured
        master.describe(header)
      } else {
        master = try TrackAnalyzer.analyze(path: masterPath, file: name) { f in progress?("verifying", f) }
      }
      guard let target = plan.targetLUFS, let got = master.loudness.integratedLUFS,
        abs(got - target) > correctionThresholdLU, attempts < 4
      else { break }
      correct(got, target)
    } while true
    master.tonalDeviationDB = TonalDeviation.deviationDB(track: master, profile: profile)
    var problems: [String] = []
    if let target = plan.targetLUFS, let got = master.loudness.integratedLUFS, abs(got - target) > toleranceLU {
      problems.append(
        "loudness \(String(format: "%.2f", got)) LUFS misses the planned \(String(format: "%.2f", target)) LUFS by more than \(toleranceLU) LU")
    }
    if plan.limiter, let tp = master.loudness.truePeakDBTP, tp > plan.ceilingDBTP {
      problems.append("true peak \(String(format: "%.2f", tp)) dBTP is over the \(plan.ceilingDBTP) dBTP ceiling")
    }
    let relative = masterPath.hasPrefix(folder + "/") ? String(masterPath.dropFirst(folder.count + 1)) : masterPath
    report.path = relative  // reports stay the same wherever they are written
    return MasterResult(
      file: plan.file, master: relative, plannedLUFS: plan.targetLUFS, ceilingDBTP: plan.ceilingDBTP,
      attempts: attempts, render: report, analysis: master, verdict: problems.isEmpty ? "ok" : "missed",
      message: problems.isEmpty ? nil : problems.joined(separator: "; "))
  }

  /// Whether the limiter will clearly act on a track: its source true peak, raised by the gain and by the
  /// EQ's largest boost, lands over the ceiling by more than 1 dB. Then the loudness the limiter takes is
  /// measured before the master is written (see `renderAndVerify`). A guess only: the loudness is
  /// verified after every render whatever it says.
  /// The most filtered samples a measuring pass keeps for the renders after it (1 GiB of floats: 50 minutes
  /// of 44.1 kHz stereo). Longer tracks are filtered again.
  static let spillCapacity = 1 << 28

  static func expectsLimiting(plan: TrackPlan, sourceTruePeakDBTP: Double?) -> Bool {
    guard plan.limiter, let tp = sourceTruePeakDBTP else { return false }
    let boostDB = max(0, plan.eq.gainsDB.max() ?? 0)
    return tp + plan.gainDB + boostDB > plan.ceilingDBTP + 1
  }

  /// Master file names: the source's name with the output format's extension; when two sources would
  /// collide (a.wav and a.flac both to FLAC), the colliding ones keep their source extension too; names that
  /// still meet, also case-insensitively, get `-2`, `-3`, … (first in album order keeps its name).
  public static func masterNames(_ files: [String], format: (String) -> AudioFileFormat?) -> [String] {
    let proposed = files.map { f -> String in
      let ext = format(f)?.container.fileExtension ?? (f as NSString).pathExtension
      return ((f as NSString).deletingPathExtension as NSString).appendingPathExtension(ext) ?? f
    }
    func counts(_ names: [String]) -> [String: Int] {
      var count: [String: Int] = [:]
      for p in names { count[p.lowercased(), default: 0] += 1 }
      return count
    }
    let first = counts(proposed)
    let named = zip(files, proposed).map { f, p in
      first[p.lowercased(), default: 0] > 1 ? (f as NSString).appendingPathExtension((p as NSString).pathExtension) ?? p : p
    }
    // Names can still meet (`a.wav` and `a.wav.wav` both give `a.wav.wav`; `a.wav` and `a.WAV` merge on a
    // case-insensitive disk or in a zip): the first in album order keeps its name, the others get `-2`, `-3`, …
    // before the extension, skipping every name already taken.
    let second = counts(named)
    var taken = Set(named.map { $0.lowercased() }.filter { second[$0] == 1 })
    return named.map { name in
      guard second[name.lowercased(), default: 0] > 1 else { return name }
      var candidate = name, k = 1
      while taken.contains(candidate.lowercased()) {
        k += 1
        let stem = (name as NSString).deletingPathExtension, ext = (name as NSString).pathExtension
        candidate = ext.isEmpty ? "\(stem)-\(k)" : "\(stem)-\(k).\(ext)"
      }
      taken.insert(candidate.lowercased())
      return candidate
    }
  }

  private static func write(_ data: Data, _ folder: String, _ name: String) throws -> String {
    let path = (folder as NSString).appendingPathComponent(name)
    try AtomicFile.write(data, to: path)
    return path
  }
}
