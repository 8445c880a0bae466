@testable import Reports
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
