#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// libsndfile seeds an Ogg stream's serial number from the clock (`psf_rand_int32`), so the same master would
/// differ run to run in every page header. A finished Ogg file gets a fixed serial instead, each page's CRC
/// recomputed: the stream is the same, the bytes are deterministic.
enum OggSerial {
  /// The serial every Ogg master carries ("AMst").
  static let fixed: UInt32 = 0x414D_7374

  /// CRC-32 of Ogg pages: polynomial 0x04C11DB7, not reflected, initial value 0.
  private static let table: [UInt32] = (0..<256).map { i in
    var r = UInt32(i) << 24
    for _ in 0..<8 { r = r & 0x8000_0000 != 0 ? (r << 1) ^ 0x04C1_1DB7 : r << 1 }
    return r
  }

  /// Rewrites the serial of every page of the single-stream Ogg file open at `fd` to `fixed`. Returns false
  /// when the file cannot be read or written back, or is not a clean run of pages (it is then left as written).
  static func fix(fd: Int32) -> Bool {
    let size = lseek(fd, 0, SEEK_END)
    guard size > 0, size < 1 << 31 else { return false }
    var bytes = [UInt8](repeating: 0, count: Int(size))
    let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, Int(size), 0) }
    guard got == Int(size), rewrite(&bytes) else { return false }
    let put = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, Int(size), 0) }
    return put == Int(size)
  }

  /// Rewrites the serials and CRCs of the pages in `bytes`; false (nothing promised) when they are not clean pages.
  static func rewrite(_ bytes: inout [UInt8]) -> Bool {
    var at = 0
    while at < bytes.count {
      guard at + 27 <= bytes.count, bytes[at] == 0x4F, bytes[at + 1] == 0x67, bytes[at + 2] == 0x67, bytes[at + 3] == 0x53
      else { return false }
      let segments = Int(bytes[at + 26])
      guard at + 27 + segments <= bytes.count else { return false }
      let body = bytes[(at + 27)..<(at + 27 + segments)].reduce(0) { $0 + Int($1) }
      let end = at + 27 + segments + body
      guard end <= bytes.count else { return false }
      for k in 0..<4 {
        bytes[at + 14 + k] = UInt8(truncatingIfNeeded: fixed >> (8 * UInt32(k)))
        bytes[at + 22 + k] = 0
      }
      var crc: UInt32 = 0
      for i in at..<end { crc = (crc << 8) ^ table[Int(((crc >> 24) ^ UInt32(bytes[i])) & 0xFF)] }
      for k in 0..<4 { bytes[at + 22 + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
      at = end
    }
    return true
  }
}
