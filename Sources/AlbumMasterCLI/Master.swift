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

  @Option(name: .customLong("max-spread-lu"), parsing: .unconditional, help: "Album mode: largest distance of a track from the album loudness, LU (default 3).")
  var maxSpreadLU: Double?

  @Option(name: .customLong("eq-amount"), parsing: .unconditional, help: "Share of the tonal correction applied, 0 to 1 (default 1).")
  var eqAmount: Double?

  @Option(name: .customLong("max-eq-db"), parsing: .unconditional, help: "EQ budget: the largest boost or cut where a band has strong content, dB; less in the lows, in thin bands and near a cut-off (default 12).")
  var maxEQDB: Double?

  @Option(name: .customLong("width-amount"), parsing: .unconditional, help: "Share of the width correction applied, 0 to 1 (default 1).")
  var widthAmount: Double?

  @Option(name: .customLong("max-width-db"), parsing: .unconditional, help: "Largest side-gain change, dB (default 3).")
  var maxWidthDB: Double?

  @Option(name: .customLong("ceiling-dbtp"), parsing: .unconditional, help: "True-peak ceiling, dBTP (default -1, or a preset's).")
  var ceilingDBTP: Double?

  @Option(help: "True-peak limiter: on or off (default on).")
  var limiter: Switch?

  @Option(name: .customLong("dynamics-amount"), parsing: .unconditional, help: "Share of the move toward the album's dynamics (short-term PSR) applied, 0 to 1; 0 turns compression off (default 1).")
  var dynamicsAmount: Double?

  @Option(name: .customLong("target-psr"), parsing: .unconditional, help: "Short-term PSR the album is matched to, dB (default: the tracks' median, or the references').")
  var targetPSRDB: Double?

  @Option(name: .customLong("max-compression-db"), parsing: .unconditional, help: "Largest gain reduction of the compressor, dB (default 6).")
  var maxCompressionDB: Double?

  @Option(name: .customLong("max-limiting-db"), parsing: .unconditional, help: "Limiting budget: the most gain reduction the limiter may take in more than 1 % of the time, dB; past it the loudness is lowered (default 3).")
  var maxLimitingDB: Double?

  @Option(help: "Multiband compressor (4 bands, mid and side, slower lows) in place of the wideband one for compressed tracks: on or off (default off).")
  var multiband: Switch?

  @Option(name: .customLong("eq-phase"), help: "EQ filter phase: linear, minimum or mixed (minimum phase below 150 Hz, linear above 600 Hz; default mixed).")
  var eqPhase: EQPhase?

  @Option(help: "Delivery preset that sets the target and ceiling: \(DeliveryPreset.all.map(\.name).joined(separator: ", ")).")
  var preset: String?

  enum Switch: String, ExpressibleByArgument { case on, off }

  /// Puts the flags given into the request.
  func fill(_ request: inout MasterRequest) {
    request.presetName = preset
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
    flags.dynamicsAmount = dynamicsAmount
    flags.targetPSRDB = targetPSRDB
    flags.maxCompressionDB = maxCompressionDB
    flags.maxLimitingDB = maxLimitingDB
    flags.multiband = multiband.map { $0 == .on }
    flags.eqPhase = eqPhase
    request.matching = flags
  }
}

extension LoudnessMode: ExpressibleByArgument {}
extension EQPhase: ExpressibleByArgument {}

/// How masters are written.
struct OutputArguments: ParsableArguments {
  @Option(help: "Output format: \(OutputFormatChoice.choices) (default: one lossless format for the album, see docs/cli.md; same: each track's own).")
  var format: OutputFormatChoice?

  @Option(help: "Bits for PCM formats: 16, 24 or 32f (default: the album's deepest).")
  var bits: OutputBits?

  @Option(name: .customLong("sample-rate"), parsing: .unconditional, help: "Output sample rate in Hz (default: the album's highest), via libsoxr.")
  var sampleRate: Int?

  @Option(help: "Dither for integer outputs: tpdf or none.")
  var dither: DitherMode = .tpdf

  @Option(help: "Folder for the masters (default: <reports>/<album>/masters).")
  var output: String?

  @Option(name: .customLong("fade-ms"), parsing: .unconditional, help: "Fade a track's start or end that is at level (the click check), ms; 0 turns fades off (default 5).")
  var fadeMS: Double?

  @Option(name: .customLong("trim-start-ms"), parsing: .unconditional, help: "Trim leading silence to at most this many ms (default: no trim).")
  var trimStartMS: Double?

