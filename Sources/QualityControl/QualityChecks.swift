import Analysis
import AudioIO
import DSP
import Foundation
import Matching

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// pass < warn < fail.
public enum QAStatus: String, Sendable, Hashable, Codable, Comparable {
  /// Fine; worth a look; must be fixed before release.
  case pass, warn, fail
  /// Orders by severity: pass < warn < fail.
  public static func < (a: QAStatus, b: QAStatus) -> Bool {
    let order: [QAStatus] = [.pass, .warn, .fail]
    return order.firstIndex(of: a)! < order.firstIndex(of: b)!
  }
}

/// One check on one track (or on the album when `track` is nil).
public struct QAFinding: Sendable, Hashable, Codable {
  /// Stable id, e.g. `clipping`, `codec-mp3`.
  public var check: String
  /// The track's file name relative to the album; nil for an album-wide finding.
  public var track: String?
  /// How serious it is.
  public var status: QAStatus
  /// The measured value, with its unit.
  public var value: String
  /// The limit it was held to, with its unit.
  public var limit: String
  /// Why it matters and what to do, in one sentence.
  public var message: String

  /// A finding; `track` nil for the album.
  public init(check: String, track: String?, status: QAStatus, value: String, limit: String, message: String) {
    self.check = check
    self.track = track
    self.status = status
    self.value = value
    self.limit = limit
    self.message = message
  }
}

/// The verdict of a QA run.
public struct QAReport: Sendable, Hashable, Codable {
  /// The delivery preset's name the checks used; nil when none was given.
  public var preset: String?
  /// The worst status of all findings.
  public var verdict: QAStatus
  /// Every check on every track, failures and passes alike, in the order run.
  public var findings: [QAFinding]

  /// A report over `findings`; the verdict is their worst status.
  public init(preset: String?, findings: [QAFinding]) {
    self.preset = preset
    self.findings = findings
    verdict = findings.map(\.status).max() ?? .pass
  }
}

/// Thresholds of the pre-release checks: the same table as the track flags' (`DefectThresholds`, in Analysis).
public typealias QAThresholds = DefectThresholds

/// Decoded true peaks of a track after lossy encoding, dBTP (`nil` where it was not measured), and why a round
/// trip could not run (no temp space, an encoder error): such a check is a failure, never a silent pass.
public struct CodecPeaks: Sendable, Hashable, Codable {
  /// True peak after an MP3 round trip, dBTP; nil when not measured.
  public var mp3DBTP: Double?
  /// True peak after an Opus round trip, dBTP; nil when not measured.
  public var opusDBTP: Double?
  /// Why the MP3 round trip could not run.
  public var mp3Error: String?
  /// Why the Opus round trip could not run.
  public var opusError: String?
  /// The measured peaks; an error string when that round trip could not run.
  public init(mp3DBTP: Double?, opusDBTP: Double?, mp3Error: String? = nil, opusError: String? = nil) {
    self.mp3DBTP = mp3DBTP
    self.opusDBTP = opusDBTP
    self.mp3Error = mp3Error
    self.opusError = opusError
  }
}

/// What the limiter did to one master against its budget, for the `limiting` check.
public struct LimiterLoad: Sendable, Hashable {
  /// The limiting statistic: the gain reduction exceeded in 1 % of the time, dB.
  public var p99GainReductionDB: Double
  /// The plan's budget for it, dB.
  public var budgetDB: Double
  /// Share of the time over 1 dB and over 3 dB of gain reduction, 0…1.
  public var over1DBShare: Double, over3DBShare: Double

  /// A load from the render's figures and the plan's budget.
  public init(p99GainReductionDB: Double, budgetDB: Double, over1DBShare: Double, over3DBShare: Double) {
    self.p99GainReductionDB = p99GainReductionDB
    self.budgetDB = budgetDB
    self.over1DBShare = over1DBShare
    self.over3DBShare = over3DBShare
  }
}

