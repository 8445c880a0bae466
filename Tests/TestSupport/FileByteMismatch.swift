import Foundation

/// How two files' bytes differ, in one line, or `nil` when they are identical (both missing counts as identical).
///
/// Why not `#expect(fileBytes(a) == fileBytes(b))`: when that fails, Swift Testing describes the failure by
/// diffing the two collections (`difference(from:)`, a Myers diff whose time grows with size × differences), and
/// on two masters of a few MB that differ throughout it runs for hours: the test hangs instead of failing.
public func fileByteMismatch(_ a: String, _ b: String) -> String? {
  let x = fileBytes(a), y = fileBytes(b)
  if x == y { return nil }
  let first = zip(x, y).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(x.count, y.count)
  return "\(a) (\(x.count) bytes) and \(b) (\(y.count) bytes) differ from byte \(first) on"
}
