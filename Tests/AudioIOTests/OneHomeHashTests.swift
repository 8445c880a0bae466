import AudioIO
import Infrastructure
import Testing

/// FNV-1a has one home (`fnv1a64`, Sources/AudioIO/Hashing.swift): catalogue shards, shortened temp names and the
/// per-track dither seeds all call it.
@Suite struct OneHomeHashTests {
  @Test("fnv1a64 gives the published FNV-1a 64-bit values")
  func vectors() {
    #expect(fnv1a64("".utf8) == 0xcbf2_9ce4_8422_2325)
    #expect(fnv1a64("a".utf8) == 0xaf63_dc4c_8601_ec8c)
    #expect(fnv1a64("foobar".utf8) == 0x8594_4171_f739_67e8)
  }
}
