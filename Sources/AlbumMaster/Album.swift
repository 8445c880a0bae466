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
  /// Audio files whose names are not valid UTF-8, as display names (`Song\xE9.wav`): a Swift path cannot
  /// name them, so they are reported as failed tracks (`unreadableNameReason`), never skipped in silence.
  public var unreadableNames: [String] = []

  /// Why a track in `unreadableNames` failed.
  public static let unreadableNameReason = "cannot open: the file name is not valid UTF-8; rename it"

  /// Creates an album from its parts (`discover` finds them on disk).
  public init(name: String, path: String, files: [String], isSingleFile: Bool = false, unreadableNames: [String] = []) {
    self.name = name
    self.path = path
    self.files = files
    self.isSingleFile = isSingleFile
    self.unreadableNames = unreadableNames
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
        name: name(ofPath: clean, isFile: true), path: url.deletingLastPathComponent().path,
        files: [url.lastPathComponent], isSingleFile: true)
    }
    // readdir's bytes, not Foundation's listing: a name that is not UTF-8 must be seen to be reported.
    let listing: [DirectoryEntry]
    switch DirectoryEntry.list(clean) {
    case .success(let l): listing = l
    case .failure(let e): throw .unreadable(path: clean, reason: e.reason)
    }
    func isAudio(_ name: String) -> Bool {
      !name.hasPrefix(".") && audioFileExtensions.contains((name as NSString).pathExtension.lowercased())
    }
    let unreadable = listing.filter { $0.name == nil && isAudio($0.displayName) }.map(\.displayName).sorted(by: naturalLess)
    let files = listing.compactMap(\.name).filter { name in
      guard isAudio(name) else { return false }
      var d: ObjCBool = false
      let exists = FileManager.default.fileExists(atPath: (clean as NSString).appendingPathComponent(name), isDirectory: &d)
      return !(exists && d.boolValue)  // a dangling link or a loop still counts: it fails loudly when opened
    }.sorted(by: naturalLess)
    guard !files.isEmpty || !unreadable.isEmpty else { throw .noAudio(path: clean) }
    return Album(name: name(ofPath: clean, isFile: false), path: clean, files: files, unreadableNames: unreadable)
  }

  /// The album name for `path`, which also names its report folder: a folder's name as it is (dots and all:
  /// `Live.2019`), a file's name without its extension. A path that no longer exists (a report regenerated
  /// after the audio moved) is taken as a file only if it has an audio extension.
  public static func name(ofPath path: String) -> String {
    let clean = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    var isDir: ObjCBool = false
    let isFile =
      FileManager.default.fileExists(atPath: clean, isDirectory: &isDir)
      ? !isDir.boolValue : audioFileExtensions.contains((clean as NSString).pathExtension.lowercased())
    return name(ofPath: clean, isFile: isFile)
  }

  /// The one rule behind every album name: the last path component, without its extension for a file.
  static func name(ofPath path: String, isFile: Bool) -> String {
    let url = URL(fileURLWithPath: path).standardizedFileURL
    return isFile ? url.deletingPathExtension().lastPathComponent : url.lastPathComponent
  }
}

/// Why a path could not be taken as an album.
public enum AlbumError: Error, Sendable, Hashable, CustomStringConvertible {
  /// Nothing exists at the path.
  case notFound(path: String)
  /// A folder with no audio file in it.
  case noAudio(path: String)
  /// A folder that cannot be listed, and why.
  case unreadable(path: String, reason: String)

  /// The path as given.
  public var path: String {
    switch self {
    case .notFound(let p), .noAudio(let p), .unreadable(let p, _): p
    }
  }

  /// Why, in a few words for a one-line message.
  public var reason: String {
    switch self {
    case .notFound(let p):
      // A command-line name that is not UTF-8 arrives with U+FFFD in place of its bytes and cannot be found.
      p.contains("\u{FFFD}") ? "no such file or folder (the name is not valid UTF-8; rename it)" : "no such file or folder"
    case .noAudio: "no audio files in this folder (looked for \(audioFileExtensions.sorted().joined(separator: ", ")))"
    case .unreadable(_, let r): "cannot list the folder: \(r)"
    }
  }

  /// `path: reason` on one line (control characters escaped).
  public var description: String { "\(path): \(reason)".escapedForTerminal }
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
