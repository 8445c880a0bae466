/// FNV-1a, 64-bit: a fixed, portable hash for names (catalogue shards, shortened temp names, per-track dither
/// seeds). The one copy in the code base. Not for security (that is `SHA256`, in DSP).
public func fnv1a64(_ bytes: some Sequence<UInt8>) -> UInt64 {
  var h: UInt64 = 0xcbf2_9ce4_8422_2325
  for b in bytes {
    h ^= UInt64(b)
    h = h &* 0x100_0000_01b3
  }
  return h
}
