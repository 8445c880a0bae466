import Analysis
import Matching
import QualityControl

/// `analysis.json`, schema version 1 (measurements.md). Keys may be added; renaming one bumps the version.
public struct AnalysisDocument: Codable, Sendable, Hashable {
  /// The album a document describes.
  public struct AlbumRef: Codable, Sendable, Hashable {
    /// The album's name (its folder name).
    public var name: String
    /// The album folder's path, as the album was opened (`Album.discover`).
    public var path: String
    /// A reference to the album `name` at `path`.
    public init(name: String, path: String) {
      self.name = name
      self.path = path
    }
  }

  /// The version this build writes.
  public static let currentSchemaVersion = 1
  /// The version the document was written in.
  public var schemaVersion: Int
  /// Which album.
  public var album: AlbumRef
  /// One analysis per readable track, in album order.
  public var tracks: [TrackAnalysis]
  /// The album profile made from those tracks.
  public var profile: AlbumProfile
  /// The tracks that could not be analysed, each with its one-line reason.
  public var failures: [TrackFailure]
  /// After `master`: one entry per mastered track, in album order; absent after `analyze`.
  public var masters: [MasterResult]?
  /// Pre-release checks (of the masters, after `master`).
  public var qa: QAReport?
  /// What the run reused from the cache and what it computed: in the `--json` result, never in analysis.json.
  public var cache: CacheStatsRecord?

  /// A document of the current schema version; QA and cache figures are added later.
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
  /// Tracks whose analysis came from the cache.
  public var analysesReused: Int
  /// Tracks analysed in this run.
  public var analysesComputed: Int
  /// Masters kept from an earlier run (same source, plan and settings; file unchanged).
  public var mastersReused: Int
  /// Masters rendered in this run.
  public var mastersRendered: Int
  /// The counters of one run.
  public init(analysesReused: Int, analysesComputed: Int, mastersReused: Int, mastersRendered: Int) {
    self.analysesReused = analysesReused
    self.analysesComputed = analysesComputed
    self.mastersReused = mastersReused
    self.mastersRendered = mastersRendered
  }
}
