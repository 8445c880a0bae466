import AlbumMaster
import ArgumentParser
import AudioIO
import Foundation
import Matching
import QualityControl
import Rendering
import Reports

/// How the album is matched.
struct MatchingArguments: ParsableArguments {
  @Option(help: "Loudness plan: album (one album gain, spread kept within --max-spread-lu), track (every track to the target) or none. Default album.")
  var loudness: LoudnessMode?

  @Option(name: .customLong("target-lufs"), parsing: .unconditional, help: "Integrated loudness to reach, LUFS (default -14, or a preset's, or a reference's).")
  var targetLUFS: Double?

  @Option(name: .customLong("max-spread-lu"), help: "Album mode: largest distance of a track from the album loudness, LU (default 3).")
  var maxSpreadLU: Double?

  @Option(name: .customLong("eq-amount"), help: "Share of the tonal correction applied, 0 to 1 (default 1).")
  var eqAmount: Double?

  @Option(name: .customLong("max-eq-db"), help: "Largest EQ boost or cut, dB (default 6).")
  var maxEQDB: Double?

  @Option(name: .customLong("width-amount"), help: "Share of the width correction applied, 0 to 1 (default 1).")
  var widthAmount: Double?

  @Option(name: .customLong("max-width-db"), help: "Largest side-gain change, dB (default 3).")
  var maxWidthDB: Double?

  @Option(name: .customLong("ceiling-dbtp"), parsing: .unconditional, help: "True-peak ceiling, dBTP (default -1, or a preset's).")
  var ceilingDBTP: Double?

  @Option(help: "True-peak limiter: on or off (default on).")
  var limiter: Switch?

  @Option(help: "Delivery preset that sets the target and ceiling: \(DeliveryPreset.all.map(\.name).joined(separator: ", ")).")
  var preset: String?

  enum Switch: String, ExpressibleByArgument { case on, off }

  func validate() throws {
    do throws(InputError) { try overrides.validateFlags() } catch { throw usageError(error) }
    if let preset, DeliveryPreset.named(preset) == nil {
      throw ValidationError("unknown preset '\(preset)'; choose from \(DeliveryPreset.all.map(\.name).joined(separator: ", "))")
    }
  }

  /// Defaults < the preset (flag or album.yaml) < album.yaml < the flags given here.
  func options(config: AlbumConfig?) -> MatchingOptions {
    var o = MatchingOptions()
    if let p = (preset ?? config?.preset).flatMap(DeliveryPreset.named) {
      if let t = p.targetLUFS { o.targetLUFS = t }
      o.ceilingDBTP = p.ceilingDBTP
    }
    if let config { o = config.apply(to: o) }
    return overrides.apply(to: o)
  }

  /// The options given on the command line.
  var overrides: MatchingOverrides {
    var flags = MatchingOverrides()
    flags.loudness = loudness
    flags.targetLUFS = targetLUFS
    flags.maxSpreadLU = maxSpreadLU
    flags.eqAmount = eqAmount
    flags.maxEQDB = maxEQDB
    flags.widthAmount = widthAmount
    flags.maxWidthDB = maxWidthDB
    flags.ceilingDBTP = ceilingDBTP
    flags.limiter = limiter.map { $0 == .on }
    return flags
  }

  /// Whether the target was set explicitly (a reference only sets it otherwise).
  func targetGiven(config: AlbumConfig?) -> Bool { targetLUFS != nil || preset != nil || config?.matching.targetLUFS != nil || config?.preset != nil }
}

extension LoudnessMode: ExpressibleByArgument {}

/// How masters are written.
struct OutputArguments: ParsableArguments {
  @Option(help: "Output format: wav, aiff, flac, ogg, opus or mp3 (default: the input's).")
  var format: String?

  @Option(help: "Bits for PCM formats: 16, 24 or 32f (default: the input's).")
  var bits: OutputBits?

  @Option(name: .customLong("sample-rate"), help: "Output sample rate in Hz (default: the input's), via libsoxr.")
  var sampleRate: Int?

  @Option(help: "Dither for integer outputs: tpdf or none.")
  var dither: DitherMode = .tpdf

  @Option(help: "Folder for the masters (default: <reports>/<album>/masters).")
  var output: String?

