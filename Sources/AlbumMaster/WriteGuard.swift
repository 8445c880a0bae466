import AudioIO
import Foundation
import Reports

/// An output path refused because writing there could touch an input. A usage error (exit 64): one line
/// naming the output and the input it would land on or in.
public struct WriteGuardError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The output as given.
  public var path: String
  /// Why, naming the input.
  public var reason: String
  /// `output: reason`.
  public var description: String { "\(path): \(reason)" }
}

/// A report or masters folder that could not be made or locked (exit 2 for that album; the others go on).
public struct OutputFolderError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The folder.
  public var path: String
  /// Why it could not be made or locked.
  public var reason: String
  /// `path: reason`.
  public var description: String { "\(path): \(reason)" }
}

/// The one place that decides where a run may write. Every output path is resolved through symlinks first
/// (including the part not created yet) and refused when it is, or lies inside, an input album of the run, or
/// when a file written there would replace an input file (a track, a single-file album, a reference, a
/// `--profile` or `--plan`). Paths alone miss a bind mount or a hard link, so identities (device, inode) are
/// compared too: every existing ancestor of an output with each input album folder, an existing output file with
/// each input file. Two albums of a run may not share a report or masters folder.
public struct WriteGuard: Sendable {
  struct Input: Sendable {
    /// As given, for messages.
    var given: String
    var resolved: String
    /// What it is on disk, when it exists: a bind mount or a hard link of it has the same.
    var id: PathFacts.FileID?
  }
  private var folders: [Input] = []
  private var files: [Input] = []
  /// `render --plan`'s plan when it is the report folder's own plan.json: render writes back the very plan it
  /// read and validated, so that one replacement loses nothing (editing plan.json in place, then rendering it,
  /// is the documented workflow). Every other output onto it is still refused.
  public var planWrittenBack: String?

  /// Protects every album of the run (a folder album: everything inside it, and any track that is a symlink to
  /// a file elsewhere; a single-file album: the file) and the other input files or folders of the run.
  public init(albums: [Album], inputPaths: [String] = []) {
    for album in albums {
      if album.isSingleFile {
        protectFile(album.path(of: album.files[0]))
      } else {
        protectFolder(album.path)
        // Tracks inside are protected by the folder; by identity too, for a hard link to one elsewhere.
        for f in album.files { protectFile(album.path(of: f)) }
      }
    }
    for p in inputPaths {
      if PathFacts.kind(p) == .folder { protectFolder(p) } else { protectFile(p) }
    }
  }

  private mutating func protectFolder(_ path: String) {
    folders.append(Input(given: path, resolved: PathFacts.resolved(path), id: PathFacts.identity(path)))
  }

  /// A file is protected both where its name is (a rename there replaces the entry) and where it leads.
  private mutating func protectFile(_ path: String) {
    let id = PathFacts.identity(path)
    files.append(Input(given: path, resolved: Self.entry(path), id: id))
    let target = PathFacts.resolved(path)
    if target != Self.entry(path) { files.append(Input(given: path, resolved: target, id: id)) }
  }

