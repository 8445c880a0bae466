import AudioIO
import Foundation
import Matching
import QualityControl
import Rendering

/// What a user asks of `master` (or `render`), before album.yaml and presets are resolved: the command line's
/// flags, or an embedder's choices. `AlbumBatch.master` validates it once and resolves it per album:
/// defaults < preset < album.yaml < the values set here.
public struct MasterRequest: Sendable {
  /// Album folders (or single audio files), in the order they are reported.
  public var albums: [String]
  /// Each album's reports go to `<reportsFolder>/<album name>/`.
  public var reportsFolder = "Reports"
  /// Matching values set explicitly (the flags): they win over album.yaml, which wins over the preset.
  public var matching = MatchingOverrides()
  /// A delivery preset by name (see `DeliveryPreset.all`): it sets the target and the ceiling under album.yaml
  /// and the flags, and QA checks the masters against it. album.yaml's `preset:` is used when this is nil.
  public var presetName: String?
  /// How masters are written (format, bits, rate, dither).
  public var render = RenderSettings()
  /// Reference tracks: the album is matched to their blended profile (and, unless a target is set, loudness).
  public var referencePaths: [String] = []
  /// A saved profile.json to match to (the previous album of a series).
  public var profilePath: String?
  /// `render`: the plan.json to render; album.yaml, the preset and the matching values are then not used.
  public var planPath: String?
  /// Write plan.json and stop.
  public var planOnly = false
  /// Render only: analyse neither sources nor masters (no loudness correction, no QA).
  public var skipVerification = false
  /// Where masters go; default `<reports>/<album>/masters`.
  public var outputFolder: String?
  /// Write the CD image (`--cd`); album.yaml's `{ cd: true }` asks for it too.
  public var cd = false
  /// Loudness tags and album.yaml's identifiers in the masters (`--no-tags` turns them off).
  public var writeTags = true
  /// Tracks processed at once, across all albums.
  public var jobs = ProcessInfo.processInfo.activeProcessorCount
  /// Whether cached analyses and masters may be reused.
  public var useCache = true
  /// Where the run's machine-readable result is written: a path; "-" returns it to the caller (to print);
  /// nil writes none.
  public var jsonPath: String?

  /// A request for `albums` with every default.
  public init(albums: [String]) { self.albums = albums }

  /// The preset named by the request, checked.
  /// - Throws: `InputError` naming `--preset` and the choices.
  public static func preset(named name: String?) throws(InputError) -> DeliveryPreset? {
    guard let name else { return nil }
    guard let p = DeliveryPreset.named(name) else {
      throw InputError(
        subject: "--preset", problem: "unknown preset '\(name)'; choose from \(DeliveryPreset.all.map(\.name).joined(separator: ", "))")
    }
    return p
  }

  /// Checks every value that does not depend on an album, and reads the plan and profile documents.
  /// - Throws: `InputError` naming the flag or document and what is wrong.
  func validated() throws(InputError) -> ValidatedRequest {
    for (flag, path) in [("--reports", reportsFolder), ("--output", outputFolder), ("--json", jsonPath),
      ("--profile", profilePath), ("--plan", planPath)] + referencePaths.map({ ("--reference", $0) })
    where path?.isEmpty == true {
      throw InputError(subject: flag, problem: "an empty path; give a file or folder name")
    }
    // A reference that cannot be opened fails now, before any album is analysed.
    for path in referencePaths {
      do throws(AudioIOError) { _ = try InputFile(path: path) } catch {
        throw InputError(subject: "--reference \(path)", problem: error.reason)
      }
    }
    try matching.validateFlags()
    try FlagChecks.jobs(jobs)
    if let hz = render.sampleRateHz { try FlagChecks.sampleRate(hz) }
    try render.edits.validateFlags()
    if let problem = render.problemBeforeInput { throw InputError(subject: "--format/--bits/--sample-rate", problem: problem) }
    try CodecCeiling.validate(render)
    if profilePath != nil && !referencePaths.isEmpty {
      throw InputError(subject: "--reference/--profile", problem: "give --reference or --profile, not both")
    }
    let preset = try Self.preset(named: presetName)
    let profile = try profilePath.map { p throws(InputError) in try AlbumProfile.load(path: p) }
    var plan: AlbumPlan? = nil
    if let planPath, let first = albums.first {
      plan = try AlbumMasterer.loadPlan(path: planPath, albumPath: first)
    }
    return ValidatedRequest(request: self, preset: preset, profile: profile, plan: plan)
  }
}

/// A request whose values were checked and whose documents were read; resolved per album.
struct ValidatedRequest: Sendable {
  var request: MasterRequest
  var preset: DeliveryPreset?
  var profile: AlbumProfile?
  var plan: AlbumPlan?

  /// The input documents of the run (protected like the tracks).
  var documents: [String] { [request.profilePath, request.planPath].compactMap { $0 } }

  /// One album's options: defaults < preset < album.yaml < the request's values; album.yaml's excluded tracks
  /// leave the album. `render` of a plan uses the plan's options and no album.yaml.
  /// - Throws: `AlbumConfig.ConfigError` for an album.yaml that cannot be used.
  func resolve(_ album: Album) throws(AlbumConfig.ConfigError) -> (album: Album, options: MasterOptions) {
    var album = album
    var options = MasterOptions()
    options.render = request.render
    options.referencePaths = request.referencePaths
    options.profile = profile
    options.planOnly = request.planOnly
    options.skipVerification = request.skipVerification
    // Absolute from here on: a master outside the report folder is recorded by this path, and every stage (the
    // write guard, the renders, the tags) must read it the same way whatever folder it resolves against.
    options.outputFolder = request.outputFolder.map { path in
      path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
    }
    options.writeTags = request.writeTags
    options.jobs = request.jobs
    options.useCache = request.useCache
    options.cd = request.cd
    if let plan {
      options.matching = plan.options
      return (album, options)
    }
    let config = album.isSingleFile ? nil : try AlbumConfig.load(folder: album.path)
    try config?.checkTracks(album.files)
    let preset = self.preset ?? config?.preset.flatMap(DeliveryPreset.named)
    options.matching = MatchingOptions.resolved(
      preset: preset, config: config, flags: request.matching, reference: !request.referencePaths.isEmpty)
    options.targetGiven = preset != nil || config?.matching.targetLUFS != nil || request.matching.targetLUFS != nil
    options.preset = preset
    options.config = config
    options.cd = request.cd || config?.cd == true
    options.render.codecSafe = CodecCeiling.codecSafe(flags: request.render.codecSafe, config: config, preset: preset)
    if let config {
      album.files = album.files.filter { config.tracks[$0]?.exclude != true }
      if album.files.isEmpty && album.unreadableNames.isEmpty {
        throw AlbumConfig.ConfigError(
          path: config.path, line: 0, key: "tracks", problem: "every track is excluded; nothing to master")
      }
    }
    return (album, options)
  }
}

extension MatchingOptions {
  /// The one precedence rule: defaults (with `referenceMaxEQDB` when matching to `reference` tracks) < the
  /// preset's target and ceiling < album.yaml < explicit values.
  public static func resolved(
    preset: DeliveryPreset?, config: AlbumConfig?, flags: MatchingOverrides, reference: Bool = false
  ) -> MatchingOptions {
    var o = MatchingOptions()
    if reference { o.maxEQDB = MatchingOptions.referenceMaxEQDB }
    if let preset {
      if let t = preset.targetLUFS { o.targetLUFS = t }
      o.ceilingDBTP = preset.ceilingDBTP
    }
    if let config { o = config.apply(to: o) }
    return flags.apply(to: o)
  }
}
