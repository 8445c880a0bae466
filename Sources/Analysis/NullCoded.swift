/// Encodes an optional as an explicit JSON `null` instead of leaving the key out.
///
/// The schema promises every key on every track; a missing value (−∞, a mono file's width) is `null`.
/// Decoding accepts both `null` and a missing key.
@propertyWrapper
public struct NullCoded<Value: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
  /// The value; nil is written as `null`.
  public var wrappedValue: Value?

  /// Wraps a value.
  public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

  /// Reads `null` as nil.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.singleValueContainer()
    wrappedValue = c.decodeNil() ? nil : try c.decode(Value.self)
  }

  /// Writes the value, or `null` for nil.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    if let wrappedValue { try c.encode(wrappedValue) } else { try c.encodeNil() }
  }
}

extension KeyedDecodingContainer {
  /// A missing key decodes as `nil`, so that older or hand-edited files still load.
  public func decode<V>(_ type: NullCoded<V>.Type, forKey key: Key) throws -> NullCoded<V> {
    try decodeIfPresent(type, forKey: key) ?? NullCoded(wrappedValue: nil)
  }
}
