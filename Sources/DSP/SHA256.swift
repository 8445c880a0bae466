import CCrypto
import Foundation

/// SHA-256 (FIPS 180-4) through OpenSSL's libcrypto, which uses the CPU's SHA extensions where it has them
/// (about 5× a portable implementation: the cache hashes every source and master, so this is on the clock).
/// Used for the cache keys and for the report's Content-Security-Policy (the inline script is allowed by its
/// hash rather than by 'unsafe-inline').
public enum SHA256 {
  /// The digest of `bytes`.
  public static func digest(_ bytes: [UInt8]) -> [UInt8] {
    var h = Hasher()
    bytes.withUnsafeBytes { h.update($0) }
    return h.finalize()
  }

  /// Streaming SHA-256: `update` with any chunks, then `finalize`. Owns its libcrypto context.
  public struct Hasher: ~Copyable {
    private let context: OpaquePointer

    /// A fresh context; out of memory is fatal.
    public init() {
      guard let c = EVP_MD_CTX_new(), EVP_DigestInit_ex(c, EVP_sha256(), nil) == 1 else {
        fatalError("libcrypto cannot create a SHA-256 context")  // out of memory: nothing sensible to do
      }
      context = c
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds `data` to the digest; chunks may have any size.
    public mutating func update(_ data: UnsafeRawBufferPointer) {
      guard let base = data.baseAddress, data.count > 0 else { return }
      EVP_DigestUpdate(context, base, data.count)
    }

    /// The 32-byte digest of everything added; consumes the hasher.
    public consuming func finalize() -> [UInt8] {
      var out = [UInt8](repeating: 0, count: 32)
      var length: UInt32 = 0
      out.withUnsafeMutableBufferPointer { _ = EVP_DigestFinal_ex(context, $0.baseAddress!, &length) }
      return out
    }
  }

  /// Lower-case hex of a digest.
  public static func hex(digest: [UInt8]) -> String { digest.map { String(format: "%02x", $0) }.joined() }

  /// Lower-case hex of a string's digest.
  public static func hex(_ text: String) -> String { hex(digest: digest(Array(text.utf8))) }

  /// Base64 of the digest of a UTF-8 string, as CSP `'sha256-…'` sources want it.
  public static func base64(_ text: String) -> String {
    let d = digest(Array(text.utf8))
    let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    var out = ""
    var i = 0
    while i < d.count {
      let n = (UInt32(d[i]) << 16) | (i + 1 < d.count ? UInt32(d[i + 1]) << 8 : 0) | (i + 2 < d.count ? UInt32(d[i + 2]) : 0)
      out.append(table[Int((n >> 18) & 63)])
      out.append(table[Int((n >> 12) & 63)])
      out.append(i + 1 < d.count ? table[Int((n >> 6) & 63)] : "=")
      out.append(i + 2 < d.count ? table[Int(n & 63)] : "=")
      i += 3
    }
    return out
  }
}
