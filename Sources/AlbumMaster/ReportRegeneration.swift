import AudioIO
import Foundation
import Matching
import Reports

/// Why a report could not be regenerated.
public enum RegenerationError: Error, Sendable, CustomStringConvertible {
  /// The report folder could touch the album (nothing written; a usage error).
  case refused(WriteGuardError)
  /// No analysis.json, or one that cannot be read (`path: reason`).
  case unusable(path: String, reason: String)
  /// Writing the report failed.
  case failed(String)

  /// One line naming the path.
  public var description: String {
    switch self {
    case .refused(let e): e.description
    case .unusable(let path, let reason): "\(path): \(reason)"
    case .failed(let reason): reason
    }
  }
}

/// `report`: index.html and the CSVs made again from a saved analysis.json (and plan.json, and the sources'
/// source-analysis.json beside a master report), without audio.
public enum ReportRegeneration {
  /// Regenerates the report of the album at `albumPath` (which need not exist any more) under `reportsFolder`.
  /// - Returns: the paths written.
  public static func regenerate(albumPath: String, reportsFolder: String) async throws(RegenerationError) -> [String] {
    let name = Album.name(ofPath: albumPath)
    let folder = WriteGuard.reportFolder(reports: reportsFolder, album: name)
    // The album, if it is there, is an input like any other: the report folder must not lead into it.
    do throws(WriteGuardError) {
      try WriteGuard(albums: [], inputPaths: [albumPath]).checkRun(
        reports: reportsFolder, albums: [name], output: nil, masters: false, json: nil)
    } catch {
      throw .refused(error)
    }
    let jsonPath = (folder as NSString).appendingPathComponent(ReportFile.analysis)
    let missing = RegenerationError.unusable(path: jsonPath, reason: "no saved analysis; run analyze, check or master first")
    guard FileManager.default.fileExists(atPath: jsonPath) else { throw missing }
    do {
      return try await ReportFolder.withLock(folder) { () throws -> [String] in
        // Through InputFile: a FIFO or device planted in the report folder fails instead of hanging the read.
        guard let bytes = try? InputFile(path: jsonPath).readAll() else { throw missing }
        let doc: AnalysisDocument
        do {
          doc = try JSONReport.decode(AnalysisDocument.self, from: Data(bytes))
        } catch {
          throw RegenerationError.unusable(path: jsonPath, reason: "not an analysis.json: \(error)")
        }
        let planBytes = try? InputFile(path: (folder as NSString).appendingPathComponent(ReportFile.plan)).readAll()
        let plan = planBytes.flatMap { try? JSONReport.decode(AlbumPlan.self, from: Data($0)) }
        return try AlbumAnalyzer.writeReports(doc: doc, plan: plan, sourceCheck: SourceCheckReport.saved(in: folder), to: folder)
      }
    } catch let e as RegenerationError {
      throw e
    } catch {
      throw .failed("\(error)")
    }
  }
}