  func validate() throws {
    if let format, !["wav", "aiff", "flac", "ogg", "opus", "mp3"].contains(format) {
      throw ValidationError("--format takes wav, aiff, flac, ogg, opus or mp3")
    }
    if let sampleRate {
      do throws(InputError) { try FlagChecks.sampleRate(sampleRate) } catch { throw usageError(error) }
    }
    if let problem = settings.problemBeforeInput { throw ValidationError("--format/--bits/--sample-rate: \(problem)") }
  }

  var settings: RenderSettings {
    var s = RenderSettings()
    switch format {
    case "wav": s.container = .wav
    case "aiff": s.container = .aiff
    case "flac": s.container = .flac
    case "ogg": s.container = .ogg
    case "opus":
      s.container = .ogg
      s.opus = true
    case "mp3": s.container = .mp3
    default: break
    }
    s.bits = bits
    s.sampleRateHz = sampleRate
    s.dither = dither
    return s
  }
}

extension OutputBits: ExpressibleByArgument {}
extension DitherMode: ExpressibleByArgument {}

struct Master: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Analyse, plan, render and verify: masters that sound like one record.",
    discussion: """
      Writes <reports>/<album>/plan.json, profile.json, analysis.json (with the masters' figures), tracks.csv, \
      bands.csv, and the masters. Exits 1 when a master misses its loudness by more than 0.3 LU or its ceiling, \
      2 when a track could not be read or rendered.
      """)

  @Argument(help: "Album folders (or single audio files).")
  var albums: [String] = []

  @OptionGroup var common: CommonOptions
  @OptionGroup var matching: MatchingArguments
  @OptionGroup var output: OutputArguments

  @Option(parsing: .upToNextOption, help: "Reference tracks: match to their blended tonal balance, width and (unless --target-lufs) loudness.")
  var reference: [String] = []

  @Option(help: "A saved profile.json to match to (e.g. the previous album of a series).")
  var profile: String?

  @Flag(name: .customLong("plan-only"), help: "Write plan.json and stop.")
  var planOnly = false

  func validate() throws {
    if profile != nil && !reference.isEmpty { throw ValidationError("give --reference or --profile, not both") }
  }

  func run() async throws {
    try await Interruption.run { try await body() }
  }

  private func body() async throws {
    var options = MasterOptions()
    options.matching = matching.options(config: nil)
    options.targetGiven = matching.targetGiven(config: nil)
    options.render = output.settings
    options.referencePaths = reference
    if let profile {
      do throws(InputError) { options.profile = try AlbumProfile.load(path: profile) } catch { throw usageError(error) }
    }
    options.planOnly = planOnly
    options.outputFolder = output.output
    options.jobs = common.jobs
    options.useCache = !common.force
    try await MasterCommand.run(
      albums: try common.selectAlbums(albums), common: common, options: options, plan: nil,
      documents: [profile].compactMap { $0 }, flags: matching)
  }
}

struct Render: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Render an album from a plan.json (edited or not), then verify the masters.")

  @Argument(help: "The album folder.")
  var album: String

  @Option(help: "The plan to render.")
  var plan: String

  @OptionGroup var common: CommonOptions
  @OptionGroup var output: OutputArguments

  @Flag(name: .customLong("no-verify"), help: "Render only: analyse neither the sources nor the masters (no before/after, no loudness correction).")
  var noVerify = false

  func run() async throws {
    try await Interruption.run { try await body() }
  }

  private func body() async throws {
    let decoded: AlbumPlan
    do throws(InputError) { decoded = try AlbumMasterer.loadPlan(path: plan, albumPath: album) } catch { throw usageError(error) }
    var options = MasterOptions()
    options.render = output.settings
    options.outputFolder = output.output
    options.jobs = common.jobs
    options.matching = decoded.options
    options.skipVerification = noVerify
    options.useCache = !common.force
    try await MasterCommand.run(albums: [album], common: common, options: options, plan: decoded, documents: [plan])
  }
}