/// Pre-release checks over an album's analyses.
public enum QualityChecks {
  /// The limiting statistic may pass its budget by this much before `limiting` warns, dB (its 0.1 dB bins and
  /// the loudness correction's last step).
  public static let limitingSlackDB = 0.3

  /// Runs every check. `codecPeaks` (per file) adds the codec-safety checks.
  public static func run(
    tracks: [TrackAnalysis], profile: AlbumProfile, preset: DeliveryPreset?, thresholds t: QAThresholds = .init(),
    codecPeaks: [String: CodecPeaks] = [:], limiting: [String: LimiterLoad] = [:]
  ) -> QAReport {
    var f: [QAFinding] = []
    func add(_ check: String, _ track: String?, _ bad: QAStatus?, _ value: String, _ limit: String, _ message: String) {
      f.append(QAFinding(check: check, track: track, status: bad ?? .pass, value: value, limit: limit, message: message))
    }
    let medianLUFS = median(tracks.compactMap(\.loudness.integratedLUFS))
    let rates = majority(tracks.map(\.sampleRate)), chans = majority(tracks.map(\.channels))
    let bitDepths = majority(tracks.map(\.subtype))
    for x in tracks {
      // `tracks` is not empty inside this loop, so every majority exists.
      guard let rates, let chans, let bitDepths else { break }
      let d = x.defects, name = x.file
      add("clipping", name, d.clippedRuns > 0 ? .fail : nil, "\(d.clippedRuns) runs, \(d.clippedSamples) samples", "0 runs",
          "Runs of full-scale samples are audible distortion and cannot be undone; go back to the mix or master with headroom.")
      let dc = d.maxDCOffsetDBFS
      add("dc-offset", name, (dc ?? -200) > t.dcOffsetDBFS ? .warn : nil, Format.level(dc, unit: "dBFS"), "≤ \(Format.fixed(t.dcOffsetDBFS)) dBFS",
          "DC offset wastes headroom and thumps at edits; remove it with a high-pass filter.")
      add("non-finite", name, d.nonFiniteSamples > 0 ? .fail : nil, "\(d.nonFiniteSamples) samples", "0",
          "NaN or infinite samples crash players and encoders; re-export the file from the source session.")
      add("leading-silence", name, d.leadingSilenceSeconds > t.leadingSilenceSeconds ? .warn : nil,
          "\(Format.fixed(d.leadingSilenceSeconds)) s", "≤ \(Format.fixed(t.leadingSilenceSeconds)) s",
          "Long silence before the music feels like a broken stream; trim it unless it is intended.")
      add("trailing-silence", name, d.trailingSilenceSeconds > t.trailingSilenceSeconds ? .warn : nil,
          "\(Format.fixed(d.trailingSilenceSeconds)) s", "≤ \(Format.fixed(t.trailingSilenceSeconds)) s",
          "Long silence after the music delays the next track; trim it unless it is intended.")
      let click = max(d.firstSampleDBFS ?? -200, d.lastSampleDBFS ?? -200)
      add("click", name, t.isClick(levelDBFS: click) ? .warn : nil, Format.level(click > -200 ? click : nil, unit: "dBFS"), "< \(Format.fixed(t.clickDBFS)) dBFS",
          "A track that starts or ends at a high level clicks; add a short fade.")
      if let c = x.stereo.correlation {
        add("phase", name, c < t.minimumCorrelation ? .fail : nil, Format.fixed(c, digits: 2), "≥ \(Format.compact(t.minimumCorrelation))",
            "Negative correlation means one channel is inverted or the mix collapses in mono; check the polarity.")
      }
      if let b = x.stereo.balanceDB {
        add("balance", name, abs(b) > t.imbalanceDB ? .warn : nil, "\(Format.fixed(b)) dB", "within ±\(Format.fixed(t.imbalanceDB)) dB",
            "One side is louder than the other; re-center the mix.")
      }
      if let plr = x.dynamics.plrDB {
        add("plr", name, plr < t.minimumPLRDB ? .warn : nil, "\(Format.fixed(plr)) dB", "≥ \(Format.fixed(t.minimumPLRDB)) dB",
            "A low peak-to-loudness ratio means heavy limiting; normalization will only make it quieter, not louder.")
      }
      if let psr = x.dynamics.psrMedianDB {
        let floor = preset?.psrFloorDB ?? t.minimumPSRDB
        add("psr-floor", name, psr < floor ? .warn : nil, "\(Format.fixed(psr)) dB", "≥ \(Format.fixed(floor)) dB",
            "A master this dense has lost its transients to compression or limiting; lower the target or the dynamics amount.")
      }
      if let l = limiting[name] {
        add("limiting", name, l.p99GainReductionDB > l.budgetDB + limitingSlackDB ? .warn : nil,
            "\(Format.fixed(l.p99GainReductionDB)) dB (over 1 dB \(Format.fixed(l.over1DBShare * 100))% of the time, over 3 dB \(Format.fixed(l.over3DBShare * 100))%)",
            "≤ \(Format.fixed(l.budgetDB)) dB in 99% of the time (warns over \(Format.fixed(l.budgetDB + limitingSlackDB)))",
            "The limiter works past its budget and distorts; lower the target loudness or raise --max-limiting-db knowingly.")
      }
      add("format-consistency", name,
          x.sampleRate != rates || x.channels != chans || x.subtype != bitDepths ? .warn : nil,
          "\(x.sampleRate) Hz, \(x.subtype), \(x.channels) ch", "\(rates) Hz, \(bitDepths), \(chans) ch (the album's majority)",
          "Tracks in different formats were mastered in different sessions; deliver the album in one format.")
      if let l = x.loudness.integratedLUFS, let m = medianLUFS {
        add("loudness-outlier", name, abs(l - m) > t.loudnessOutlierLU ? .warn : nil, "\(Format.fixed(l - m)) LU from the median",
            "within ±\(Format.fixed(t.loudnessOutlierLU)) LU", "This track will jump out (or drop away) in album playback; match its loudness.")
      }
      if let dev = x.tonalDeviationDB {
        add("tonal-outlier", name, dev > t.tonalOutlierDB ? .warn : nil, "\(Format.fixed(dev)) dB", "≤ \(Format.fixed(t.tonalOutlierDB)) dB",
            "Its tonal balance differs from the album's; EQ it toward the album profile.")
      }
      // The lower of the preset's ceiling and the one the track must hold (a master's own).
      let limit = min(preset?.ceiling(forLoudness: x.loudness.integratedLUFS) ?? .infinity, t.defaultCeilingDBTP)
      if let tp = x.loudness.truePeakDBTP {
        add("true-peak", name, tp > limit ? (preset == nil ? .warn : .fail) : nil, "\(Format.fixed(tp)) dBTP", "≤ \(Format.fixed(limit)) dBTP",
            "Inter-sample peaks over the limit clip converters and lossy encoders; use a true-peak limiter.")
      }
      if let p = codecPeaks[name] {
        for (id, codec, v, error) in [
          ("codec-mp3", LossyCodec.mp3.label(), p.mp3DBTP, p.mp3Error), ("codec-opus", LossyCodec.opus.label(), p.opusDBTP, p.opusError),
        ] {
          if let error {
            add(id, name, .fail, "not measured: \(error)", "≤ \(Format.fixed(limit)) dBTP",
                "The \(codec) round trip could not run, so its peak is unknown; give TMPDIR a writable folder with room.")
            continue
          }
          guard let v else { continue }
          let over = v > limit
          add(id, name, over ? (preset == nil ? .warn : .fail) : nil, "\(Format.fixed(v)) dBTP decoded", "≤ \(Format.fixed(limit)) dBTP",
              over
                ? "Lossy encoding raises inter-sample peaks; after \(codec) this one goes over the limit: lower the ceiling, or master with --codec-safe."
                : "Lossy encoding raises inter-sample peaks; after \(codec) this one stays within the limit.")
        }
      }
      if let p = preset {
        if let target = p.targetLUFS, let l = x.loudness.integratedLUFS {
          add("loudness-target", name, abs(l - target) > p.loudnessToleranceLU ? (p.loudnessIsRequirement ? .fail : .warn) : nil,
              "\(Format.fixed(l)) LUFS", "\(Format.fixed(target)) ± \(Format.fixed(p.loudnessToleranceLU)) LUFS",
              p.loudnessIsRequirement
                ? "\(p.name) requires this loudness; normalize the track."
                : "\(p.name) normalizes playback to \(Format.fixed(target)) LUFS; louder masters are turned down, quieter ones may be left quiet.")
        }
        var rules: [String] = []
        if let r = p.sampleRateHz, x.sampleRate != r { rules.append("\(x.sampleRate) Hz instead of \(r) Hz") }
        if let b = p.bits, x.subtype != "PCM_\(b)" { rules.append("\(x.subtype) instead of PCM_\(b)") }
        if let c = p.channels, x.channels != c { rules.append("\(x.channels) channels instead of \(c)") }
        if let m = p.minimumTrackSeconds, x.durationSeconds < m { rules.append("\(Format.fixed(x.durationSeconds)) s is shorter than \(Format.fixed(m)) s") }
        if p.sampleRateHz != nil || p.bits != nil || p.channels != nil || p.minimumTrackSeconds != nil {
          add("delivery-format", name, rules.isEmpty ? nil : .fail, rules.isEmpty ? "as required" : rules.joined(separator: "; "),
              "\(p.sampleRateHz.map { "\($0) Hz" } ?? "any rate"), \(p.bits.map { "\($0)-bit" } ?? "any depth"), \(p.channels.map { "\($0) ch" } ?? "any layout")",
              "\(p.name) accepts only this format; render the master with --sample-rate/--bits.")
        }
        if let minBits = p.recommendedMinimumBits, let bits = Int(x.subtype.replacingOccurrences(of: "PCM_", with: "")) {
          add("delivery-format", name, bits < minBits ? .warn : nil, "\(bits)-bit", "≥ \(minBits)-bit",
              "\(p.name) prefers \(minBits)-bit masters at the native rate.")
        }
      }
    }
    // Jumps between consecutive tracks: the 90th percentile of the short-term loudness over the last 30 s of one
    // track against the same over the first 30 s of the next (the percentile keeps fades out of it).
    for (a, b) in zip(tracks, tracks.dropFirst()) {
      guard let end = p90(a.loudness.shortTermSeries, fromEnd: true, seconds: t.jumpWindowSeconds),
        let start = p90(b.loudness.shortTermSeries, fromEnd: false, seconds: t.jumpWindowSeconds)
      else { continue }
      let jump = start - end
      add("jump", b.file, abs(jump) > t.jumpLU ? .warn : nil, "\(Format.fixed(jump, sign: true)) LU after \(a.file)", "within ±\(Format.fixed(t.jumpLU)) LU",
          "The step from the end of the previous track to the start of this one is jarring; adjust their loudness.")
    }
    return QAReport(preset: preset?.name, findings: f)
  }

  static func p90(_ s: LoudnessSeries, fromEnd: Bool, seconds: Double) -> Double? {
    let n = max(1, Int(clamping: seconds / s.intervalSeconds))  // a series with a 0 s interval must not trap
    let values = (fromEnd ? Array(s.valuesLUFS.suffix(n)) : Array(s.valuesLUFS.prefix(n))).compactMap { $0 }.sorted()
    guard !values.isEmpty else { return nil }
    return values[Int(Double(values.count - 1) * 0.9 + 0.5)]
  }

  /// The most common value (ties to the smallest); `nil` for no values (an album whose every track failed to read).
  static func majority<T: Hashable & Comparable>(_ v: [T]) -> T? {
    var c: [T: Int] = [:]
    for x in v { c[x, default: 0] += 1 }
    return c.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }?.key
  }
}
