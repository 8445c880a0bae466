import Analysis
import AudioIO
import DSP
import Foundation
import Matching
import Reports
import Rendering

/// What a run took from the cache and what it had to compute (recorded in `analysis.json` as `cache`).
public typealias CacheStats = CacheStatsRecord

extension CacheStatsRecord {
  /// No work yet.
  public init() { self.init(analysesReused: 0, analysesComputed: 0, mastersReused: 0, mastersRendered: 0) }
}

/// Per-album results kept in `<reports>/<album>/.cache/`, so that a re-run redoes only what changed.
///
/// An analysis is keyed by the SHA-256 of the file's bytes and the analysis version (bumped whenever the
/// analysis would measure differently). A master is keyed by the source's hash, the track's plan and the render
/// settings, and is reused only while the file on disk still has the hash recorded when it was written.
public struct ResultCache: Sendable {
  /// `<report folder>/.cache`.
  public let folder: String
  /// Whether entries may be read (`--force` turns this off; entries are still written).
  public let readable: Bool
  /// Bumped whenever the analysis would measure differently: older entries are then ignored.
  public static let analysisVersion = "analysis-3"
  /// Bumped whenever rendering would write different bytes: older master entries are then ignored.
  public static let renderVersion = "render-2"

  /// The cache of the album whose reports are in `reportFolder`.
  public init(reportFolder: String, readable: Bool = true) {
    folder = Self.cacheFolder(reportFolder: reportFolder)
    self.readable = readable
  }

  /// `<report folder>/.cache`.
  public static func cacheFolder(reportFolder: String) -> String {
    (reportFolder as NSString).appendingPathComponent(".cache")
  }

  /// The cache's subfolders, one per kind of entry.
  static let kinds = ["analysis", "masters"]

  struct CachedAnalysis: Codable {
    var analysis: TrackAnalysis
    var gatingBlockEnergies: [Double]
  }

  struct CachedMaster: Codable {
    var masterSHA256: String
    var result: MasterResult
    /// The master's gating blocks (not in `MasterResult`'s JSON): a reused master gives the album loudness of
    /// the tags exactly as a fresh one does. Absent in older entries.
    var gatingBlockEnergies: [Double]?
  }

  private func path(_ kind: String, _ key: String) -> String {
    ((folder as NSString).appendingPathComponent(kind) as NSString).appendingPathComponent(key + ".json")
  }

  /// The analysis of content `hash`, renamed to `file`.
  public func analysis(hash: String, file: String) -> TrackAnalysis? {
    guard readable, let data = InputFile.contents(atPath: path("analysis", Self.analysisVersion + "-" + hash)),
      let cached = try? JSONReport.decode(CachedAnalysis.self, from: data)
    else { return nil }
    var a = cached.analysis
    a.file = file
    a.gatingBlockEnergies = cached.gatingBlockEnergies
    return a
  }

  /// Keeps an analysis under its file's hash (best effort: a failed write only loses the reuse).
  public func store(hash: String, analysis: TrackAnalysis) {
    let p = path("analysis", Self.analysisVersion + "-" + hash)
    try? FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    if let data = try? JSONReport.encode(CachedAnalysis(analysis: analysis, gatingBlockEnergies: analysis.gatingBlockEnergies)) {
      try? AtomicFile.write(data, to: p)
    }
  }

  /// The key of a master: what it is made from.
  public static func masterKey(sourceHash: String, plan: Data, settings: Data) -> String {
    SHA256.hex(renderVersion + sourceHash + String(decoding: plan, as: UTF8.self) + String(decoding: settings, as: UTF8.self))
  }

  /// The key of `plan`'s master rendered from `source` with `settings`; `knownHash` is the source's hash when
  /// the analysis took it. Nil when the source cannot be hashed.
  static func masterKey(source: String, knownHash: String?, plan: TrackPlan, settings: RenderSettings) -> String? {
    (knownHash ?? InputFile.sha256Hex(ofFile: source)).map {
      masterKey(sourceHash: $0, plan: (try? JSONReport.encode(plan)) ?? Data(), settings: (try? JSONReport.encode(settings)) ?? Data())
    }
  }

  /// A master rendered from the same source, plan and settings, if its file is still the one written then.
  public func master(key: String, masterPath: String) -> MasterResult? {
    guard readable, let data = InputFile.contents(atPath: path("masters", key)),
      let cached = try? JSONReport.decode(CachedMaster.self, from: data),
      InputFile.sha256Hex(ofFile: masterPath) == cached.masterSHA256  // a FIFO or device there is no match
    else { return nil }
    var result = cached.result
    result.analysis?.gatingBlockEnergies = cached.gatingBlockEnergies ?? []
    return result
  }

  /// The recorded result of the master made under `key`, whether or not its file is still there: what that render
  /// measured, for a decision only (a master rendered again since holds the file).
  func masterRecord(key: String) -> MasterResult? {
    guard readable, let data = InputFile.contents(atPath: path("masters", key)),
      let cached = try? JSONReport.decode(CachedMaster.self, from: data)
    else { return nil }
    var result = cached.result
    result.analysis?.gatingBlockEnergies = cached.gatingBlockEnergies ?? []
    return result
  }

  /// Keeps a master's result under `key` as a record only (`masterRecord`): its file was replaced by a later
  /// render, so no file matches it.
  func storeRecord(key: String, result: MasterResult) {
    let p = path("masters", key)
    try? FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    let cached = CachedMaster(masterSHA256: "", result: result, gatingBlockEnergies: result.analysis?.gatingBlockEnergies)
    if let data = try? JSONReport.encode(cached) { try? AtomicFile.write(data, to: p) }
  }

  /// Keeps a master's result under `key`, with the hash of the master as written (best effort).
  public func store(key: String, masterPath: String, result: MasterResult) {
    guard let sha = InputFile.sha256Hex(ofFile: masterPath) else { return }
    let p = path("masters", key)
    try? FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    let cached = CachedMaster(masterSHA256: sha, result: result, gatingBlockEnergies: result.analysis?.gatingBlockEnergies)
    if let data = try? JSONReport.encode(cached) { try? AtomicFile.write(data, to: p) }
  }
}

extension InputFile {
  /// The bytes of the regular file at `path`; nil when it is missing, unreadable or not a regular file (a FIFO
  /// or device planted among the cache entries or reports is skipped, never read).
  static func contents(atPath path: String) -> Data? {
    guard let file = try? InputFile(path: path), let bytes = try? file.readAll() else { return nil }
    return Data(bytes)
  }
}
