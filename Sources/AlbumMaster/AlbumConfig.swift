import AudioIO
import DSP
import Foundation
import Matching
import QualityControl
import Rendering
import Yams

/// `album.yaml`: optional settings in an album folder, merged under the command-line flags.
///
/// ```yaml
/// preset: spotify          # or loudness/targetLUFS/ceilingDBTP… directly
/// loudness: album          # album | track | none
/// targetLUFS: -14
/// maxSpreadLU: 3
/// eqAmount: 0.8
/// maxEQDB: 12
/// eqPhase: mixed           # linear | minimum | mixed
/// widthAmount: 0.5
/// maxWidthDB: 3
/// ceilingDBTP: -1
/// limiter: on
/// dynamicsAmount: 1        # 0 turns compression off
/// multiband: off           # on: compressed tracks get the multiband compressor
/// targetPSRDB: 10          # default: the tracks' median short-term PSR
/// maxCompressionDB: 6
/// maxLimitingDB: 3
/// fadeMS: 5                # fade an edge at level (0: off); trimStartMS/trimEndMS: silence kept, ms
/// tracks:
///   "05 Interlude.wav": { loudness: keep, eq: off }
///   "06 Wild.wav": { dynamics: off }
///   "07 Outro.wav": { gainDB: -2 }
///   "99 Demo take.wav": { exclude: yes }
///   "08 Segue.wav": { fadeMS: 0, trimEndMS: 500 }
/// release: { title: Night Drive, artist: The Examples, upc: "012345678905" }  # see ReleaseMetadata
/// outputs:                 # delivery variants besides the main master
///   - { format: flac, bits: 16, sampleRate: 44100 }
///   - { format: mp3 }        # bitrate: 256 (MP3, Opus, kb/s) or quality: 6 (Ogg Vorbis)
/// codecSafe: [mp3, opus]   # lossless masters also hold the ceiling after these codecs
/// ```
public struct AlbumConfig: Sendable, Hashable {
  /// `preset:`, a name from `DeliveryPreset.all`: its target and ceiling under the file's own values.
  public var preset: String?
  /// The album-wide options the file sets.
  public var matching = MatchingOverrides()
  /// Per-track settings, by file name.
  public var tracks: [String: TrackOverride] = [:]
  /// Delivery variants rendered beside the main master.
  public var outputs: [OutputVariant] = []
  /// Album-wide fades and trims (`fadeMS`, `trimStartMS`, `trimEndMS`).
  public var edits = EditSettings()
  /// An `outputs:` entry `{ cd: true }`: write the CD image and its CUE sheet and TOC.
  public var cd = false
  /// The `release:` section: album title, artist, UPC/EAN, credits, CD gaps.
  public var release = ReleaseMetadata()
  /// `codecSafe: [mp3, opus]`: codecs the masters are made safe for (`RenderSettings.codecSafe`); `nil` when not set.
  public var codecSafe: [LossyCodec]?
  /// Where each `tracks:` entry stands in the file (its path and line), for `checkTracks`.
  public var trackLines: [String: Int] = [:]
  /// The file this config was read from.
  public var path = ""

  /// Every `tracks:` entry must name a track of the album: a misspelt name would otherwise be ignored in
  /// silence (an `exclude: yes` that excludes nothing).
  /// - Throws: `ConfigError` at the entry's line, naming the unknown file.
  public func checkTracks(_ files: [String]) throws(ConfigError) {
    let known = Set(files)
    for name in tracks.keys.sorted(by: naturalLess) where !known.contains(name) {
      throw ConfigError(
        path: path, line: trackLines[name] ?? 0, key: "tracks.\(name)",
        problem: "no track of this album has that file name (names are matched exactly, with their extension)")
    }
  }