/// The shared body of `master` and `render`.
enum MasterCommand {
  static func run(
    albums: [String], common: CommonOptions, options: MasterOptions, plan: AlbumPlan?, documents: [String] = [],
    flags: MatchingArguments? = nil
  ) async throws {
    let console = Console(quiet: common.quiet, tableToStderr: common.json == "-")
    ProgressDisplay.shared.configure(quiet: common.quiet)
    defer { ProgressDisplay.shared.end() }
    // Albums run together; the shared pool keeps the tracks in flight at --jobs across all of them.
    let slots = JobSlots(common.jobs)
    // Two albums with one folder name would share a report folder: the first keeps it, the others are refused.
    var seen = Set<String>()
    let found = albums.map { path in common.openAlbum(path, console: console) }
    let clashes = zip(albums, found).map { path, album -> Bool in
      let name = (try? album.get().name) ?? path
      return !seen.insert(name).inserted
    }
    // Every output of the run is checked against every input of the run before anything is written.
    var options = options
    options.writeGuard = try common.guardRun(
      albums: found.compactMap { try? $0.get() },
      inputPaths: options.referencePaths + documents, planWrittenBack: plan != nil ? documents.first : nil,
      output: options.outputFolder,
      masters: !options.planOnly, temporaryFolder: NSTemporaryDirectory(), console: console)
    let runOptions = options
    let runs = await withTaskGroup(of: (Int, AlbumRun).self) { group in
      for (i, path) in albums.enumerated() {
        if case .failure(let error) = found[i] {
          group.addTask { (i, AlbumRun(failure: .init(file: path, error: error.reason), broken: true)) }
          continue
        }
        if clashes[i] {
          console.error("\(path): another album has the same folder name; its reports would collide (give it its own --reports)")
          group.addTask { (i, AlbumRun(failure: .init(file: path, error: "an album with the same folder name is already being processed"), broken: true)) }
          continue
        }
        let album = found[i]
        group.addTask { (i, await one(path, album: album, common: common, options: runOptions, plan: plan, flags: flags, console: console, slots: slots)) }
      }
      var out = [AlbumRun?](repeating: nil, count: albums.count)
      for await (i, r) in group { out[i] = r }
      return out.map { $0! }
    }
    if Cancellation.isRequested { return }  // the caller says so in one line
    let docs = runs.compactMap(\.doc)
    let albumFailures = runs.compactMap(\.failure)
    let broken = runs.contains { $0.broken }, missed = runs.contains { $0.missed }
    if !docs.isEmpty, let index = try? Catalogue.writeIndex(reportsFolder: common.reports) {
      console.progress("Catalogue: \(index)")
    }
    // The summary: counts, every failure by name, where the reports are.
    let tracks = docs.reduce(0) { $0 + $1.tracks.count }, mastered = docs.reduce(0) { $0 + ($1.masters?.count ?? 0) }
    let failed = docs.flatMap { d in d.failures.map { "\(d.album.name)/\($0.file): \($0.error)" } } + albumFailures.map { "\($0.file): \($0.error)" }
    var summary = "Summary: \(docs.count) album\(docs.count == 1 ? "" : "s"), \(tracks) tracks analysed, \(mastered) mastered, \(failed.count) failed\n"
    for f in failed { summary += "  failed: \(f.escapedForTerminal)\n" }
    for d in docs { summary += "  report: \((common.reports as NSString).appendingPathComponent(d.album.name).escapedForTerminal)/index.html\n" }
    console.progress(summary.trimmingCharacters(in: .newlines))
    if let json = common.json {
      let result = Analyze.Result(albums: docs, failures: albumFailures)
      let data = try JSONReport.encode(result)
      if json == "-" { StandardStreams.out(data) } else { try runOptions.writeGuard?.writeResult(data, to: json) }
    }
    if broken { throw Exit.trackFailures }
    if missed { throw ExitCode(1) }
  }

  /// What mastering one album gave the run.
  struct AlbumRun: Sendable {
    var doc: AnalysisDocument?
    var failure: Analyze.Result.Failure?
    var broken = false
    var missed = false
  }

