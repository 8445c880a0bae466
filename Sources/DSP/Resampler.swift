import CSoxr

/// libsoxr could not be set up or failed while resampling.
public struct ResamplerError: Error, Sendable, CustomStringConvertible {
  /// libsoxr's own error text.
  public let message: String
  /// The message, prefixed with "libsoxr: ".
  public var description: String { "libsoxr: \(message)" }
}

/// Sample-rate conversion through libsoxr: very high quality (28-bit), linear phase, one thread
/// (so the output is the same on every run). Interleaved Float in and out; soxr hides its own delay,
/// so the output has round(frames × out/in) frames in total after `finish`.
public struct Resampler: ~Copyable {
  private let handle: soxr_t
  /// Interleaved channels per frame.
  public let channels: Int
  /// Output rate over input rate.
  public let ratio: Double

  /// Sets up a converter from `inputRateHz` to `outputRateHz`; throws when libsoxr refuses the rates or channels.
  public init(inputRateHz: Int, outputRateHz: Int, channels: Int) throws(ResamplerError) {
    var error: soxr_error_t? = nil
    var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
    var quality = soxr_quality_spec(UInt(SOXR_VHQ), UInt(SOXR_LINEAR_PHASE))
    var runtime = soxr_runtime_spec(1)
    guard let h = soxr_create(Double(inputRateHz), Double(outputRateHz), UInt32(channels), &error, &io, &quality, &runtime),
      error == nil
    else { throw ResamplerError(message: error.map { String(cString: $0) } ?? "soxr_create failed") }
    handle = h
    self.channels = channels
    ratio = Double(outputRateHz) / Double(inputRateHz)
  }

  deinit { soxr_delete(handle) }

  /// Resamples `frames` interleaved frames, appending what is ready to `out`.
  public mutating func process(_ x: UnsafePointer<Float>, frames: Int, into out: inout [Float]) throws(ResamplerError) {
    try run(x, frames: frames, into: &out)
  }

  /// Flushes the filter's tail into `out`.
  public mutating func finish(into out: inout [Float]) throws(ResamplerError) {
    try run(nil, frames: 0, into: &out)
  }

  private func run(_ x: UnsafePointer<Float>?, frames: Int, into out: inout [Float]) throws(ResamplerError) {
    var consumed = 0
    let capacity = Int(Double(max(frames, 1024)) * ratio) + 256
    var buffer = [Float](repeating: 0, count: capacity * channels)
    while true {
      var idone = 0, odone = 0
      let err = buffer.withUnsafeMutableBytes { o in
        soxr_process(
          handle, x.map { UnsafeRawPointer($0 + consumed * channels) }, frames - consumed, &idone, o.baseAddress,
          capacity, &odone)
      }
      if let err { throw ResamplerError(message: String(cString: err)) }
      out.append(contentsOf: buffer.prefix(odone * channels))
      consumed += idone
      // Input: stop once it is all taken and nothing more comes out. Flush: stop when the tail is drained.
      if x != nil ? (consumed >= frames && odone < capacity) : odone == 0 { break }
    }
  }
}
