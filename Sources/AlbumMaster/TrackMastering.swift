import Analysis
import AudioIO
import DSP
import Foundation
import Matching
import Reports
import Rendering

/// One track through render → verify: renders, measures the master, and renders again with a corrected gain
/// while the loudness is more than `AlbumMasterer.correctionThresholdLU` off (`LoudnessCorrector`).
///
/// When the limiter will clearly act (`expectsLimiting`), the first pass only measures: the same chain runs
/// without quantizing or writing, and only the integrated loudness is taken, on another core. The first master
/// is then written with the gain that pass corrected, as a second render would have been. A measuring pass
/// costs about half a render with its verification.
struct TrackMastering {
  /// The source track's full path.
  var source: String
  /// Its plan.
  var plan: TrackPlan
  /// How the master is written.
  var settings: RenderSettings
  /// Where the master goes.
  var masterPath: String
  /// The album's report folder: `MasterResult.master` is relative to it when the master lies inside.
  var reportFolder: String
  /// What the master's tonal deviation is measured against.
  var profile: AlbumProfile
  /// The source's header, read once by the render stage (nil when it cannot be read: the render then fails
  /// with the reader's message).
  var sourceInfo: AudioFileInfo?
  /// The source's true peak, for `expectsLimiting`.
  var sourceTruePeakDBTP: Double?
  /// Whether the master is analysed (and its loudness corrected).
  var verify = true
  /// `MatchingOptions.dynamicsAmount`: 0 never adds a compressor to hold the limiting budget.
  var dynamicsAmount = 0.0
  /// `MatchingOptions.maxCompressionDB`: the range of a compressor added to hold the budget.
  var maxCompressionDB = 0.0
  /// The headers of the album's tracks: album.yaml's variants get the album's format from them.
  var albumSources: [AudioFileInfo] = []
  /// Whether masters get their tags (`MasterOptions.writeTags`): a WAV master measured while it is written
  /// then gets its `bext` loudness fields from the render itself (`ReleaseTags.broadcast(of:)`).
  var writesTags = false

  /// The most filtered samples a measuring pass keeps for the renders after it (1 GiB of floats: 50 minutes
  /// of 44.1 kHz stereo). Longer tracks are filtered again.
  static let spillCapacity = 1 << 28

  /// Whether the limiter will clearly act on a track: its source true peak, raised by the gain and by the EQ's
  /// largest boost, lands over the ceiling by more than 1 dB. A guess only: the loudness is verified after
  /// every render whatever it says.
  static func expectsLimiting(plan: TrackPlan, sourceTruePeakDBTP: Double?) -> Bool {
    guard plan.limiter, let tp = sourceTruePeakDBTP else { return false }
    let boostDB = max(0, plan.eq.gainsDB.max() ?? 0)
    return tp + plan.gainDB + boostDB > plan.ceilingDBTP + 1
  }

  /// The loudness correction for this track. A compressor takes loudness as well as peaks, and a driven limiter
  /// some more: the correction may give back up to the compressor's range and the limiting budget on top; the
  /// tuning passes (and a confirming one) come on top of the renders' attempts.
  private func makeCorrector() -> LoudnessCorrector {
    let compressing = plan.dynamics != nil && (plan.dynamics?.compressor != nil || dynamicsAmount > 0)
    return LoudnessCorrector(
      thresholdLU: AlbumMasterer.correctionThresholdLU,
      maxCorrectionDB: AlbumMasterer.maxCorrectionDB
        + (compressing ? maxCompressionDB + min(plan.dynamics?.maxLimitingDB ?? 0, maxCompressionDB) : 0),
      maxAttempts: 4 + (compressing ? DynamicsTuner.maxPasses + 2 : 0))
  }

  /// What the render report says of the dynamics: the tuner's outcome and the loudness correction applied.
  private static func dynamics(_ tuner: DynamicsTuner, _ corrector: LoudnessCorrector) -> DynamicsOutcome? {
    var d = tuner.outcome
    if corrector.offsetDB != 0 { d?.gainCorrectionDB = corrector.offsetDB }
    return d
  }

