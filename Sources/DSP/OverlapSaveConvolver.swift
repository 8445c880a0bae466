/// Streams interleaved channels through FIR filters (one per channel, equal lengths) by FFT overlap-save.
///
/// The FFT is the power of two at least twice the filter length; each block turns the last `fftLength`
/// inputs of a channel into `hop` new outputs. Output lags input by a block (the outputs appear a hop at a
/// time) plus the filters' group delay `latencyFrames`, which the caller trims.
public struct OverlapSaveConvolver: ~Copyable {
  /// Interleaved channels: one filter each.
  public let channels: Int
  /// Filter length in samples.
  public let taps: Int
  /// FFT size: the power of two at least twice `taps`.
  public let fftLength: Int
  /// New output frames per FFT block: `fftLength − taps + 1`.
  public let hop: Int
  /// Group delay of symmetric filters: (taps − 1)/2.
  public let latencyFrames: Int
  private let fft: RealFFT
  /// Per channel, the filter's spectrum (interleaved re, im).
  private var spectra: [[Float]]
  /// Per channel, the last `fftLength` inputs.
  private var inputs: [[Float]]
  private var filled: Int

  /// Prepares one filter per channel; all must have the same (odd) length.
  public init(filters: [[Float]]) {
    precondition(!filters.isEmpty && filters.allSatisfy { $0.count == filters[0].count }, "equal filter lengths")
    channels = filters.count
    taps = filters[0].count
    var m = 2
    while m < 2 * taps { m *= 2 }
    fftLength = m
    hop = m - taps + 1
    latencyFrames = (taps - 1) / 2
    fft = RealFFT(length: m)
    var spectra: [[Float]] = []
    for h in filters {
      for i in 0..<m { fft.real[i] = i < h.count ? h[i] / Float(m) : 0 }  // 1/m: FFTW does not normalize
      fft.forward()
      spectra.append(Array(fft.spectrum))
    }
    self.spectra = spectra
    inputs = Array(repeating: Array(repeating: 0, count: m), count: channels)
    filled = m - hop
  }

  /// Pushes `frames` interleaved frames and appends the interleaved outputs that became ready to `out`.
  public mutating func process(_ samples: UnsafePointer<Float>, frames: Int, into out: inout [Float]) {
    var consumed = 0
    while consumed < frames {
      let take = min(frames - consumed, fftLength - filled)
      for c in 0..<channels {
        inputs[c].withUnsafeMutableBufferPointer { buf in
          var src = samples + consumed * channels + c
          for i in 0..<take {
            buf[filled + i] = src.pointee
            src += channels
          }
        }
      }
      filled += take
      consumed += take
      if filled == fftLength { runBlock(into: &out) }
    }
  }

  private mutating func runBlock(into out: inout [Float]) {
    let m = fftLength, base = out.count
    out.append(contentsOf: repeatElement(0, count: hop * channels))
    for c in 0..<channels {
      inputs[c].withUnsafeBufferPointer { buf in
        fft.real.baseAddress!.update(from: buf.baseAddress!, count: m)
      }
      fft.forward()
      spectra[c].withUnsafeBufferPointer { h in
        let s = fft.spectrum
        for k in 0...(m / 2) {
          let ar = s[2 * k], ai = s[2 * k + 1], br = h[2 * k], bi = h[2 * k + 1]
          s[2 * k] = ar * br - ai * bi
          s[2 * k + 1] = ar * bi + ai * br
        }
      }
      fft.inverse()
      // The last `hop` outputs of the circular convolution are the valid linear ones.
      out.withUnsafeMutableBufferPointer { o in
        var dst = o.baseAddress! + base + c
        let src = fft.real.baseAddress! + (m - hop)
        for i in 0..<hop {
          dst.pointee = src[i]
          dst += channels
        }
      }
      inputs[c].withUnsafeMutableBufferPointer { buf in
        let p = buf.baseAddress!
        p.update(from: p + hop, count: m - hop)
      }
    }
    filled = m - hop
  }
}