  /// The directory entry a rename to `path` replaces: its folder resolved, its own name kept.
  static func entry(_ path: String) -> String {
    let name = (path as NSString).lastPathComponent
    let parent = PathFacts.resolved((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent)
    return parent == "/" ? "/" + name : parent + "/" + name
  }

  static func within(_ folder: String) -> (String) -> Bool {
    let prefix = folder.hasSuffix("/") ? folder : folder + "/"
    return { $0 == folder || $0.hasPrefix(prefix) }
  }

  /// The existing folders `resolved` is or lies inside, by identity, nearest first.
  static func ancestorIDs(_ resolved: String) -> [PathFacts.FileID] {
    var out: [PathFacts.FileID] = []
    var p = resolved
    while true {
      if let id = PathFacts.identity(p) { out.append(id) }
      if p == "/" || p.isEmpty { return out }
      p = (p as NSString).deletingLastPathComponent
    }
  }

  /// The input album that `resolved` is or lies inside, by path or (a bind mount, another name) by identity.
  private func albumHolding(_ resolved: String) -> Input? {
    if let a = folders.first(where: { Self.within($0.resolved)(resolved) }) { return a }
    let ids = Self.ancestorIDs(resolved)
    return folders.first { a in a.id.map(ids.contains) ?? false }
  }

  /// The input file that `resolved` is, by path or (a hard link, a bind mount) by identity.
  private func inputFile(_ resolved: String) -> Input? {
    if let f = files.first(where: { $0.resolved == resolved }) { return f }
    guard let id = PathFacts.identity(resolved) else { return nil }
    return files.first { $0.id == id }
  }

  /// Whether `resolved` is or lies inside `folder` (which may not exist yet), by path or by identity.
  static func lies(_ resolved: String, inside folder: String) -> Bool {
    if within(PathFacts.resolved(folder))(resolved) { return true }
    guard let id = PathFacts.identity(folder) else { return false }
    return ancestorIDs(resolved).contains(id)
  }

  /// Refuses folder `path` (`role` says what it is for) if files written in it could land in an input.
  public func checkFolder(_ path: String, role: String) throws(WriteGuardError) {
    let r = PathFacts.resolved(path)
    if let a = albumHolding(r) {
      throw WriteGuardError(path: path, reason: "\(role) lies inside the input album \(a.given); choose another --reports/--output")
    }
    if let f = inputFile(r) {
      throw WriteGuardError(path: path, reason: "\(role) is the input file \(f.given)")
    }
  }

  /// Refuses file `path` if writing it (a temp file beside it renamed onto it, or, through a symlink, its
  /// target) could land on or in an input.
  public func checkFile(_ path: String, role: String) throws(WriteGuardError) {
    // Albums first, then files: a link to a track is reported as inside its album, whichever name is looked at.
    let targets = [Self.entry(path), PathFacts.resolved(path)]
    for target in targets {
      let parent = (target as NSString).deletingLastPathComponent
      let targetID = PathFacts.identity(target)
      if let a = albumHolding(parent) ?? folders.first(where: { $0.resolved == target || ($0.id != nil && $0.id == targetID) }) {
        throw WriteGuardError(path: path, reason: "\(role) lies inside the input album \(a.given); choose another path")
      }
    }
    for target in targets {
      if let f = inputFile(target) {
        throw WriteGuardError(path: path, reason: "\(role) would replace the input file \(f.given)")
      }
    }
  }

  /// Refuses a masters folder that holds an input file directly: masters are named after their sources, so one
  /// could be renamed onto it (a single-file album mastered into its own folder).
  func checkMastersFolder(_ path: String) throws(WriteGuardError) {
    try checkFolder(path, role: "the masters folder")
    let r = PathFacts.resolved(path)
    let id = PathFacts.identity(r)
    for f in files
    where (f.resolved as NSString).deletingLastPathComponent == r
      || (id != nil && PathFacts.identity((f.resolved as NSString).deletingLastPathComponent) == id) {
      throw WriteGuardError(path: path, reason: "the masters folder holds the input file \(f.given); a master could replace it; choose another --output")
    }
  }

  /// The report folder of album `name` under `reports`.
  public static func reportFolder(reports: String, album name: String) -> String {
    (reports as NSString).appendingPathComponent(name)
  }

  /// The folders one album's run writes to: its report folder, the cache, and (when masters are written) the
  /// masters folder (`output`, or `<report folder>/masters`).
  func albumFolders(reports: String, album name: String, output: String?, masters: Bool) -> [(path: String, role: String)] {
    let folder = Self.reportFolder(reports: reports, album: name)
    let cache = ResultCache.cacheFolder(reportFolder: folder)
    var out = [(folder, "the report folder"), (cache, "the cache folder")]
    out += ResultCache.kinds.map { ((cache as NSString).appendingPathComponent($0), "the cache folder") }
    if masters { out.append((output ?? (folder as NSString).appendingPathComponent("masters"), "the masters folder")) }
    return out
  }

  /// Checks every folder one album writes to, and every report file it writes (a `--profile` or `--plan` read
  /// from that report folder would be replaced by the run's own).
  public func checkAlbum(reports: String, album name: String, output: String?, masters: Bool) throws(WriteGuardError) {
    for (path, role) in albumFolders(reports: reports, album: name, output: output, masters: masters) {
      if role == "the masters folder" { try checkMastersFolder(path) } else { try checkFolder(path, role: role) }
    }
    let folder = Self.reportFolder(reports: reports, album: name)
    for file in ReportFile.all {
      let path = (folder as NSString).appendingPathComponent(file)
      if file == ReportFile.plan, let back = planWrittenBack, PathFacts.resolved(back) == PathFacts.resolved(path) { continue }
      try checkFile(path, role: "the report \(file)")
    }
  }

  /// Refuses a `--json` path that is a folder, or lies in a folder the run writes (an album's report or masters
  /// folder): the result would replace, or be replaced by, the run's own files.
  func checkJSON(_ json: String, reports: String, albums names: [String], output: String?, masters: Bool) throws(WriteGuardError) {
    try checkFile(json, role: "--json")
    if PathFacts.kind(json) == .folder { throw WriteGuardError(path: json, reason: "--json is a folder; give a file name") }
    let r = PathFacts.resolved(json)
    for name in names {
      for (path, role) in albumFolders(reports: reports, album: name, output: output, masters: masters)
      where role != "the cache folder" && Self.lies(r, inside: path) {
        throw WriteGuardError(path: json, reason: "--json lies inside \(role) of \(name), which the run writes; choose another path")
      }
    }
  }

  /// Checks a whole run before anything is written: the reports root, every album's folders, `--json` and the
  /// temporary folder; and that no two albums share a report or masters folder.
  /// - Parameter albums: the albums' report names, each once.
  public func checkRun(
    reports: String, albums names: [String], output: String?, masters: Bool, json: String?, temporaryFolder: String? = nil
  ) throws(WriteGuardError) {
    try checkFolder(reports, role: "--reports")
    var owners: [String: String] = [:]
    for name in names {
      try checkAlbum(reports: reports, album: name, output: output, masters: masters)
      for (path, role) in albumFolders(reports: reports, album: name, output: output, masters: masters)
      where role != "the cache folder" {
        let r = PathFacts.resolved(path)
        if let other = owners[r], other != name {
          throw WriteGuardError(
            path: path, reason: "\(role) of \(name) is also that of \(other): their files would overwrite each other; give each album its own --output (or run them one at a time)")
        }
        owners[r] = name
      }
    }
    if let json { try checkJSON(json, reports: reports, albums: names, output: output, masters: masters) }
    if let temporaryFolder { try checkFolder(temporaryFolder, role: "the temporary folder (TMPDIR)") }
  }

  /// Writes the `--json` result to `path`. A symlink is kept and what it points to gets the result: a regular
  /// (or missing) target is replaced atomically, beside itself; a target that is not a regular file (a FIFO, a
  /// terminal, `/dev/stdout` on a pipe, `/dev/null`) or is this process's own stdout/stderr is written into
  /// directly, opened as given: a `/proc/*/fd` link to a pipe or socket has no real path to resolve to. The target
  /// is checked like any output first.
  public func writeResult(_ data: Data, to path: String) throws {
    try checkFile(path, role: "--json")
    let kind = PathFacts.kind(path)
    if kind == .folder { throw WriteGuardError(path: path, reason: "--json is a folder; give a file name") }
    let target = PathFacts.isSymlink(path) ? PathFacts.resolved(path) : path
    if let stream = PathFacts.standardStream(path) {
      try PathFacts.writeDirectly([UInt8](data), to: path, stream: stream)
    } else if kind == .other || (kind != .missing && PathFacts.kind(target) == .missing) {
      try PathFacts.writeDirectly([UInt8](data), to: path)
    } else {
      try AtomicFile.write(data, to: target)
    }
  }
}

/// A report folder, made and locked for one run.
public enum ReportFolder {
  /// The lock file, in the cache folder (not a temp file, not a report).
  public static let lockName = "lock"

