import Analysis
import Matching
import QualityControl

/// `analysis.json`, schema version 1 (measurements.md). Keys may be added; renaming one bumps the version.
public struct AnalysisDocument: Codable, Sendable, Hashable {
  /// The album a document describes.
  public struct AlbumRef: Codable, Sendable, Hashable {
    public var name: String
    public var path: String
    public init(name: String, path: String) {
      self.name = name
      self.path = path
    }
  }

  public static let currentSchemaVersion = 1
  public var schemaVersion: Int
  public var album: AlbumRef
  public var tracks: [TrackAnalysis]
  public var profile: AlbumProfile
  public var failures: [TrackFailure]
  /// After `master`: one entry per mastered track, in album order; absent after `analyze`.
  public var masters: [MasterResult]?
  /// Pre-release checks (of the masters, after `master`).
  public var qa: QAReport?
  /// What the run reused from the cache and what it computed: in the `--json` result, never in analysis.json.
  public var cache: CacheStatsRecord?

  public init(
    album: AlbumRef, tracks: [TrackAnalysis], profile: AlbumProfile, failures: [TrackFailure],
    masters: [MasterResult]? = nil
  ) {
    schemaVersion = Self.currentSchemaVersion
    self.album = album
    self.tracks = tracks
    self.profile = profile
    self.failures = failures
    self.masters = masters
  }
}

/// The cache counters as the `--json` result records them.
public struct CacheStatsRecord: Codable, Sendable, Hashable {
  public var analysesReused: Int
  public var analysesComputed: Int
  public var mastersReused: Int
  public var mastersRendered: Int
  public init(analysesReused: Int, analysesComputed: Int, mastersReused: Int, mastersRendered: Int) {
    self.analysesReused = analysesReused
    self.analysesComputed = analysesComputed
    self.mastersReused = mastersReused
    self.mastersRendered = mastersRendered
  }
}
