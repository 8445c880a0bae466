import AudioIO
import Foundation

/// An album: a folder whose regular audio files are its tracks, or a single file taken as a one-track album.
public struct Album: Sendable, Hashable {
  /// The folder name (or, for a single file, the file name without its extension).
  public var name: String
  /// The folder, as given (for a single file, the file's folder).
  public var path: String
  /// Track file names relative to `path`, in natural order (2 before 10).
  public var files: [String]
  /// A single file given as a one-track album: its folder is not an album, so only the file itself is protected.
  public var isSingleFile: Bool

  public init(name: String, path: String, files: [String], isSingleFile: Bool = false) {
    self.name = name
    self.path = path
    self.files = files
    self.isSingleFile = isSingleFile
  }

  /// The full path of a track.
  public func path(of file: String) -> String { (path as NSString).appendingPathComponent(file) }

  /// Finds the tracks at `path`.
  ///
  /// The tracks are the entries directly inside the folder that have an audio extension and are not folders
  /// or hidden files; a file that then fails to decode is reported as a failed track, not skipped.
  /// - Throws: `AlbumError.notFound` or `.noAudio`.
  public static func discover(_ path: String) throws(AlbumError) -> Album {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw .notFound(path: path) }
    let clean = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    if !isDir.boolValue {
      let url = URL(fileURLWithPath: clean)
      return Album(
        name: url.deletingPathExtension().lastPathComponent, path: url.deletingLastPathComponent().path,
        files: [url.lastPathComponent], isSingleFile: true)
    }
    let entries: [String]
    do {
      entries = try FileManager.default.contentsOfDirectory(atPath: clean)
    } catch {
      throw .unreadable(path: clean, reason: (error as NSError).localizedDescription)
    }
    let files = entries.filter { name in
      guard !name.hasPrefix("."), audioFileExtensions.contains((name as NSString).pathExtension.lowercased()) else {
        return false
      }
      var d: ObjCBool = false
      let exists = FileManager.default.fileExists(atPath: (clean as NSString).appendingPathComponent(name), isDirectory: &d)
      return !(exists && d.boolValue)  // a dangling link or a loop still counts: it fails loudly when opened
    }.sorted(by: naturalLess)
    guard !files.isEmpty else { throw .noAudio(path: clean) }
    let name = URL(fileURLWithPath: clean).standardizedFileURL.lastPathComponent
    return Album(name: name, path: clean, files: files)
  }
}

/// Why a path could not be taken as an album.
public enum AlbumError: Error, Sendable, Hashable, CustomStringConvertible {
  case notFound(path: String)
  case noAudio(path: String)
  case unreadable(path: String, reason: String)

  public var path: String {
    switch self {
    case .notFound(let p), .noAudio(let p), .unreadable(let p, _): p
    }
  }

  public var reason: String {
    switch self {
    case .notFound: "no such file or folder"
    case .noAudio: "no audio files in this folder (looked for \(audioFileExtensions.sorted().joined(separator: ", ")))"
    case .unreadable(_, let r): "cannot list the folder: \(r)"
    }
  }

  public var description: String { "\(path): \(reason)" }
}

/// Natural order: digit runs compare as numbers, so "2 Song" sorts before "10 Song".
public func naturalLess(_ a: String, _ b: String) -> Bool {
  var i = a.unicodeScalars.makeIterator(), j = b.unicodeScalars.makeIterator()
  var x = i.next(), y = j.next()
  while let cx = x, let cy = y {
    if cx.properties.numericType == .decimal && cy.properties.numericType == .decimal, cx.isASCII, cy.isASCII {
      var nx = "", ny = ""
      while let c = x, c.isASCII, c.properties.numericType == .decimal { nx.unicodeScalars.append(c); x = i.next() }
      while let c = y, c.isASCII, c.properties.numericType == .decimal { ny.unicodeScalars.append(c); y = j.next() }
      let tx = nx.drop { $0 == "0" }, ty = ny.drop { $0 == "0" }
      if tx.count != ty.count { return tx.count < ty.count }
      if tx != ty { return tx < ty }
      if nx.count != ny.count { return nx.count < ny.count }
      continue
    }
    let lx = String(cx).lowercased(), ly = String(cy).lowercased()
    if lx != ly { return lx < ly }
    x = i.next()
    y = j.next()
  }
  if x == nil && y != nil { return true }
  if x != nil && y == nil { return false }
  return a < b  // equal ignoring case: fall back to a stable total order
}
