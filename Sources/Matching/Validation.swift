import AudioIO
import DSP
import Foundation

/// A bad value in a document (plan.json, profile.json) or a flag. One line: the file or flag, the key, the problem,
/// e.g. `plan.json: tracks[2].eq.gainsDB: 3 values for 31 frequencies`.
public struct InputError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The file or the flag.
  public var subject: String
  /// Where in the file, e.g. `tracks[2].gainDB`; `nil` for a flag or the whole file.
  public var key: String?
  /// What is wrong, e.g. `expected a number from -70 to 0, found nan`.
  public var problem: String

  /// An error about `subject`; `key` nil when it concerns a flag or the whole file.
  public init(subject: String, key: String? = nil, problem: String) {
    self.subject = subject
    self.key = key
    self.problem = problem
  }

  /// "subject: key: problem", one line.
  public var description: String { ([subject] + [key].compactMap { $0 } + [problem]).joined(separator: ": ") }
}

/// The accepted values of one numeric setting, shared by album.yaml, the flags, plan.json and profile.json.
public struct OptionRange: Sendable, Hashable {
  /// The key in album.yaml and plan.json, e.g. `targetLUFS`.
  public let key: String
  /// The command-line flag, e.g. `--target-lufs`; `nil` when no flag sets it.
  public let flag: String?
  /// The accepted values, bounds included.
  public let range: ClosedRange<Double>

  /// A range for `key` (and `flag`).
  public init(key: String, flag: String? = nil, range: ClosedRange<Double>) {
    self.key = key
    self.flag = flag
    self.range = range
  }

  /// What is wrong with a value (`found` as the user wrote it), or `nil` when it is in range. NaN and ±∞ never are.
  public func problem(_ x: Double?, found: String? = nil) -> String? {
    if let x, range.contains(x) { return nil }
    return "expected a number from \(Format.plain(range.lowerBound)) to \(Format.plain(range.upperBound)), found \(found ?? x.map(Format.plain) ?? "nothing")"
  }

  /// Throws when `x` is out of range, naming `subject` and `key`.
  public func check(_ x: Double, subject: String, key: String?) throws(InputError) {
    if let p = problem(x) { throw InputError(subject: subject, key: key, problem: p) }
  }
}

