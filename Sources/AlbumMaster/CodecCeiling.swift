import AudioIO
import DSP
import Foundation
import Matching
import QualityControl
import Rendering
import Reports

/// Holds a master's true-peak ceiling after lossy encoding. Lossy coding adds its noise on top of the limited
/// signal, so a decode peaks over the ceiling the limiter held. After each render the master is decoded (a
/// lossy master: its own file) or round-tripped through each `--codec-safe` codec in the run's temp folder, and
/// measured (`CodecSafety.decodedPeak`); while the worst decode is over the plan's ceiling, the limiter's ceiling
/// is lowered by the overshoot plus `marginDB` and the master rendered again, at most `maxExtraRenders` times.
/// The verdict still holds the master to the plan's ceiling.
struct CodecCeiling {
  /// Added to the overshoot on each step, dB: a codec's peaks move a little with the signal fed to it.
  static let marginDB = 0.1
  /// How far under the ceiling a decode must land before the loop stops, dB: other decoders read the same file
  /// up to 0.012 dB higher (ffmpeg's MP3 decoder against libsndfile's mpg123, 16× peaks of the same masters).
  /// The verdict still holds the decode to the ceiling itself.
  static let decoderAgreementDB = 0.02
  /// Renders after the first one that the codecs may ask for: an Opus variant of "Aberrations" (singularity-music,
  /// `make crosscheck`'s delivery check) overshoots by 1 dB and its decoded peak follows the limiter's ceiling
  /// slowly: 3 steps left it 0.013 dB over.
  static let maxExtraRenders = 4
  /// Loudness corrections a lower ceiling adds to `TrackMastering`'s budget (the limiter then takes more).
  static let correctionsPerStep = 2
  /// A decoded peak that moved less than this after a lower ceiling is out of the limiter's reach, dB.
  static let stuckDB = 0.001
  /// The lowest limiter ceiling the loop goes to: the bottom of the `ceilingDBTP` range.
  static var lowestCeilingDBTP: Double { MatchingLimits.ceilingDBTP.range.lowerBound }

  /// The master's own codec when it is written lossy: its file is decoded.
  let own: LossyCodec?
  /// Codecs a master is round-tripped through (`--codec-safe`), besides its own.
  let safeFor: [LossyCodec]
  /// The bitrate or quality of the master's own codec (the others take the table's).
  let settings: LossySettings
  /// How far under the plan's ceiling the limiter's ceiling is, dB.
  private(set) var headroomDB = 0.0
  /// Renders the codecs asked for.
  private(set) var extraRenders = 0
  /// Whether a lower ceiling has already left the decoded peak where it was (then the next step is larger).
  private var stuck = false
  /// The worst decoded peak of the render before the last, dBTP.
  private var previousWorstDBTP: Double?
  /// Each codec's decoded true peak after the last render, dBTP.
  private(set) var peaks: [(codec: LossyCodec, dbtp: Double)] = []
  /// The worst decode after the last render.
  var worst: (codec: LossyCodec, dbtp: Double)? { peaks.max { $0.dbtp < $1.dbtp } }

  /// The loop for a master written in `format` and made safe for `safeFor`.
  init(format: AudioFileFormat, safeFor: [LossyCodec]?, settings: LossySettings?) {
    own = LossyCodec(format.encoding)
    self.safeFor = (safeFor ?? []).filter { $0 != LossyCodec(format.encoding) }
    self.settings = settings ?? .init()
  }

  /// Whether any codec is checked.
  var isActive: Bool { own != nil || !safeFor.isEmpty }

  /// `plan` with the limiter's ceiling lowered by the headroom found so far.
  func limited(_ plan: TrackPlan) -> TrackPlan {
    var p = plan
    p.ceilingDBTP -= headroomDB
    return p
  }

  /// Measures the master at `path` rendered from `plan` (the plan's own ceiling): whether another render should
  /// run, the limiter's ceiling then lowered. Only a limited plan is rendered again (without a limiter, nothing
  /// holds a ceiling).
  /// - Throws: the decoder's or a round trip's error.
  mutating func needsAnotherRender(masterPath path: String, plan: TrackPlan) throws -> Bool {
    peaks = []
    if let own, let p = try CodecSafety.decodedPeak(path: path).truePeakDBTP { peaks.append((own, p)) }
    for c in safeFor {
      if let p = try CodecSafety.roundTripPeakDBTP(path, codec: c) { peaks.append((c, p)) }
    }
    let before = previousWorstDBTP
    previousWorstDBTP = worst?.dbtp
    guard plan.limiter, let worst, worst.dbtp > plan.ceilingDBTP - Self.decoderAgreementDB, extraRenders < Self.maxExtraRenders
    else { return false }
    // A lower ceiling that left the decoded peak where it was: the codec's peak grew where the signal was under
    // the limiter's ceiling, so the overshoot is measured from that ceiling and the next one is under the plan's
    // by all of it. Left again where it was, the peak is not the limiter's (a track that starts or ends at level
    // rings in the codec's first or last frame): more passes would change nothing.
    var next = plan.ceilingDBTP - headroomDB - (worst.dbtp - plan.ceilingDBTP) - Self.marginDB
    if let before, abs(worst.dbtp - before) < Self.stuckDB {
      guard !stuck else { return false }
      stuck = true
      next = min(next, plan.ceilingDBTP - (worst.dbtp - (plan.ceilingDBTP - headroomDB)) - Self.marginDB)
    }
    guard next >= Self.lowestCeilingDBTP else { return false }
    headroomDB = plan.ceilingDBTP - next
    extraRenders += 1
    return true
  }