  /// Renders and verifies the master.
  /// - Throws: `RenderError`, or `TrackFailure` when the master cannot be analysed.
  func run(progress: ((String, Double) -> Void)? = nil) throws -> MasterResult {
    var corrector = makeCorrector()
    let name = (masterPath as NSString).lastPathComponent
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
    let fits = sourceInfo.map { Int($0.frames) * $0.channels <= Self.spillCapacity } == true
    let spill = verify && plan.targetLUFS != nil && fits
      ? SpillFile(folder: (masterPath as NSString).deletingLastPathComponent, capacity: Self.spillCapacity) : nil
    // Measuring passes: the loudness (and the PSR when a compressor is tuned) the chain gives, and the limiter's
    // load; the tuner moves the compressor and, past both budgets, the loudness (`DynamicsTuner`).
    var tuner = DynamicsTuner(plan: plan, dynamicsAmount: dynamicsAmount, maxCompressionDB: maxCompressionDB)
    var measured = false
    if verify, plan.targetLUFS != nil, let meterInfo,
      tuner.needsMeasuring || Self.expectsLimiting(plan: plan, sourceTruePeakDBTP: sourceTruePeakDBTP)
    {
      try runMeasuringPasses(&tuner, &corrector, meterInfo: meterInfo, name: name, spill: spill, progress: progress)
      measured = true
    }
    var plan = tuner.plan
    // Lossy masters and `--codec-safe`: the limiter's ceiling lowered until the decodes hold the plan's.
    var codec = CodecCeiling(
      format: sourceInfo.map { settings.outputFormat(for: $0) } ?? .init(container: .wav, encoding: .pcm24),
      safeFor: settings.codecSafe, settings: settings.lossy)
    var renders = 0
    while true {
      renders += 1
      let stage = renders > 1 ? "rendering again" : "rendering"
      let meters = inline ? meterInfo.map { BackgroundMeters(info: $0, file: name) } : nil
      var report = try render(plan: codec.limited(plan), offsetDB: corrector.offsetDB, meters: meters, spill: spill) { f in progress?(stage, f) }
      report.path = relativePath  // reports stay the same wherever they are written
      report.dynamics = Self.dynamics(tuner, corrector)
      guard verify else {
        return MasterResult(
          file: plan.file, master: relativePath, plannedLUFS: plan.targetLUFS, ceilingDBTP: plan.ceilingDBTP,
          attempts: 1, render: report, analysis: nil, verdict: .unverified, message: nil)
      }
      var master = try analyseMaster(meters: meters, name: name, progress: progress)
      let again = corrector.record(measuredLUFS: master.loudness.integratedLUFS, targetLUFS: plan.targetLUFS)
      if again { continue }
      // The limiter was not expected to act (an EQ cut hid the peaks), yet the loudness correction drove it past
      // its budget: the passes skipped run now, from the gain the correction reached.
      if !measured, plan.targetLUFS != nil, let meterInfo, tuner.breaksBudget(limitingDB: report.limiterP99GainReductionDB) {
        measured = true
        corrector.maxAttempts += DynamicsTuner.maxPasses + 2
        corrector.forgetSlope()
        try runMeasuringPasses(&tuner, &corrector, meterInfo: meterInfo, name: name, spill: spill, progress: progress)
        plan = tuner.plan
        continue
      }
      // The corrections after the passes move the limiter too: the outcome tells the master's own limiting.
      tuner.recordMaster(limitingDB: report.limiterP99GainReductionDB)
      report.dynamics = Self.dynamics(tuner, corrector)
      if codec.isActive, try codec.needsAnotherRender(masterPath: masterPath, plan: plan) {
        // A lower ceiling takes loudness: the correction gets room for it, and its slope no longer holds.
        corrector.maxAttempts += CodecCeiling.correctionsPerStep
        corrector.forgetSlope()
        continue
      }
      report.codecCeiling = codec.outcome(plan: plan)
      master.tonalDeviationDB = TonalDeviation.deviationDB(
        track: master, profile: profile, sourceSampleRateHz: sourceInfo.map { Double($0.sampleRate) })
      // A lossy master's PSR is the codec's as much as the plan's: held only where the samples are the render's.
      // A ceiling lowered for the codecs lowers the PSR the tuner measured: not held to it then.
      let problems = Verification.problems(
        plan: plan, master: master, expectedPSRDB: inline && codec.headroomDB == 0 ? tuner.expectedPSRDB : nil)
        + [codec.problem(plan: plan, includingOwn: false)].compactMap { $0 }
      return MasterResult(
        file: plan.file, master: relativePath, plannedLUFS: plan.targetLUFS, ceilingDBTP: plan.ceilingDBTP,
        attempts: corrector.attempts, render: report, analysis: master, verdict: problems.isEmpty ? .ok : .missed,
        message: problems.isEmpty ? nil : problems.joined(separator: "; "))
    }
  }

