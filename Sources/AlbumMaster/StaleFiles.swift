import AudioIO
import Foundation

/// Temp files a killed run (SIGKILL, a power cut) left in the folders a run writes to.
public enum StaleFiles {
  /// Removes, in every folder a run on album `name` writes to, the temp files whose writer is dead: the reports
  /// root (the catalogue index), the album's report folder, its `.cache/` and subfolders, the masters folder
  /// (`output`, or `<album>/masters`) and its variant subfolders; and the run folders of dead runs in `$TMPDIR`.
  /// - Returns: the paths removed.
  @discardableResult
  public static func sweep(reportsFolder: String, album name: String, output: String? = nil) -> [String] {
    let folder = (reportsFolder as NSString).appendingPathComponent(name)
    let masters = output ?? (folder as NSString).appendingPathComponent("masters")
    return TemporaryFiles.removeStale(in: reportsFolder)
      + TemporaryFiles.removeStale(in: folder)
      + TemporaryFiles.removeStale(in: ResultCache(reportFolder: folder).folder, depth: 1)
      + TemporaryFiles.removeStale(in: masters, depth: 1)
      + TemporaryFiles.removeStaleRunFolders()
  }
}