/// Every numeric range of matching, in one place: album.yaml, the flags, plan.json and profile.json check against these.
public enum MatchingLimits {
  /// `MatchingOptions.targetLUFS`.
  public static let targetLUFS = OptionRange(key: "targetLUFS", flag: "--target-lufs", range: -70...0)
  /// `MatchingOptions.maxSpreadLU`.
  public static let maxSpreadLU = OptionRange(key: "maxSpreadLU", flag: "--max-spread-lu", range: 0...30)
  /// `MatchingOptions.eqAmount`.
  public static let eqAmount = OptionRange(key: "eqAmount", flag: "--eq-amount", range: 0...1)
  /// `MatchingOptions.maxEQDB`.
  public static let maxEQDB = OptionRange(key: "maxEQDB", flag: "--max-eq-db", range: 0...24)
  /// `MatchingOptions.widthAmount`.
  public static let widthAmount = OptionRange(key: "widthAmount", flag: "--width-amount", range: 0...1)
  /// `MatchingOptions.maxWidthDB`.
  public static let maxWidthDB = OptionRange(key: "maxWidthDB", flag: "--max-width-db", range: 0...12)
  /// `MatchingOptions.ceilingDBTP`, and a plan's per-track ceiling.
  public static let ceilingDBTP = OptionRange(key: "ceilingDBTP", flag: "--ceiling-dbtp", range: -20...0)
  /// `MatchingOptions.dynamicsAmount`.
  public static let dynamicsAmount = OptionRange(key: "dynamicsAmount", flag: "--dynamics-amount", range: 0...1)
  /// `MatchingOptions.maxCompressionDB`, and a plan's compressor range.
  public static let maxCompressionDB = OptionRange(key: "maxCompressionDB", flag: "--max-compression-db", range: 0...24)
  /// `MatchingOptions.maxLimitingDB`, and a plan's budget.
  public static let maxLimitingDB = OptionRange(key: "maxLimitingDB", flag: "--max-limiting-db", range: 0...40)
  /// `MatchingOptions.targetPSRDB`, and a plan's source and target PSR: from a brick-walled master to a
  /// classical recording.
  public static let targetPSRDB = OptionRange(key: "targetPSRDB", flag: "--target-psr", range: 3...40)
  /// A plan's subsonic high-pass corner: below the music, above where a 2nd-order section in double precision
  /// stays accurate.
  public static let highPassHz = OptionRange(key: "highPassHz", range: 5...40)
  /// album.yaml's fixed gain for one track.
  public static let fixedGainDB = OptionRange(key: "gainDB", range: -40...40)
  /// A plan's gain for one track: room for a −70 LUFS track brought to 0 LUFS with EQ, or a loud float file
  /// brought down.
  public static let planGainDB = OptionRange(key: "gainDB", range: -100...100)
  /// A plan's EQ gain at one frequency: the largest `maxEQDB`.
  public static let eqGainDB = OptionRange(key: "gainsDB", range: -maxEQDB.range.upperBound...maxEQDB.range.upperBound)
  /// A plan's side gain: the largest `maxWidthDB` plus twice the largest `maxEQDB`, the planner's own reach
  /// (`Planner.widthChange` may undo an EQ that moves the side and the mid apart by up to both budgets).
  public static let sideGainDB = OptionRange(
    key: "widthDB", range: -(maxWidthDB.range.upperBound + 2 * maxEQDB.range.upperBound)...(maxWidthDB.range.upperBound + 2 * maxEQDB.range.upperBound))
  /// An EQ frequency or band centre: above 0 Hz, at most the Nyquist frequency of the highest rate read.
  public static let frequencyHz = OptionRange(key: "frequencyHz", range: 1...Double(AudioLimits.sampleRateHz.upperBound) / 2)
  /// A plan's loudness target: any the planner can write, and nothing a master under a 0 dBTP ceiling cannot
  /// reach (a full-scale square measures about +3 LUFS).
  public static let planTargetLUFS = OptionRange(key: "targetLUFS", range: levelDB.range.lowerBound...10)
  /// A measured level, loudness or width in a document: any a Float signal can give (about −900 to +770 dB).
  public static let levelDB = OptionRange(key: "levelDB", range: -1000...1000)

  /// One numeric matching option: its range and where it lives in the options and in the overrides.
  public struct Entry {
    /// The range, key and flag.
    public let limits: OptionRange
    /// The value in the options.
    public let option: WritableKeyPath<MatchingOptions, Double>
    /// The value in the overrides (album.yaml, flags).
    public let override: WritableKeyPath<MatchingOverrides, Double?>
  }

  /// Every numeric matching option.
  public static var options: [Entry] {
    [
      Entry(limits: targetLUFS, option: \.targetLUFS, override: \.targetLUFS),
      Entry(limits: maxSpreadLU, option: \.maxSpreadLU, override: \.maxSpreadLU),
      Entry(limits: eqAmount, option: \.eqAmount, override: \.eqAmount),
      Entry(limits: maxEQDB, option: \.maxEQDB, override: \.maxEQDB),
      Entry(limits: widthAmount, option: \.widthAmount, override: \.widthAmount),
      Entry(limits: maxWidthDB, option: \.maxWidthDB, override: \.maxWidthDB),
      Entry(limits: ceilingDBTP, option: \.ceilingDBTP, override: \.ceilingDBTP),
      Entry(limits: dynamicsAmount, option: \.dynamicsAmount, override: \.dynamicsAmount),
      Entry(limits: maxCompressionDB, option: \.maxCompressionDB, override: \.maxCompressionDB),
      Entry(limits: maxLimitingDB, option: \.maxLimitingDB, override: \.maxLimitingDB),
    ]
  }
}

/// Checks of the numeric flags that are not matching options.
public enum FlagChecks {
  /// A sample rate the reader and the writer accept.
  public static func sampleRate(_ hz: Int, flag: String = "--sample-rate") throws(InputError) {
    let r = AudioLimits.sampleRateHz
    guard r.contains(hz) else { throw InputError(subject: flag, problem: "expected \(r.lowerBound) to \(r.upperBound) Hz, found \(hz)") }
  }

