#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension String {
  /// This text made safe for a one-line terminal message: control characters (C0, DEL, C1) and the Unicode
  /// line and paragraph separators become visible escapes (`\n`, `\t`, `\r`, `\u{1B}`), so a hostile file name
  /// can neither split an error line nor move the cursor. Everything else (spaces, quotes, accents, emoji,
  /// backslashes) stays verbatim, so escaping twice changes nothing.
  public var escapedForTerminal: String {
    guard unicodeScalars.contains(where: Self.needsEscape) else { return self }
    var out = ""
    out.reserveCapacity(utf8.count + 8)
    for s in unicodeScalars {
      guard Self.needsEscape(s) else {
        out.unicodeScalars.append(s)
        continue
      }
      switch s {
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default: out += "\\u{" + String(s.value, radix: 16, uppercase: true) + "}"
      }
    }
    return out
  }

  private static func needsEscape(_ s: Unicode.Scalar) -> Bool {
    s.value < 0x20 || (0x7F...0x9F).contains(s.value) || s.value == 0x2028 || s.value == 0x2029
  }

  /// A file name's raw bytes for a message: valid UTF-8 is decoded (and escaped like `escapedForTerminal`),
  /// each byte that is not part of valid UTF-8 shows as `\xFF`.
  public static func displayName(bytes: some Collection<UInt8>) -> String {
    if let s = String(validating: bytes, as: UTF8.self) { return s.escapedForTerminal }
    var out = ""
    var rest = Array(bytes)[...]
    while !rest.isEmpty {
      // The longest valid prefix decodes as text; the first byte after it is shown in hex.
      var good = rest.endIndex
      while good > rest.startIndex, String(validating: rest[rest.startIndex..<good], as: UTF8.self) == nil {
        good = rest.index(before: good)
      }
      if good > rest.startIndex {
        out += String(decoding: rest[rest.startIndex..<good], as: UTF8.self).escapedForTerminal
        rest = rest[good...]
      } else {
        out += "\\x" + String(rest[rest.startIndex], radix: 16, uppercase: true).leftPadded(to: 2)
        rest = rest.dropFirst()
      }
    }
    return out
  }

  /// Zero-padded on the left to `n` characters (hex digits).
  func leftPadded(to n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}

/// One entry of a folder, as the file system stores its name: bytes, which need not be UTF-8.
public struct DirectoryEntry: Sendable, Hashable {
  /// The name's bytes.
  public var bytes: [UInt8]
  /// The name as text; `nil` when the bytes are not valid UTF-8 (such a file cannot be opened through a
  /// Swift `String` path).
  public var name: String? { String(validating: bytes, as: UTF8.self) }
  /// The name for messages: escaped, invalid bytes as `\xFF`.
  public var displayName: String { String.displayName(bytes: bytes) }

  /// Every entry of `folder` except `.` and `..`, in the order the file system gives; a failure with the
  /// errno text when the folder cannot be listed.
  public static func list(_ folder: String) -> Result<[DirectoryEntry], DirectoryListingError> {
    guard let dir = opendir(folder) else { return .failure(DirectoryListingError(reason: String(cString: strerror(errno)))) }
    defer { closedir(dir) }
    var out: [DirectoryEntry] = []
    while let entry = readdir(dir) {
      let bytes = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix(while: { $0 != 0 })) }
      if bytes == [0x2E] || bytes == [0x2E, 0x2E] { continue }
      out.append(DirectoryEntry(bytes: bytes))
    }
    return .success(out)
  }
}

/// Why a folder could not be listed: the system's reason.
public struct DirectoryListingError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The `strerror` text.
  public var reason: String
  /// The reason.
  public var description: String { reason }
}