  @Option(name: .customLong("trim-end-ms"), parsing: .unconditional, help: "Trim trailing silence to at most this many ms (default: no trim).")
  var trimEndMS: Double?

  @Flag(help: "Also write a CD image: <masters>/cd/image.wav with image.cue and image.toc (cdrdao), from 16-bit 44.1 kHz masters.")
  var cd = false

  @Flag(name: .customLong("no-tags"), help: "Write no loudness tags (ReplayGain, R128, BWF loudness) and no album.yaml identifiers into the masters.")
  var noTags = false

  @Option(parsing: .unconditional, help: ArgumentHelp("Bitrate of MP3 (constant) and Opus (variable) masters, kb/s (default 320 for MP3, 128 for Opus).", valueName: "KBPS"))
  var bitrate: Int?

  @Option(parsing: .unconditional, help: ArgumentHelp("Quality of Ogg Vorbis masters, 0 to 10 (default 5).", valueName: "Q"))
  var quality: Double?

  @Option(name: .customLong("codec-safe"), help: ArgumentHelp("Also hold the ceiling after these codecs at delivery bitrates: a list of mp3, opus, vorbis, or none (default: the preset's).", valueName: "CODECS"))
  var codecSafe: String?

  func validate() throws {
    do throws(InputError) {
      _ = try LossySettings.checked(bitrateKbps: bitrate, quality: quality)
      _ = try codecSafe.map { s throws(InputError) in try LossyCodec.list(flagValue: s) }
    } catch { throw usageError(error) }
  }

  /// Puts the flags given into the request.
  func fill(_ request: inout MasterRequest) {
    var s = format.map { $0.applied(to: RenderSettings()) } ?? RenderSettings()
    s.bits = bits
    s.sampleRateHz = sampleRate
    s.dither = dither
    s.edits.fadeMS = fadeMS
    s.edits.trimStartMS = trimStartMS
    s.edits.trimEndMS = trimEndMS
    s.lossy = try? LossySettings.checked(bitrateKbps: bitrate, quality: quality)
    s.codecSafe = codecSafe.flatMap { try? LossyCodec.list(flagValue: $0) }
    request.render = s
    request.outputFolder = output
    request.cd = cd
    request.writeTags = !noTags
  }
}

extension OutputBits: ExpressibleByArgument {}
extension OutputFormatName: ExpressibleByArgument {}
extension OutputFormatChoice: ExpressibleByArgument {}
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
  @OptionGroup var selection: AlbumSelection
  @OptionGroup var matching: MatchingArguments
  @OptionGroup var output: OutputArguments

  // One file per flag: a list would swallow the album that follows (`--reference ref.wav Albums/Demo`).
  @Option(help: ArgumentHelp("A reference track (repeat the flag for several): match to their blended tonal balance, width and (unless --target-lufs) loudness.", valueName: "FILE"))
  var reference: [String] = []

  @Option(help: "A saved profile.json to match to (e.g. the previous album of a series).")
  var profile: String?

  @Flag(name: .customLong("plan-only"), help: "Write plan.json and stop.")
  var planOnly = false

  func run() async throws {
    try await Interruption.run {
      var request = MasterRequest(albums: try selection.selectAlbums(albums))
      matching.fill(&request)
      output.fill(&request)
      common.fill(&request)
      request.referencePaths = reference
      request.profilePath = profile
      request.planOnly = planOnly
      try await MasterCommand.run(request, common: common)
    }
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
    try await Interruption.run {
      var request = MasterRequest(albums: [album])
      output.fill(&request)
      common.fill(&request)
      request.planPath = plan
      request.skipVerification = noVerify
      try await MasterCommand.run(request, common: common)
    }
  }
}

/// The shared body of `master` and `render`: run the library, print its events and the summary.
enum MasterCommand {
  static func run(_ request: MasterRequest, common: CommonOptions) async throws {
    let console = Console(quiet: common.quiet, tableToStderr: common.json == "-", machineOutput: common.json != nil)
    ProgressDisplay.shared.configure(quiet: common.quiet)
    defer { ProgressDisplay.shared.end() }
    let outcome = try await console.run { () async throws(RunError) -> BatchOutcome in
      try await AlbumBatch.master(request, onEvent: console.show)
    }
    if Cancellation.isRequested { return }  // the caller says so in one line
    console.summary(outcome.summary(reportsFolder: request.reportsFolder))
    try console.finish(outcome)
  }
}
