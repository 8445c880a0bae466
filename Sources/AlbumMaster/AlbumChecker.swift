import Analysis
import Foundation
import Infrastructure
import Matching
import QualityControl

/// Pre-release QA of an album: the checks of measurements.md, a delivery preset, and codec safety.
public enum AlbumChecker {
  /// The stage name of the codec round trip in progress events (`TrackEvent.progress`).
  public static let codecStage = "codec round trip"

  /// Checks `tracks` (analyses of files in `folder`). With `codec`, each file is also encoded to MP3 and Opus
  /// (concurrently, `jobs` at a time) and its decoded true peak checked; `onEvent` then hears each file start,
  /// progress (stage `codecStage`) and finish, so a console can show this stage as its own.
  public static func check(
    tracks: [TrackAnalysis], folder: String, profile: AlbumProfile, preset: DeliveryPreset?,
    thresholds: QAThresholds = .init(), codec: Bool, jobs: Int, limiting: [String: LimiterLoad] = [:],
    onEvent: (@Sendable (TrackEvent) -> Void)? = nil
  ) async -> QAReport {
    var peaks: [String: CodecPeaks] = [:]
    if codec {
      let files = tracks.map(\.file)
      let measured = await forEachConcurrently(files, jobs: jobs) { file in
        onEvent?(.started(file: file))
        let p = CodecSafety.measure(path: (folder as NSString).appendingPathComponent(file)) { f in
          onEvent?(.progress(file: file, stage: codecStage, fraction: f))
        }
        onEvent?(.finished(file: file))
        return p
      }
      for (f, p) in zip(files, measured) { peaks[f] = p }
    }
    return QualityChecks.run(
      tracks: tracks, profile: profile, preset: preset, thresholds: thresholds, codecPeaks: peaks, limiting: limiting)
  }
}