  /// Tracks processed at once: at least one.
  public static func jobs(_ n: Int) throws(InputError) {
    guard n >= 1 else { throw InputError(subject: "--jobs", problem: "expected 1 or more, found \(n)") }
  }
}

extension MatchingOverrides {
  /// Checks every value given on the command line; the error names the flag (a usage error).
  public func validateFlags() throws(InputError) {
    for e in MatchingLimits.options {
      if let v = self[keyPath: e.override], let p = e.limits.problem(v) {
        throw InputError(subject: e.limits.flag ?? e.limits.key, problem: p)
      }
    }
    if let v = targetPSRDB, let p = MatchingLimits.targetPSRDB.problem(v) {
      throw InputError(subject: MatchingLimits.targetPSRDB.flag ?? "", problem: p)
    }
  }
}

extension MatchingOptions {
  /// Checks every numeric option, naming `subject` (the file) and `prefix` + the key.
  public func validate(subject: String, prefix: String = "") throws(InputError) {
    for e in MatchingLimits.options {
      try e.limits.check(self[keyPath: e.option], subject: subject, key: prefix + e.limits.key)
    }
    if let v = targetPSRDB { try MatchingLimits.targetPSRDB.check(v, subject: subject, key: prefix + MatchingLimits.targetPSRDB.key) }
  }
}

/// Checks of the parts that plans and profiles share.
enum DocumentChecks {
  /// Band centres or EQ frequencies: each in `MatchingLimits.frequencyHz`, strictly ascending.
  static func frequencies(_ f: [Double], subject: String, key: String) throws(InputError) {
    for (i, x) in f.enumerated() {
      try MatchingLimits.frequencyHz.check(x, subject: subject, key: "\(key)[\(i)]")
      if i > 0 && x <= f[i - 1] {
        throw InputError(subject: subject, key: "\(key)[\(i)]", problem: "\(Format.plain(x)) Hz is not above the one before it (\(Format.plain(f[i - 1])) Hz)")
      }
    }
  }

  /// An EQ curve: one gain per frequency, valid frequencies, gains within ±`maxEQDB`.
  static func curve(_ c: GainCurve, subject: String, key: String) throws(InputError) {
    guard c.gainsDB.count == c.frequenciesHz.count else {
      throw InputError(subject: subject, key: "\(key).gainsDB", problem: "\(c.gainsDB.count) values for \(c.frequenciesHz.count) frequencies")
    }
    try frequencies(c.frequenciesHz, subject: subject, key: "\(key).frequenciesHz")
    for (i, g) in c.gainsDB.enumerated() { try MatchingLimits.eqGainDB.check(g, subject: subject, key: "\(key).gainsDB[\(i)]") }
  }

  /// An optional measured level: `nil` or within `MatchingLimits.levelDB`.
  static func level(_ x: Double?, subject: String, key: String) throws(InputError) {
    if let x { try MatchingLimits.levelDB.check(x, subject: subject, key: key) }
  }
}

extension AlbumProfile {
  /// Checks a profile read from `subject`: bands valid and ascending, one tonal balance per band, finite levels.
  public func validate(subject: String, prefix: String = "") throws(InputError) {
    try DocumentChecks.frequencies(bandCentersHz, subject: subject, key: prefix + "bandCentersHz")
    guard tonalBalanceDB.count == bandCentersHz.count else {
      throw InputError(subject: subject, key: prefix + "tonalBalanceDB", problem: "\(tonalBalanceDB.count) values for \(bandCentersHz.count) bands")
    }
    for (i, v) in tonalBalanceDB.enumerated() { try DocumentChecks.level(v, subject: subject, key: "\(prefix)tonalBalanceDB[\(i)]") }
    try DocumentChecks.level(widthDB, subject: subject, key: prefix + "widthDB")
    try DocumentChecks.level(psrDB, subject: subject, key: prefix + "psrDB")
    guard trackCount >= 0 else { throw InputError(subject: subject, key: prefix + "trackCount", problem: "expected 0 or more, found \(trackCount)") }
  }