  /// The decoded peak over `plan`'s ceiling, one sentence; `nil` when it holds (or nothing was measured).
  /// `includingOwn` false leaves out the master's own codec (its verification already holds its file to the ceiling).
  func problem(plan: TrackPlan, includingOwn: Bool = true) -> String? {
    // Like the verification: without a limiter the plan promises no ceiling.
    guard plan.limiter, let worst = peaks.filter({ includingOwn || $0.codec != own }).max(by: { $0.dbtp < $1.dbtp }),
      worst.dbtp > plan.ceilingDBTP
    else { return nil }
    return "after \(label(worst.codec)) its decoded true peak \(Format.fixed(worst.dbtp, digits: 2)) dBTP is over the \(Format.fixed(plan.ceilingDBTP)) dBTP ceiling (limiter at \(Format.fixed(plan.ceilingDBTP - headroomDB, digits: 2)) dBTP after \(extraRenders) more renders)"
  }

  /// What the loop did, for the render report; `nil` when no codec is checked.
  func outcome(plan: TrackPlan) -> CodecCeilingOutcome? {
    guard isActive else { return nil }
    return CodecCeilingOutcome(
      codecs: ([own].compactMap { $0 } + safeFor).map(label), limiterCeilingDBTP: plan.ceilingDBTP - headroomDB,
      decodedTruePeakDBTP: worst?.dbtp, worstCodec: worst.map { label($0.codec) }, extraRenders: extraRenders,
      held: worst.map { $0.dbtp <= plan.ceilingDBTP } ?? true)
  }

  /// The codec's label at the settings it was encoded with.
  private func label(_ c: LossyCodec) -> String { c.label(c == own ? settings : .init()) }
}

extension CodecCeiling {
  /// Renders a delivery variant (album.yaml `outputs:`) to `path`, and while it is lossy and its decode goes over
  /// `plan`'s ceiling, again with the limiter's ceiling lowered. The report's `codecCeiling` says what it took.
  /// - Throws: `RenderError`; the decoder's error.
  static func renderVariant(
    source: String, plan: TrackPlan, settings: RenderSettings, info: AudioFileInfo?, to path: String, gainOffsetDB: Double
  ) throws -> RenderReport {
    var codec = CodecCeiling(
      format: info.map { settings.outputFormat(for: $0) } ?? .init(container: .wav, encoding: .pcm24),
      safeFor: settings.codecSafe, settings: settings.lossy)
    while true {
      var report = try TrackRenderer.render(
        source: source, plan: codec.limited(plan), settings: settings, to: path, gainOffsetDB: gainOffsetDB)
      if codec.isActive, try codec.needsAnotherRender(masterPath: path, plan: plan) { continue }
      report.codecCeiling = codec.outcome(plan: plan)
      return report
    }
  }
}

extension MasterResult {
  /// The result with the track's delivery variants; one whose decode stays over the ceiling makes it `missed`.
  func recording(variants: [RenderReport]) -> MasterResult {
    guard !variants.isEmpty else { return self }
    var r = self
    r.variants = variants
    let over = variants.filter { $0.codecCeiling?.held == false }
    guard !over.isEmpty else { return r }
    let text = over.map { v in
      "variant \(v.path): decoded true peak \(Format.fixed(v.codecCeiling?.decodedTruePeakDBTP, digits: 2, missing: "?")) dBTP after \(v.codecCeiling?.worstCodec ?? "encoding") is over the \(Format.fixed(ceilingDBTP)) dBTP ceiling"
    }
    if r.verdict == .ok { r.verdict = .missed }
    r.message = ([message].compactMap { $0 } + text).joined(separator: "; ")
    return r
  }
}

extension CodecCeiling {
  /// Checks the lossy settings of a request: `--bitrate` and `--quality` in range (`MatchingLimits`) and fitting
  /// the format asked for.
  /// - Throws: `InputError` naming the flag.
  static func validate(_ render: RenderSettings) throws(InputError) {
    if let l = render.lossy { _ = try LossySettings.checked(bitrateKbps: l.bitrateKbps, quality: l.quality) }
    if let problem = render.lossyProblem { throw InputError(subject: "--bitrate/--quality", problem: problem) }
  }

  /// The codecs masters are made safe for: the flag's, else album.yaml's, else the preset's default
  /// (`DeliveryPreset.codecSafeDefault`); `nil` for none.
  static func codecSafe(flags: [LossyCodec]?, config: AlbumConfig?, preset: DeliveryPreset?) -> [LossyCodec]? {
    flags ?? config?.codecSafe ?? preset?.codecSafeDefault
  }
}

extension DeliveryPreset {
  /// The codecs a preset's masters are made safe for when neither `--codec-safe` nor album.yaml names any: the
  /// platform's streaming codec where libsndfile can encode it (Spotify: Ogg Vorbis; YouTube: Opus). Apple Music,
  /// Tidal and Amazon Music stream AAC, which libsndfile cannot encode: none for them.
  public var codecSafeDefault: [LossyCodec]? {
    switch name {
    case "spotify": [.vorbis]
    case "youtube": [.opus]
    default: nil
    }
  }
}