  /// What one track does differently.
  public struct TrackOverride: Sendable, Hashable {
    /// `eq: off` leaves its tonal balance alone.
    public var eq: Bool = true
    /// `dynamics: off` leaves its dynamics alone (an intentionally wild track): no compressor, no limiting budget.
    public var dynamics: Bool = true
    /// `loudness: keep` keeps its loudness (an intentionally quiet interlude).
    public var keepLoudness = false
    /// A fixed gain instead of the loudness plan.
    public var gainDB: Double?
    /// Leave the track out of the album.
    public var exclude = false
    /// Its own fades and trims, over the album's and the flags'.
    public var edits = EditSettings()
    /// Title, artist, ISRC and CD gap (see `ReleaseMetadata`).
    public var metadata = TrackMetadata()
  }

  /// An extra delivery format, written to `masters/<name>/`.
  public struct OutputVariant: Sendable, Hashable {
    /// The format written.
    public var format: OutputFormatName
    /// PCM sample format; nil: the input's.
    public var bits: OutputBits?
    /// Sample rate, Hz; nil: the input's.
    public var sampleRateHz: Int?
    /// Dither for integer outputs.
    public var dither: DitherMode = .tpdf
    /// `bitrate:` (MP3, Opus) or `quality:` (Ogg Vorbis) of a lossy variant; `nil`: the delivery table's.
    public var lossy: LossySettings?

    /// How this variant is rendered.
    public var renderSettings: RenderSettings {
      var s = format.applied(to: RenderSettings())
      s.bits = bits
      s.sampleRateHz = sampleRateHz
      s.dither = dither
      s.lossy = lossy
      return s
    }

    /// The folder name: format, bits and rate, e.g. `flac-16-44100`.
    public var name: String {
      ([format.rawValue] + [bits?.rawValue, sampleRateHz.map { "\($0)" }, lossy?.bitrateKbps.map { "\($0)k" }, lossy?.quality.map { "q\(Format.plain($0))" }]
        .compactMap { $0 }).joined(separator: "-")
    }
  }

  /// The file's name in an album folder.
  public static let fileName = "album.yaml"
  /// The largest `album.yaml` read: settings fit in a few kB, and a YAML tree costs about 30 times its text.
  public static let maxFileBytes = 1 << 20

