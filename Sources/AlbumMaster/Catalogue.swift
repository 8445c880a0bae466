import AudioIO
import Foundation
import Infrastructure
import Reports

/// Many albums: discovery under a folder, deterministic sharding across machines, and the catalogue index.
public enum Catalogue {
  /// The subfolders of `folder` that hold audio, in natural order. Folders without audio are not albums.
  /// A name that is not UTF-8 cannot be looked into; it is kept (with U+FFFD for its bad bytes) so that it is
  /// reported as an album that cannot be opened instead of vanishing.
  public static func albums(under folder: String) throws -> [String] {
    let entries = try DirectoryEntry.list(folder).get()
    let names = entries.map { String(decoding: $0.bytes, as: UTF8.self) }.filter { !$0.hasPrefix(".") }.sorted(by: naturalLess)
    let unnamed = Set(entries.filter { $0.name == nil }.map { String(decoding: $0.bytes, as: UTF8.self) })
    return names.map { (folder as NSString).appendingPathComponent($0) }.filter { path in
      if unnamed.contains((path as NSString).lastPathComponent) { return true }
      var isDir: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else { return false }
      if case .failure(.noAudio) = Result(catching: { () throws(AlbumError) in try Album.discover(path) }) { return false }
      return true
    }
  }

  /// Whether the album at `path` belongs to shard `index` of `count`: FNV-1a of its folder name modulo `count`.
  /// A hash, not a position, so adding an album never moves the others to another shard.
  public static func inShard(_ path: String, index: Int, count: Int) -> Bool {
    let name = URL(fileURLWithPath: path).standardizedFileURL.lastPathComponent
    return Int(fnv1a64(name.utf8) % UInt64(count)) == index
  }

  /// Writes `<reports>/index.html` linking every album report found there, with its verdict.
  @discardableResult
  public static func writeIndex(reportsFolder: String) throws -> String {
    var rows: [[String: String]] = []
    let names = (try? FileManager.default.contentsOfDirectory(atPath: reportsFolder))?.sorted(by: naturalLess) ?? []
    for name in names {
      let json = ((reportsFolder as NSString).appendingPathComponent(name) as NSString).appendingPathComponent(ReportFile.analysis)
      guard let data = InputFile.contents(atPath: json), let doc = try? JSONReport.decode(AnalysisDocument.self, from: data)
      else { continue }
      rows.append([
        "name": doc.album.name, "href": HTMLReport.relativeLink(to: name + "/index.html"), "tracks": "\(doc.tracks.count)",
        "failures": "\(doc.failures.count)", "mastered": doc.masters == nil ? "no" : "yes",
        "verdict": doc.qa?.verdict.rawValue ?? "–",
      ])
    }
    let path = (reportsFolder as NSString).appendingPathComponent("index.html")
    try AtomicFile.write(HTMLReport.renderIndex(rows), to: path)
    return path
  }
}
