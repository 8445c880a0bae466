import DSP
import Foundation
import Testing

@Suite struct SHA256Tests {
  @Test("SHA-256 matches the FIPS 180-4 examples", arguments: [
    ("abc", "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="),
    ("", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
    ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "JI1qYdIGOLjlwCaTDD5gOaM85Flk/yFn9uzt1BnbBsE="),
  ])
  func vectors(c: (input: String, base64: String)) {
    #expect(SHA256.base64(c.input) == c.base64)
  }
}

@Suite struct SHA256StreamingTests {
  @Test("Streaming in uneven chunks gives the one-shot digest; a million 'a' give the FIPS 180-4 value")
  func streaming() {
    let text = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 97)
    let bytes = Array(text.utf8)
    var h = SHA256.Hasher()
    var i = 0
    for size in [1, 63, 64, 65, 3, 1000, 7].cycled(until: bytes.count) {
      let end = min(bytes.count, i + size)
      bytes[i..<end].withUnsafeBytes { h.update($0) }
      i = end
    }
    #expect(h.finalize() == SHA256.digest(bytes))
    var m = SHA256.Hasher()
    let chunk = [UInt8](repeating: 0x61, count: 1000)
    for _ in 0..<1000 { chunk.withUnsafeBytes { m.update($0) } }
    #expect(m.finalize().map { String(format: "%02x", $0) }.joined() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }
}

extension Array where Element == Int {
  /// The sizes repeated until they add up to `total`.
  func cycled(until total: Int) -> [Int] {
    var out: [Int] = [], sum = 0, i = 0
    while sum < total { out.append(self[i % count]); sum += self[i % count]; i += 1 }
    return out
  }
}
