import Foundation

/// JSON as AlbumMaster writes it: pretty, keys sorted, slashes unescaped. Sorting is what makes the bytes
/// repeatable: the Linux encoder's key order otherwise follows per-process hash seeds. A non-finite number
/// (a meter overflowed by samples far beyond full scale, a hand-edited value) is written as `null`, never a
/// string and never an error: one bad figure must not cost the album its report.
public enum JSONReport {
  /// Encodes a value.
  public static func encode<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    // The encoder cannot write `null` for a number: it writes a marker string, replaced below. The marker is
    // random, so no file name or tag can be mistaken for it.
    let marker = "non-finite-\(UUID().uuidString)"
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: marker, negativeInfinity: marker, nan: marker)
    do {
      var data = try encoder.encode(value)
      let quoted = Data("\"\(marker)\"".utf8), null = Data("null".utf8)
      var from = data.startIndex
      while let r = data.range(of: quoted, in: from..<data.endIndex) {
        data.replaceSubrange(r, with: null)
        from = r.lowerBound + null.count
      }
      data.append(0x0A)
      return data
    } catch {
      throw ReportError.encode(reason: "\(error)")
    }
  }

  /// Decodes a value.
  public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
    try JSONDecoder().decode(type, from: data)
  }
}