  /// Creates `folder` (and its cache folder), locks it, and runs `body` while the lock is held. Another run
  /// holding it is refused at once: runs on one report folder never interleave.
  /// - Throws: `OutputFolderError` ("another albummaster run is using …", or the folder cannot be made), or
  ///   what `body` throws.
  public static func withLock<R>(_ folder: String, _ body: () async throws -> R) async throws -> R {
    let cache = ResultCache.cacheFolder(reportFolder: folder)
    try create(folder, role: "the report folder")
    try create(cache, role: "the cache folder")
    let lockPath = (cache as NSString).appendingPathComponent(lockName)
    let lock: FolderLock
    do {
      lock = try FolderLock(path: lockPath)
    } catch {
      switch error {
      case .busy:
        throw OutputFolderError(path: folder, reason: "another albummaster run is using this report folder; try again when it has finished")
      case .failed(let p, let reason):
        throw OutputFolderError(path: p, reason: "cannot lock the report folder: \(reason)")
      }
    }
    do {
      let result = try await body()
      lock.release()
      return result
    } catch {
      lock.release()
      throw error
    }
  }

  /// `mkdir -p` with a one-line error naming what could not be made.
  public static func create(_ folder: String, role: String) throws(OutputFolderError) {
    do {
      try OutputFolder.create(folder)
    } catch {
      guard case .writeFailed(let part, let reason) = error else {
        throw OutputFolderError(path: folder, reason: "cannot create \(role): \(error.reason)")
      }
      throw OutputFolderError(path: folder, reason: "cannot create \(role): " + (part == folder ? reason : "\(part): \(reason)"))
    }
  }
}