  /// Measuring passes: the loudness (and the PSR when the tuner asks) the chain gives, and the limiter's load,
  /// until the tuner settles; then one more when its last pass changed the plan unmeasured.
  private func runMeasuringPasses(
    _ tuner: inout DynamicsTuner, _ corrector: inout LoudnessCorrector, meterInfo: AudioFileInfo, name: String,
    spill: SpillFile?, progress: ((String, Double) -> Void)?
  ) throws {
    var again = true
    // Each pass's settings, offset and loudness: going back to settings measured before starts from there.
    var history: [(dynamics: DynamicsPlan?, gainDB: Double, offsetDB: Double, lufs: Double?)] = []
    while again {
      history.append((tuner.plan.dynamics, tuner.plan.gainDB, corrector.offsetDB, nil))
      let pass = try measure(
        plan: tuner.plan, offsetDB: corrector.offsetDB, withPSR: tuner.measuresPSR, meterInfo: meterInfo,
        name: name, spill: spill, progress: progress)
      tuner.retarget(measuredLUFS: pass.lufs)
      corrector.recordMeasuringPass(measuredLUFS: pass.lufs, targetLUFS: tuner.plan.targetLUFS ?? 0)
      history[history.count - 1].lufs = pass.lufs
      let target = tuner.plan.targetLUFS ?? 0
      again = tuner.record(psrDB: pass.psrDB, limitingDB: pass.limitingDB, loudnessOffDB: pass.lufs.map { $0 - target })
      // The tuner changed the plan (compressor, loudness): the last pair of passes says nothing about the next.
      if again || tuner.needsConfirming { corrector.forgetSlope() }
      // The last pass changed the plan: one more (two if the first lands off its loudness: a limited PSR moves
      // with the gain), so the PSR the verification expects is this plan's at the gain the master gets.
      var confirming = !again && tuner.needsConfirming ? 2 : 0
      while confirming > 0 {
        confirming -= 1
        let last = try measure(
          plan: tuner.plan, offsetDB: corrector.offsetDB, withPSR: true, meterInfo: meterInfo, name: name, spill: spill,
          progress: progress)
        tuner.retarget(measuredLUFS: last.lufs)
        let target = tuner.plan.targetLUFS ?? 0
        corrector.recordMeasuringPass(measuredLUFS: last.lufs, targetLUFS: target)
        tuner.confirm(psrDB: last.psrDB, limitingDB: last.limitingDB)
        if let lufs = last.lufs, abs(lufs - target) <= AlbumMasterer.correctionThresholdLU { confirming = 0 }
      }
      // Only when the tuner changed the plan and went back to one measured before: a pass re-run for its loudness
      // alone keeps the corrector's own step (restarting from an older pass would undo it and measure it again).
      let measured = history[history.count - 1]
      let changed = measured.dynamics != tuner.plan.dynamics || measured.gainDB != tuner.plan.gainDB
      if again, changed, let seen = history.dropLast().last(where: { $0.dynamics == tuner.plan.dynamics && $0.gainDB == tuner.plan.gainDB }),
        let lufs = seen.lufs, let target = tuner.plan.targetLUFS
      {
        corrector.restart(offsetDB: seen.offsetDB + target - lufs)
      }
    }
  }

  /// The master's path relative to the report folder when it lies inside it.
  var relativePath: String {
    masterPath.hasPrefix(reportFolder + "/") ? String(masterPath.dropFirst(reportFolder.count + 1)) : masterPath
  }

  /// What a measuring pass found.
  struct Measured {
    /// Integrated loudness, LUFS.
    var lufs: Double?
    /// Median short-term PSR, dB, when asked for.
    var psrDB: Double?
    /// The limiter's 99th-percentile gain reduction, dB (nil without a limiter).
    var limitingDB: Double?
  }