  /// A config error: the file, the line (and for a syntax error the column, both from 1), the key and what
  /// is wrong.
  public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// The album.yaml read.
    public var path: String
    /// 1-based; 0 when the error is about the whole file.
    public var line: Int
    /// The key at fault, dotted (`tracks.05 Interlude.wav.eq`), or `(syntax)`, `(file)`, `(top)`.
    public var key: String
    /// What is wrong, and what is expected.
    public var problem: String
    /// 1-based, counted in Unicode scalars; set for syntax errors and duplicate keys.
    public var column: Int? = nil
    /// `path:line[:column]: key: problem` on one line (control characters escaped).
    public var description: String {
      let place = line > 0 ? ":\(line)" + (column.map { ":\($0)" } ?? "") : ""
      return "\(path)\(place): \(key): \(problem)".escapedForTerminal
    }
  }

  /// Reads `album.yaml` from `folder`; `nil` when there is none. The size is checked on the open descriptor
  /// before anything is read, so a huge (or endless) file costs nothing.
  public static func load(folder: String) throws(ConfigError) -> AlbumConfig? {
    let path = (folder as NSString).appendingPathComponent(fileName)
    guard PathFacts.kind(path) != .missing else { return nil }
    let data: [UInt8]?
    do {
      // A FIFO or device named album.yaml fails, never blocks; the size is checked before anything is read.
      let file = try InputFile(path: path)
      guard file.sizeBytes <= maxFileBytes else {
        throw ConfigError(
          path: path, line: 0, key: "(file)",
          problem: "\(file.sizeBytes) bytes; \(fileName) may hold at most \(maxFileBytes) bytes (1 MB)")
      }
      data = try file.readAll(maxBytes: maxFileBytes)
    } catch let error as ConfigError {
      throw error
    } catch let error as AudioIOError {
      throw ConfigError(path: path, line: 0, key: "(file)", problem: error.reason)
    } catch {
      throw ConfigError(path: path, line: 0, key: "(file)", problem: "\(error)")
    }
    guard let data else {
      throw ConfigError(path: path, line: 0, key: "(file)", problem: "more than \(maxFileBytes) bytes (1 MB)")
    }
    return try parse(String(decoding: data, as: UTF8.self), path: path)
  }

  /// Parses the text of an `album.yaml`, checking every key and value.
  public static func parse(_ text: String, path: String) throws(ConfigError) -> AlbumConfig {
    let root: Node?
    do {
      root = try Yams.compose(yaml: text)
    } catch let e as YamlError {
      throw syntaxError(e, text: text, path: path)
    } catch {
      throw ConfigError(path: path, line: 0, key: "(syntax)", problem: "not valid YAML: \(error)")
    }
    var c = AlbumConfig()
    c.path = path
    guard let root else { return c }
    guard let map = root.mapping else { throw ConfigError(path: path, line: line(root), key: "(top)", problem: "expected keys and values") }
    let r = NodeReader(path: path)
    for (k, v) in map {
      guard let key = k.string else { throw r.fail(k, "?", "keys must be text") }
      switch key {
      case "preset":
        guard let s = v.string, DeliveryPreset.named(s) != nil else { throw r.fail(v, key, "unknown preset '\(v.string ?? "?")'") }
        c.preset = s
      case "loudness":
        guard let s = v.string, let m = LoudnessMode(rawValue: s) else { throw r.fail(v, key, "expected album, track or none") }
        c.matching.loudness = m
      case let k where MatchingLimits.options.contains(where: { $0.limits.key == k }):
        for e in MatchingLimits.options where e.limits.key == key { c.matching[keyPath: e.override] = try r.number(v, key, e.limits) }
      case let k where EditLimits.options.contains(where: { $0.limits.key == k }):
        for e in EditLimits.options where e.limits.key == key { c.edits[keyPath: e.setting] = try r.number(v, key, e.limits) }
      case "limiter": c.matching.limiter = try r.flag(v, key)
      case "multiband": c.matching.multiband = try r.flag(v, key)
      case "eqPhase":
        guard let x = v.string, let m = EQPhase(rawValue: x) else {
          throw r.fail(v, key, "expected \(EQPhase.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        c.matching.eqPhase = m
      case MatchingLimits.targetPSRDB.key: c.matching.targetPSRDB = try r.number(v, key, MatchingLimits.targetPSRDB)
      case "tracks":
        guard let tracks = v.mapping else { throw r.fail(v, key, "expected file names with their settings") }
        for (tk, tv) in tracks {
          guard let file = tk.string else { throw r.fail(tk, "tracks", "file names must be text") }
          c.tracks[file] = try r.trackOverride(tv, file: file)
          c.trackLines[file] = line(tk)
        }
      case "outputs":
        guard let list = v.sequence else { throw r.fail(v, key, "expected a list of formats") }
        for (i, item) in list.enumerated() {
          if let m = item.mapping, m.count == 1, let only = m.first, only.key.string == "cd" {
            c.cd = try r.flag(only.value, "outputs[\(i)].cd")
          } else {
            c.outputs.append(try r.variant(item, index: i))
          }
        }
      case "release": c.release = try release(v, path: path)
      case "codecSafe": c.codecSafe = try r.codecs(v, key)
      default:
        throw r.fail(k, key, "unknown key (preset, loudness, targetLUFS, maxSpreadLU, eqAmount, maxEQDB, eqPhase, widthAmount, maxWidthDB, ceilingDBTP, limiter, dynamicsAmount, targetPSRDB, maxCompressionDB, maxLimitingDB, multiband, fadeMS, trimStartMS, trimEndMS, release, tracks, outputs, codecSafe)")
      }
    }
    return c
  }

  private static func line(_ n: Node) -> Int { (n.mark?.line ?? 0) }

  /// Reads typed values out of YAML nodes, each failure a `ConfigError` at the node's line.
  private struct NodeReader {
    var path: String

    func fail(_ node: Node, _ key: String, _ problem: String) -> ConfigError {
      ConfigError(path: path, line: AlbumConfig.line(node), key: key, problem: problem)
    }

    func number(_ v: Node, _ key: String, _ limits: OptionRange) throws(ConfigError) -> Double {
      let x = v.float ?? v.int.map(Double.init)
      if let p = limits.problem(x, found: "'\(v.string ?? "?")'") { throw fail(v, key, p) }
      return x ?? 0
    }

    /// `codecSafe:`: a list of codec names (or one name).
    func codecs(_ v: Node, _ key: String) throws(ConfigError) -> [LossyCodec] {
      let names = v.sequence.map { $0.map { $0.string ?? "?" } } ?? v.string.map { [$0] } ?? []
      do throws(InputError) { return try LossyCodec.list(names, flag: key) } catch { throw fail(v, key, error.problem) }
    }

    func flag(_ v: Node, _ key: String) throws(ConfigError) -> Bool {
      guard let b = v.bool else { throw fail(v, key, "expected on/off (yes/no, true/false), found '\(v.string ?? "?")'") }
      return b
    }

    /// One `tracks:` entry.
    func trackOverride(_ tv: Node, file: String) throws(ConfigError) -> TrackOverride {
      guard let settings = tv.mapping else { throw fail(tv, "tracks.\(file)", "expected settings (eq, dynamics, loudness, gainDB, exclude, fadeMS, trimStartMS, trimEndMS, title, artist, isrc, cdGapSeconds)") }
      var o = TrackOverride()
      for (sk, sv) in settings {
        let name = "tracks.\(file).\(sk.string ?? "?")"
        switch sk.string {
        case "eq": o.eq = try flag(sv, name)
        case "dynamics": o.dynamics = try flag(sv, name)
        case "loudness":
          guard sv.string == "keep" else { throw fail(sv, name, "the only per-track loudness is 'keep'") }
          o.keepLoudness = true
        case "gainDB": o.gainDB = try number(sv, name, MatchingLimits.fixedGainDB)
        case "exclude": o.exclude = try flag(sv, name)
        case let k? where EditLimits.options.contains(where: { $0.limits.key == k }):
          for e in EditLimits.options where e.limits.key == k { o.edits[keyPath: e.setting] = try number(sv, name, e.limits) }
        case let k? where try AlbumConfig.trackMetadata(k, sv, name: name, path: path, into: &o.metadata): break
        default: throw fail(sk, name, "unknown setting (eq, dynamics, loudness, gainDB, exclude, fadeMS, trimStartMS, trimEndMS, title, artist, isrc, cdGapSeconds)")
        }
      }
      return o
    }

    /// One `outputs:` entry, checked now, not on every master: an encoder that refuses the variant refuses every
    /// track.
    func variant(_ item: Node, index i: Int) throws(ConfigError) -> OutputVariant {
      guard let m = item.mapping else { throw fail(item, "outputs[\(i)]", "expected format, bits, sampleRate, dither") }
      var o = OutputVariant(format: .wav)
      let rates = OptionRange(
        key: "sampleRate", range: Double(AudioLimits.sampleRateHz.lowerBound)...Double(AudioLimits.sampleRateHz.upperBound))
      for (ok, ov) in m {
        let name = "outputs[\(i)].\(ok.string ?? "?")"
        switch ok.string {
        case "format":
          guard let f = ov.string.flatMap(OutputFormatName.init(rawValue:)) else { throw fail(ov, name, "expected \(OutputFormatName.choices)") }
          o.format = f
        case "bits":
          guard let b = OutputBits(rawValue: ov.string ?? "") else { throw fail(ov, name, "expected 16, 24 or 32f") }
          o.bits = b
        case "sampleRate": o.sampleRateHz = Int(try number(ov, name, rates))
        case "dither":
          guard let d = DitherMode(rawValue: ov.string ?? "") else { throw fail(ov, name, "expected tpdf or none") }
          o.dither = d
        case MatchingLimits.bitrateKbps.key:
          o.lossy = LossySettings(bitrateKbps: Int(try number(ov, name, MatchingLimits.bitrateKbps)), quality: o.lossy?.quality)
        case MatchingLimits.vorbisQuality.key:
          o.lossy = LossySettings(bitrateKbps: o.lossy?.bitrateKbps, quality: try number(ov, name, MatchingLimits.vorbisQuality))
        default: throw fail(ok, name, "unknown setting (format, bits, sampleRate, dither, bitrate, quality)")
        }
      }
      if let problem = o.renderSettings.problemBeforeInput { throw fail(item, "outputs[\(i)]", problem) }
      if let problem = o.renderSettings.lossyProblem { throw fail(item, "outputs[\(i)]", problem) }
      return o
    }
  }

  /// Yams's error as a config error at its own line and column (its marks count from 1).
  static func syntaxError(_ e: YamlError, text: String, path: String) -> ConfigError {
    func error(_ mark: (line: Int, column: Int), _ problem: String) -> ConfigError {
      ConfigError(path: path, line: mark.line, key: "(syntax)", problem: "not valid YAML: \(problem)", column: mark.column)
    }
    switch e {
    case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      return error((mark.line, mark.column), context.map { "\(problem) (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? problem)
    case .reader(let problem, let offset, _, _):
      // The offset counts characters from the start of the text.
      let before = text.prefix(offset ?? 0)
      let line = before.reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
      let column = before.reversed().prefix(while: { $0 != "\n" }).count + 1
      return error((line, column), problem)
    case .duplicatedKeysInMapping(let duplicates, let context):
      let key = duplicates.first ?? "?"
      // Yams marks the first occurrence; the repeat is the line to fix: the next line with the same key at
      // the same indentation.
      let first = (line: context.mark.line, column: context.mark.column)
      let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
      var at = first
      for i in first.line..<max(first.line, lines.count) {
        let l = lines[i]
        let indent = l.prefix(while: { $0 == " " }).count
        let rest = l.dropFirst(indent)
        if indent == first.column - 1, ["\(key):", "\"\(key)\":", "'\(key)':"].contains(where: { rest.hasPrefix($0) }) {
          at = (i + 1, first.column)
          break
        }
      }
      var err = error(at, "")
      err.key = key
      err.problem = at.line == first.line ? "duplicate key" : "duplicate key (first at line \(first.line))"
      return err
    default:
      return ConfigError(path: path, line: 0, key: "(syntax)", problem: "not valid YAML: \("\(e)".split(separator: "\n").first ?? "")")
    }
  }

  /// The matching options: `base` (defaults or a preset) with this file's values on top.
  public func apply(to base: MatchingOptions) -> MatchingOptions { matching.apply(to: base) }

  /// A plan with the per-track overrides applied.
  public func apply(to plan: AlbumPlan) -> AlbumPlan {
    var p = plan
    for i in p.tracks.indices {
      guard let o = tracks[p.tracks[i].file] else { continue }
      var t = p.tracks[i]
      if !o.eq {
        t.eq = .flat
        t.reasons.append("EQ off (album.yaml).")
      }
      if !o.dynamics, t.dynamics != nil {
        t.dynamics = nil
        t.reasons.removeAll { $0.hasPrefix(DynamicsPlanner.reasonPrefix) }  // the planner's, now void
        t.reasons.append("Dynamics off (album.yaml): not compressed, and the limiter has no budget.")
      }
      if o.keepLoudness, let src = t.sourceLUFS {
        t.targetLUFS = src
        t.gainDB = 0
        t.reasons.append("Loudness kept at \(Format.fixed(src)) LUFS (album.yaml).")
      }
      if let g = o.gainDB {
        t.gainDB = g
        t.targetLUFS = nil  // a fixed gain is not corrected toward a loudness
        t.reasons.append("Fixed gain \(Format.fixed(g, sign: true)) dB (album.yaml).")
      }
      p.tracks[i] = t
    }
    return p
  }
}