  /// One album: config, analysis, plan, render, verification, reports; its lines on the console.
  static func one(
    _ path: String, album found: Result<Album, AlbumError>, common: CommonOptions, options: MasterOptions, plan: AlbumPlan?,
    flags: MatchingArguments?, console: Console, slots: JobSlots
  ) async -> AlbumRun {
    var album: Album
    switch found {
    case .success(let a): album = a
    case .failure(let error):
      return AlbumRun(failure: .init(file: path, error: error.reason), broken: true)
    }
    var options = options
    options.slots = slots
    if plan == nil && !album.isSingleFile {
      do {
        let config = try AlbumConfig.load(folder: album.path)
        try config?.checkTracks(album.files)
        if let config, let flags {
          options.matching = flags.options(config: config)
          options.targetGiven = flags.targetGiven(config: config)
          options.preset = (flags.preset ?? config.preset).flatMap(DeliveryPreset.named)
        }
        options.config = config
        if let config {
          album.files = album.files.filter { config.tracks[$0]?.exclude != true }
          console.progress("Using \(AlbumConfig.fileName)")
        }
      } catch {
        console.error(error.description)
        return AlbumRun(failure: .init(file: error.path, error: "\(error.key): \(error.problem)" + (error.line > 0 ? " (line \(error.line))" : "")), broken: true)
      }
    }
    if options.config == nil, let flags { options.preset = flags.preset.flatMap(DeliveryPreset.named) }
    console.progress("Mastering \(album.name.escapedForTerminal): \(album.files.count) track\(album.files.count == 1 ? "" : "s")")
    let outcome: MasterOutcome
    do {
      let onEvent: @Sendable (String) -> Void = { line in
        if line.hasPrefix("error: ") { console.error(String(line.dropFirst(7))) } else { console.progress("  \(line.escapedForTerminal)") }
      }
      let onTrack: @Sendable (TrackEvent) -> Void = { ProgressDisplay.shared.handle($0) }
      // Analysis, then rendering and verification: two units of work per track.
      ProgressDisplay.shared.begin(units: album.files.count * (options.planOnly ? 1 : 2))
      if let plan {
        outcome = try await AlbumMasterer.render(
          album, plan: plan, options: options, reportsFolder: common.reports, onEvent: onEvent, onTrack: onTrack)
      } else {
        outcome = try await AlbumMasterer.master(
          album, options: options, reportsFolder: common.reports, onEvent: onEvent, onTrack: onTrack)
      }
    } catch {
      console.error("\(error)")
      return AlbumRun(failure: .init(file: path, error: "\(error)"), broken: true)
    }
    var run = AlbumRun(broken: !outcome.failures.isEmpty)
    for m in outcome.missed {
      run.missed = true
      console.error("\(album.path(of: m.file)): MASTER MISSED: \(m.message ?? "")")
    }
    console.table(summary(outcome, planOnly: options.planOnly))
    if let qa = outcome.qa {
      console.table(TextTable.render(qa: qa))
      run.missed = run.missed || qa.verdict == .fail
    }
    console.progress("Wrote \(outcome.written.joined(separator: ", ").escapedForTerminal)")
    var doc = outcome.analysis.document
    doc.masters = options.planOnly ? nil : outcome.masters
    doc.qa = outcome.qa
    run.doc = doc
    return run
  }

  static func summary(_ o: MasterOutcome, planOnly: Bool) -> String {
    func f(_ v: Double?, _ d: Int = 1) -> String { v.map { String(format: "%.\(d)f", $0) } ?? "-" }
    var rows = [["File", "LUFS", "->", "dBTP", "->", "TonalDev", "->", "Width", "->", "EQ max", "Gain", "Limit", "OK"]]
    let masters = Dictionary(o.masters.map { ($0.file, $0) }, uniquingKeysWith: { a, _ in a })
    for p in o.plan.tracks {
      let t = o.analysis.tracks.first { $0.file == p.file }
      let m = masters[p.file]
      rows.append([
        p.file, f(t?.loudness.integratedLUFS), f(m?.analysis?.loudness.integratedLUFS), f(t?.loudness.truePeakDBTP),
        f(m?.analysis?.loudness.truePeakDBTP), f(t?.tonalDeviationDB), f(m?.analysis?.tonalDeviationDB),
        f(t?.stereo.widthDB), f(m?.analysis?.stereo.widthDB), f(p.eq.gainsDB.map(abs).max() ?? 0),
        f(m?.render.gainDB ?? p.gainDB), f(m?.render.limiterMaxGainReductionDB), m?.verdict ?? (planOnly ? "plan" : "-"),
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