  /// A measuring pass of `plan` at `offsetDB`: the chain without quantizing or writing; its integrated loudness,
  /// its PSR with `withPSR` (the loudness and true-peak meters then run), and the limiter's load.
  private func measure(
    plan: TrackPlan, offsetDB: Double, withPSR: Bool, meterInfo: AudioFileInfo, name: String, spill: SpillFile?,
    progress: ((String, Double) -> Void)?
  ) throws -> Measured {
    let meter = BackgroundMeters(info: meterInfo, file: name, scope: withPSR ? .loudnessAndPSR : .integratedLoudness)
    let report: RenderReport
    do {
      report = try TrackRenderer.measure(
        source: source, plan: plan, settings: settings, gainOffsetDB: offsetDB, progress: { f in progress?("measuring", f) },
        filtered: spill, output: { meter.feed($0) })
    } catch {
      _ = try? meter.finishIntegratedLUFS()  // stop its thread
      throw error
    }
    let (lufs, psr) = try meter.finishLoudnessAndPSR()
    return Measured(lufs: lufs, psrDB: psr, limitingDB: report.limiterP99GainReductionDB)
  }

  /// One render of `plan` at `offsetDB` on top of its gain, fed to `meters` as it is written.
  private func render(
    plan: TrackPlan, offsetDB: Double, meters: BackgroundMeters?, spill: SpillFile?, progress: @escaping (Double) -> Void
  ) throws -> RenderReport {
    do {
      // The meters have seen every sample when the broadcast fields are asked for; a failure is met again below.
      let broadcast = writesTags ? meters.map { m in { (try? m.finish()).map(ReleaseTags.broadcast(of:)) } } : nil
      return try TrackRenderer.render(
        source: source, plan: plan, settings: settings, to: masterPath, gainOffsetDB: offsetDB,
        progress: progress, filtered: spill, written: meters.map { m in { m.feed($0) } }, broadcast: broadcast)
    } catch {
      _ = try? meters?.finish()  // stop its thread
      throw error
    }
  }

  /// The master's analysis: the inline meters' when they saw the whole file, else read back.
  private func analyseMaster(
    meters: BackgroundMeters?, name: String, progress: ((String, Double) -> Void)?
  ) throws -> TrackAnalysis {
    if let measured = try? meters?.finish(), let header = try? AudioFileReader(path: masterPath).info,
      header.channelMap == nil, header.frames == measured.frames
    {
      var master = measured
      master.describe(header)
      return master
    }
    return try TrackAnalyzer.analyze(path: masterPath, file: name) { f in progress?("verifying", f) }
  }
}

/// Verify: whether a master meets its plan.
public enum Verification {
  /// Loudness a master may miss its plan by and still pass, LU.
  public static let toleranceLU = 0.3

  /// What a master misses of its plan, one sentence each: loudness off by more than `toleranceLU`, a true
  /// peak (the higher of `interSamplePeakDBTP` and `truePeakDBTP`) over the ceiling the limiter was given, or a short-term PSR more than
  /// `DynamicsPlanner.verifyToleranceDB` from the one its measuring passes tuned the compressor to
  /// (`expectedPSRDB`). Empty when it meets the plan.
  public static func problems(plan: TrackPlan, master: TrackAnalysis, expectedPSRDB: Double? = nil) -> [String] {
    var problems: [String] = []
    if let target = plan.targetLUFS, let got = master.loudness.integratedLUFS, abs(got - target) > toleranceLU {
      problems.append(
        "loudness \(Format.fixed(got, digits: 2)) LUFS misses the planned \(Format.fixed(target, digits: 2)) LUFS by more than \(Format.fixed(toleranceLU)) LU")
    }
    // The higher of the accurate inter-sample peak (usually the stricter) and BS.1770's (which over-reads content
    // near Nyquist); on a tie the accurate one is named.
    let peaks = [
      ("true peak (inter-sample, 16× oversampled)", master.loudness.interSamplePeakDBTP),
      ("true peak (BS.1770)", master.loudness.truePeakDBTP),
    ].compactMap { name, value in value.map { (name, $0) } }
    if plan.limiter, let (peakName, tp) = peaks.max(by: { $0.1 < $1.1 }), tp > plan.ceilingDBTP {
      problems.append("\(peakName) \(Format.fixed(tp, digits: 2)) dBTP is over the \(Format.fixed(plan.ceilingDBTP)) dBTP ceiling")
    }
    if let want = expectedPSRDB, let got = master.dynamics.psrMedianDB, abs(got - want) > DynamicsPlanner.verifyToleranceDB {
      problems.append(
        "short-term PSR \(Format.fixed(got)) dB misses the planned \(Format.fixed(want)) dB by more than \(Format.fixed(DynamicsPlanner.verifyToleranceDB)) dB")
    }
    return problems
  }
}