  /// Reads and checks a saved `profile.json`.
  public static func load(path: String) throws(InputError) -> AlbumProfile {
    let p = try Documents.decode(AlbumProfile.self, path: path, schemaVersion: nil)
    try p.validate(subject: path)
    return p
  }
}

extension TrackPlan {
  /// Checks one track of a plan (`prefix` e.g. `tracks[2].`): EQ, gains and ceiling in range, loudness finite.
  public func validate(subject: String, prefix: String = "") throws(InputError) {
    try DocumentChecks.curve(eq, subject: subject, key: prefix + "eq")
    try MatchingLimits.planGainDB.check(gainDB, subject: subject, key: prefix + "gainDB")
    try MatchingLimits.sideGainDB.check(widthDB, subject: subject, key: prefix + "widthDB")
    try MatchingLimits.ceilingDBTP.check(ceilingDBTP, subject: subject, key: prefix + "ceilingDBTP")
    try DocumentChecks.level(sourceLUFS, subject: subject, key: prefix + "sourceLUFS")
    if let t = targetLUFS { try MatchingLimits.planTargetLUFS.check(t, subject: subject, key: prefix + "targetLUFS") }
    if let d = dynamics { try d.validate(subject: subject, prefix: prefix + "dynamics.") }
    if let h = highPassHz { try MatchingLimits.highPassHz.check(h, subject: subject, key: prefix + "highPassHz") }
  }

  /// Why a renderer must refuse this plan, or `nil`: every number finite, every gain (with `gainOffsetDB`)
  /// a finite, non-zero factor, the EQ one gain per positive, ascending frequency. Defence in depth behind
  /// `validate`, for plans that never went through it.
  public func renderProblem(gainOffsetDB: Double = 0) -> String? {
    func factor(_ db: Double) -> Bool {
      let f = Float(pow(10, db / 20))
      return db.isFinite && f.isFinite && f > 0
    }
    guard factor(gainDB + gainOffsetDB) else { return "gainDB \(gainDB + gainOffsetDB) is not a usable gain" }
    guard factor(widthDB) else { return "widthDB \(widthDB) is not a usable gain" }
    guard ceilingDBTP.isFinite else { return "ceilingDBTP \(ceilingDBTP) is not a finite number" }
    guard eq.gainsDB.count == eq.frequenciesHz.count else {
      return "eq.gainsDB: \(eq.gainsDB.count) values for \(eq.frequenciesHz.count) frequencies"
    }
    guard eq.gainsDB.allSatisfy(factor) else { return "eq.gainsDB holds a gain that is not usable" }
    guard eq.frequenciesHz.allSatisfy({ $0 > 0 && $0.isFinite }), zip(eq.frequenciesHz, eq.frequenciesHz.dropFirst()).allSatisfy({ $0 < $1 })
    else { return "eq.frequenciesHz must be positive and ascending" }
    if let problem = dynamics?.compressor?.problem { return "dynamics: \(problem)" }
    if let h = highPassHz, let problem = MatchingLimits.highPassHz.problem(h) { return "highPassHz: \(problem)" }
    return nil
  }
}

extension AlbumPlan {
  /// Checks a plan read from `subject` before it renders the album `albumName` whose tracks are `files`:
  /// made for this album, options and profile in range, every track of the album and listed once.
  public func validate(subject: String, albumName: String, files: [String]) throws(InputError) {
    guard album == albumName else {
      throw InputError(subject: subject, key: "album", problem: "the plan is for the album '\(album)', not '\(albumName)'")
    }
    try options.validate(subject: subject, prefix: "options.")
    try profile.validate(subject: subject, prefix: "profile.")
    try DocumentChecks.level(albumLoudnessLUFS, subject: subject, key: "albumLoudnessLUFS")
    guard !tracks.isEmpty else { throw InputError(subject: subject, key: "tracks", problem: "no track to render") }
    let known = Set(files)
    var seen: [String: Int] = [:]
    for (i, t) in tracks.enumerated() {
      guard known.contains(t.file) else {
        throw InputError(subject: subject, key: "tracks[\(i)].file", problem: "'\(t.file)' is not a track of '\(albumName)'")
      }
      if let first = seen[t.file] {
        throw InputError(subject: subject, key: "tracks[\(i)].file", problem: "'\(t.file)' is listed twice (also tracks[\(first)])")
      }
      seen[t.file] = i
      try t.validate(subject: subject, prefix: "tracks[\(i)].")
    }
  }

