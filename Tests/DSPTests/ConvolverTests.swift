import DSP
import Foundation
import Testing
import TestSupport

/// Helpers for the convolver tests (the convolver takes no sample rate: it is rate-free, so the tests vary
/// channels, filter lengths and block sizes instead).
enum ConvolverCase {
  /// A decaying, sign-changing filter of `taps` (seeded per channel); symmetric when asked.
  static func filter(taps: Int, seed: UInt64, symmetric: Bool = false) -> [Float] {
    var rng = SplitMix64(seed: seed)
    var h = (0..<taps).map { i in rng.nextBipolar() * Float(exp(-Double(i) / Double(max(1, taps / 4)))) }
    if symmetric { for i in 0..<taps / 2 { h[taps - 1 - i] = h[i] } }
    return h
  }

  /// Pushes `x` (interleaved) in blocks of `block` frames, then zeros until every output of the full linear
  /// convolution (frames + taps − 1) is out; returns exactly those outputs.
  static func run(filters: [[Float]], _ x: [Float], block: Int) -> [Float] {
    var conv = OverlapSaveConvolver(filters: filters)
    let ch = filters.count, frames = x.count / ch, total = frames + conv.taps - 1
    var out: [Float] = []
    var fed = 0
    let padded = x + [Float](repeating: 0, count: (total - frames + conv.hop) * ch)
    padded.withUnsafeBufferPointer { p in
      while out.count < total * ch {
        let n = min(block, padded.count / ch - fed)
        if n == 0 { break }
        conv.process(p.baseAddress! + fed * ch, frames: n, into: &out)
        fed += n
      }
    }
    return Array(out.prefix(total * ch))
  }

  /// Full linear convolution per channel, summed directly in Double.
  static func direct(filters: [[Float]], _ x: [Float]) -> [Float] {
    let ch = filters.count, frames = x.count / ch, taps = filters[0].count, total = frames + taps - 1
    var y = [Float](repeating: 0, count: total * ch)
    for c in 0..<ch {
      let h = filters[c].map(Double.init)
      for n in 0..<total {
        var s = 0.0
        for k in max(0, n - frames + 1)...min(taps - 1, n) { s += h[k] * Double(x[(n - k) * ch + c]) }
        y[n * ch + c] = Float(s)
      }
    }
    return y
  }

  /// max|a − b| / max|b|.
  static func relativeError(_ a: [Float], _ b: [Float]) -> Double {
    let scale = Double(b.map(abs).max() ?? 0)
    let e = zip(a, b).map { Double(abs($0 - $1)) }.max() ?? 0
    return scale > 0 ? e / scale : e
  }
}

@Suite struct ConvolverTests {
  @Test("The impulse response is the filter's taps, per channel", arguments: [1, 2, 6], [1, 31, 255, 2049])
  func impulseResponse(channels: Int, taps: Int) {
    let filters = (0..<channels).map { ConvolverCase.filter(taps: taps, seed: UInt64(10 * taps + $0)) }
    var x = [Float](repeating: 0, count: channels)
    for c in 0..<channels { x[c] = 1 }
    let y = ConvolverCase.run(filters: filters, x, block: 64)
    for c in 0..<channels {
      let response = (0..<taps).map { y[$0 * channels + c] }
      #expect(ConvolverCase.relativeError(response, filters[c]) < 1e-6, "channel \(c)")
    }
  }

  @Test("Output equals direct convolution within 1e-5 of its peak, for blocks shorter and longer than the filter",
        arguments: [1, 2, 6], [1, 3, 31, 255, 2049])
  func matchesDirectConvolution(channels: Int, taps: Int) {
    let frames = 6000
    let filters = (0..<channels).map { ConvolverCase.filter(taps: taps, seed: UInt64(taps + $0)) }
    let x = Signals.whiteNoise(amplitude: 0.9, seconds: Double(frames) / 48_000, sampleRateHz: 48_000, channels: channels)
    let expected = ConvolverCase.direct(filters: filters, x)
    var first: [Float]? = nil
    for block in [1, 64, 441, 4096, frames] {
      let y = ConvolverCase.run(filters: filters, x, block: block)
      #expect(y.count == expected.count)
      let error = ConvolverCase.relativeError(y, expected)
      #expect(error < 1e-5, "block \(block): relative error \(error)")
      // The FFT blocks fall at the same inputs whatever the caller's blocks: the same bits.
      if let first { #expect(y == first, "block \(block)") } else { first = y }
    }
  }

  @Test("Linear: conv(a·x + b·y) = a·conv(x) + b·conv(y)", arguments: [1, 2], [31, 2049])
  func linearity(channels: Int, taps: Int) {
    let filters = (0..<channels).map { ConvolverCase.filter(taps: taps, seed: UInt64(7 * taps + $0)) }
    let x = Signals.whiteNoise(amplitude: 0.5, seconds: 0.1, sampleRateHz: 48_000, channels: channels, seed: 1)
    let y = Signals.sine(frequencyHz: 440, amplitude: 0.5, seconds: 0.1, sampleRateHz: 48_000, channels: channels)
    let (a, b): (Float, Float) = (0.75, -1.5)
    let mixed = ConvolverCase.run(filters: filters, zip(x, y).map { a * $0 + b * $1 }, block: 441)
    let cx = ConvolverCase.run(filters: filters, x, block: 441), cy = ConvolverCase.run(filters: filters, y, block: 441)
    let sum = zip(cx, cy).map { a * $0 + b * $1 }
    #expect(ConvolverCase.relativeError(mixed, sum) < 1e-5)
  }

  @Test("Latency: outputs come a hop at a time, and a symmetric filter delays by latencyFrames = (taps − 1)/2",
        arguments: [1, 2], [3, 255, 2049])
  func latency(channels: Int, taps: Int) {
    let filters = (0..<channels).map { _ in ConvolverCase.filter(taps: taps, seed: 5, symmetric: true) }
    var conv = OverlapSaveConvolver(filters: filters)
    #expect(conv.latencyFrames == (taps - 1) / 2)
    #expect(conv.hop == conv.fftLength - taps + 1 && conv.fftLength >= 2 * taps)
    // An impulse at frame `at`: the symmetric response is centred at at + latencyFrames.
    let at = 100, frames = at + taps + 2 * conv.hop
    var x = [Float](repeating: 0, count: frames * channels)
    for c in 0..<channels { x[at * channels + c] = 1 }
    var out: [Float] = []
    x.withUnsafeBufferPointer { p in
      for i in 0..<frames {
        conv.process(p.baseAddress! + i * channels, frames: 1, into: &out)
        #expect(out.count == (i + 1) / conv.hop * conv.hop * channels, "after \(i + 1) frames")
      }
    }
    for c in 0..<channels {
      let y = (0..<(out.count / channels)).map { Double(out[$0 * channels + c]) }
      // Centre of the response: the energy-weighted mean time, exact for a symmetric response.
      let energy = y.reduce(0) { $0 + $1 * $1 }
      let centre = y.indices.reduce(0.0) { $0 + Double($1) * y[$1] * y[$1] } / energy
      #expect(abs(centre - Double(at + conv.latencyFrames)) < 1e-3, "channel \(c): centre \(centre)")
    }
  }
}
