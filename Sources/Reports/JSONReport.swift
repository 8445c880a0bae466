import Foundation

/// JSON as AlbumMaster writes it: pretty, keys sorted, slashes unescaped. Sorting is what makes the bytes
/// repeatable: the Linux encoder's key order otherwise follows per-process hash seeds. Non-finite numbers
/// are an error, never a string: the model turns −∞ into `null` before it gets here.
public enum JSONReport {
  /// Encodes a value.
  public static func encode<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    do {
      var data = try encoder.encode(value)
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