  /// Reads a `plan.json` (of this schema version); `validate` checks it against the album.
  public static func load(path: String) throws(InputError) -> AlbumPlan {
    try Documents.decode(AlbumPlan.self, path: path, schemaVersion: currentSchemaVersion)
  }
}

/// Reading JSON documents the user gives (plan.json, profile.json), with one-line errors.
public enum Documents {
  private struct Version: Decodable { var schemaVersion: Int? }
  /// A plan or profile of a 99-track album is well under 1 MB; 64 MB bounds the memory a hostile file can take.
  public static let maxDocumentBytes = 64 << 20

  /// Decodes the file at `path`; with `schemaVersion`, a file of another version is refused first.
  public static func decode<T: Decodable>(_ type: T.Type, path: String, schemaVersion: Int?) throws(InputError) -> T {
    // Through InputFile: a regular file only, checked on the descriptor; a FIFO or device never blocks.
    let bytes: [UInt8]?
    do {
      bytes = try InputFile(path: path).readAll(maxBytes: maxDocumentBytes)
    } catch {
      throw InputError(subject: path, problem: "cannot read the file: \(error.reason)")
    }
    guard let bytes else { throw InputError(subject: path, problem: "larger than \(maxDocumentBytes / 1_048_576) MB; not a plan or profile") }
    let data = Data(bytes)
    do {
      if let schemaVersion, let found = try JSONDecoder().decode(Version.self, from: data).schemaVersion, found != schemaVersion {
        throw InputError(subject: path, key: "schemaVersion", problem: "expected \(schemaVersion), found \(found) (written by another AlbumMaster version)")
      }
      return try JSONDecoder().decode(type, from: data)
    } catch let e as InputError {
      throw e
    } catch {
      let (key, problem) = describe(error)
      throw InputError(subject: path, key: key, problem: problem)
    }
  }

  /// A decoding error as a key path (`tracks[2].eq`) and a one-line problem.
  public static func describe(_ error: any Error) -> (key: String?, problem: String) {
    func path(_ p: [any CodingKey]) -> String? {
      let s = p.map { k in k.intValue.map { "[\($0)]" } ?? ".\(k.stringValue)" }.joined()
      return s.isEmpty ? nil : String(s.drop { $0 == "." })
    }
    func kind(_ t: Any.Type) -> String {
      switch "\(t)" {
      case "Double", "Float": "a number"
      case "Int", "Int64": "a whole number"
      case "String": "text"
      case "Bool": "true or false"
      case let s where s.hasPrefix("Array"): "a list"
      case let s where s.hasPrefix("Dictionary"): "an object"
      default: "\(t)"
      }
    }
    func line(_ s: String) -> String { s.split(whereSeparator: \.isNewline).joined(separator: " ") }
    guard let e = error as? DecodingError else { return (nil, line("\(error)")) }
    switch e {
    case .typeMismatch(let t, let c): return (path(c.codingPath), "expected \(kind(t))")
    case .valueNotFound(let t, let c): return (path(c.codingPath), "expected \(kind(t)), found null")
    case .keyNotFound(let k, let c): return (path(c.codingPath + [k]), "missing")
    case .dataCorrupted(let c) where c.codingPath.last?.stringValue == "eqPhase":
      return (path(c.codingPath), "expected \(EQPhase.allCases.map(\.rawValue).joined(separator: ", "))")
    case .dataCorrupted(let c):
      let under = c.underlyingError.map { $0 as NSError }.map { ($0.userInfo[NSDebugDescriptionErrorKey] as? String) ?? "" } ?? ""
      return (path(c.codingPath), line(under.isEmpty ? c.debugDescription : "\(c.debugDescription) \(under)"))
    @unknown default: return (nil, line("\(e)"))
    }
  }
}
