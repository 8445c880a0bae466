import Analysis
import AudioIO
import Foundation
import Infrastructure
import Matching
import Reports
import Rendering

/// Tag: loudness tags and the release's identifiers (`ReleaseTags`) in every master and delivery variant.
///
/// It runs once every track is rendered and verified: the album gain needs every master's loudness. Each master
/// is already in place by then (renamed when its own render finished), so it is tagged in a new temp copy beside
/// it that is flushed and renamed over it (`AudioTagger.apply`): as atomic as the render. A master that already
/// carries its tags is left alone (a re-run writes no byte); a re-tagged master's cache entry records its new
/// hash, so the next run still reuses it. Variants have no verification pass: each is measured here, read back.
enum TagStage {
  /// Tags the masters in `rendered` and their variants; a master that cannot be tagged becomes a failure.
  static func run(_ run: AlbumContext, plan: AlbumPlan, analysis: AlbumAnalysis, rendered: inout RenderStage.Output) async {
    guard run.options.writeTags else { return }
    let masters = rendered.masters
    let identity = Identity(config: run.options.config, sources: analysis.tracks)
    // Main masters: their verification's loudness; the album's over all of them.
    let loudness = ReleaseTags.loudness(of: masters.compactMap(\.analysis))
    let cache = run.cache()
    let verify = !run.options.skipVerification
    let keys = rendered.cacheKeys
    var failures = await forEachConcurrently(masters, jobs: run.options.jobs, slots: run.slots) { m -> TrackFailure? in
      let path = run.masterPath(of: m)
      let measured = m.analysis.flatMap { loudness[$0.file] }
      do throws(AudioIOError) {
        _ = try identity.apply(to: path, file: m.file, analysis: m.analysis, loudness: measured)
        // A master rendered now gets its cache entry here, from its final (tagged) bytes; the key is the render's.
        if let key = keys[m.file] { cache.store(key: key, masterPath: path, result: m) }
        return nil
      } catch {
        return TrackFailure(file: m.file, error: "tagging the master: \(error.reason)")
      }
    }.compactMap { $0 }
    for v in run.variants {  // album.yaml's and the CD image's
      failures += await variant(v, run: run, masters: masters, identity: identity, verify: verify)
    }
    for f in failures {
      rendered.failures.append(f)
      run.failed(f)
    }
  }

  /// One variant's masters: each measured (read back), the album's loudness over them, then tagged.
  private static func variant(
    _ v: AlbumConfig.OutputVariant, run: AlbumContext, masters: [MasterResult], identity: Identity, verify: Bool
  ) async -> [TrackFailure] {
    // A variant that is not there (its track failed) has nothing to tag.
    let jobs: [(file: String, path: String)] = masters.compactMap { m in
      let source = try? AudioFileReader(path: run.album.path(of: m.file)).info
      let path = v.masterPath(of: run.masterPath(of: m), sourceInfo: source)
      return FileManager.default.fileExists(atPath: path) ? (m.file, path) : nil
    }
    let measured = await forEachConcurrently(jobs, jobs: run.options.jobs, slots: run.slots) { job -> Result<TrackAnalysis?, TrackFailure> in
      guard verify else { return .success(nil) }
      do throws(TrackFailure) {
        return .success(try TrackAnalyzer.analyze(path: job.path, file: (job.path as NSString).lastPathComponent))
      } catch {
        return .failure(TrackFailure(file: job.file, error: "measuring the \(v.name) variant for its tags: \(error.error)"))
      }
    }
    let analyses = measured.compactMap { try? $0.get() }.compactMap { $0 }
    let loudness = ReleaseTags.loudness(of: analyses)
    let results = await forEachConcurrently(Array(jobs.indices), jobs: run.options.jobs, slots: run.slots) { i -> TrackFailure? in
      let job = jobs[i]
      switch measured[i] {
      case .failure(let f): return f
      case .success(let a):
        do throws(AudioIOError) {
          try identity.apply(to: job.path, file: job.file, analysis: a, loudness: a.flatMap { loudness[$0.file] })
          return nil
        } catch {
          return TrackFailure(file: job.file, error: "tagging the \(v.name) variant: \(error.reason)")
        }
      }
    }
    return results.compactMap { $0 }
  }

  /// What album.yaml and the sources say about each track.
  struct Identity: Sendable {
    var release: ReleaseMetadata
    var tracks: [String: TrackMetadata]
    var sources: [String: AudioMetadata]

    init(config: AlbumConfig?, sources: [TrackAnalysis]) {
      release = config?.release ?? ReleaseMetadata()
      tracks = (config?.tracks ?? [:]).mapValues(\.metadata)
      self.sources = Dictionary(sources.map { ($0.file, $0.metadata) }, uniquingKeysWith: { a, _ in a })
    }

    /// Tags the master of track `file` at `path`. Returns whether it was rewritten.
    @discardableResult
    func apply(to path: String, file: String, analysis: TrackAnalysis?, loudness: ReleaseTags.Loudness?) throws(AudioIOError) -> Bool {
      let format = try AudioFileReader(path: path).info.format
      guard AudioTagger.canTag(format) else { return false }
      let tags = ReleaseTags.tags(
        format: format, loudness: loudness, analysis: analysis, release: release, track: tracks[file] ?? TrackMetadata(),
        source: sources[file])
      return try AudioTagger.apply(tags, to: path, format: format)
    }
  }
}

extension AlbumContext {
  /// Where a master result's file is (its `master` is relative to the report folder when it lies inside).
  func masterPath(of m: MasterResult) -> String {
    m.master.hasPrefix("/") ? m.master : (reportFolder as NSString).appendingPathComponent(m.master)
  }
}

extension AlbumConfig.OutputVariant {
  /// Where this variant of the master at `mainMaster` goes: `<masters>/<variant name>/<stem>.<its extension>`
  /// (the extension follows the source's format when the variant keeps it; WAV when the source is unknown).
  func masterPath(of mainMaster: String, sourceInfo: AudioFileInfo?) -> String {
    let folder = ((mainMaster as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
    let ext = sourceInfo.map { renderSettings.outputFormat(for: $0).container.fileExtension } ?? "wav"
    let stem = ((mainMaster as NSString).lastPathComponent as NSString).deletingPathExtension
    return (folder as NSString).appendingPathComponent((stem as NSString).appendingPathExtension(ext) ?? stem)
  }
}
