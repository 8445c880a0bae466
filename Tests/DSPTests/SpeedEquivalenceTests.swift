import DSP
import Foundation
import Testing
import TestSupport

/// speed14's shortcuts must give the very values of the code they replace.
@Suite struct SpeedEquivalenceTests {
  @Test("The limiter's histogram bin from the edge table equals the logarithm's for every Float from 0.004 to 1")
  func histogramBinsExact() {
    let edges = HistogramBins.edges
    #expect(edges.count == HistogramBins.count)
    // Every Float in the range, walked in order as the limiter walks slowly moving gains.
    var bits = Float(0.004).bitPattern
    let end = Float(1).bitPattern
    var bin = HistogramBins.count - 1, mismatches = 0
    while bits <= end {
      let g = Float(bitPattern: bits)
      while bin < HistogramBins.count - 1 && g < edges[bin + 1] { bin += 1 }
      while bin > 0 && !(g < edges[bin]) { bin -= 1 }
      if bin != HistogramBins.bin(g) { mismatches += 1 }
      bits += 1
    }
    #expect(mismatches == 0)
    // Below the range, and the special values the limiter can meet.
    for g: Float in [0, .leastNonzeroMagnitude, 1e-20, 0.001, 0.0039, 0.99999, 1] {
      #expect(HistogramBins.lookUp(g) == HistogramBins.bin(g), "\(g)")
    }
    #expect(HistogramBins.lookUp(0) == HistogramBins.count - 1 && HistogramBins.lookUp(1) == 0)
  }

  /// Runs `segmentPeaks` over `x` segment after segment (its frames, their count, where their peaks go) with one
  /// interpolator; returns the peaks of the last channel and what each segment returned.
  static func segments(
    _ x: [Float], channels: Int, rate: Int, segment: Int,
    _ segmentPeaks: (inout TruePeakInterpolator, UnsafePointer<Float>, Int, UnsafeMutablePointer<Float>) -> (maxAbs: Float, interpolated: Bool)
  ) -> (peaks: [Float], maxAbs: [Float], interpolated: [Bool]) {
    var interpolator = TruePeakInterpolator(channels: channels, sampleRateHz: rate)
    let frames = x.count / channels
    var peaks = [Float](repeating: 0, count: frames)
    var maxes: [Float] = [], flags: [Bool] = []
    x.withUnsafeBufferPointer { p in
      peaks.withUnsafeMutableBufferPointer { e in
        var offset = 0
        while offset < frames {
          let n = min(segment, frames - offset)
          let r = segmentPeaks(&interpolator, p.baseAddress! + offset * channels, n, e.baseAddress! + offset)
          maxes.append(r.maxAbs)
          flags.append(r.interpolated)
          offset += n
        }
      }
    }
    return (peaks, maxes, flags)
  }

  /// The true-peak meter's former loop: one `accumulatePeaks` call per piece, the threshold raised after each
  /// piece that interpolated to the largest peak found in it.
  static func piecewise(
    _ x: [Float], channels: Int, rate: Int, segment: Int, piece: Int, threshold: Float
  ) -> (peaks: [Float], maxAbs: [Float], interpolated: [Bool]) {
    segments(x, channels: channels, rate: rate, segment: segment) { interpolator, p, n, e in
      var maxAbs: Float = 0, interpolated = false, running = threshold, start = 0
      while start < n {
        let k = min(piece, n - start)
        let r = interpolator.accumulatePeaks(
          p + start * channels, frames: k, channel: channels - 1, into: e + start, interpolateAbove: running)
        maxAbs = max(maxAbs, r.maxAbs)
        if r.interpolated {
          interpolated = true
          running = max(running, VectorMath.maxMagnitude(e + start, count: k))
        }
        start += k
      }
      return (maxAbs, interpolated)
    }
  }

  /// The same through the call that takes a segment and its piece length.
  static func inOneCall(
    _ x: [Float], channels: Int, rate: Int, segment: Int, piece: Int, threshold: Float
  ) -> (peaks: [Float], maxAbs: [Float], interpolated: [Bool]) {
    segments(x, channels: channels, rate: rate, segment: segment) { interpolator, p, n, e in
      interpolator.accumulatePeaks(
        p, frames: n, channel: channels - 1, into: e, pieceFrames: piece, interpolateAbove: threshold)
    }
  }

  @Test("Pieces in one call give the peaks, maxima and flags of one call per piece, bit for bit",
        arguments: [44_100, 96_000, 192_000], [1, 2])
  func piecesInOneCall(rate: Int, channels: Int) {
    // Noise under a slow swell: pieces far under the threshold, near it and over it.
    var x = Signals.whiteNoise(amplitude: 1, seconds: 0.4, sampleRateHz: rate, channels: channels, seed: 12)
    for i in x.indices { x[i] *= Float(0.05 + 0.6 * abs(sin(Double(i / channels) * 9 / Double(rate)))) }
    for threshold: Float in [0, 0.3, 0.5] {
      for (segment, piece) in [(rate / 100, 48), (rate / 100, 7), (333, 333), (100, 48)] {
        let a = Self.piecewise(x, channels: channels, rate: rate, segment: segment, piece: piece, threshold: threshold)
        let b = Self.inOneCall(x, channels: channels, rate: rate, segment: segment, piece: piece, threshold: threshold)
        #expect(a.peaks.map(\.bitPattern) == b.peaks.map(\.bitPattern), "\(rate) Hz \(channels) ch \(threshold) \(segment)/\(piece)")
        #expect(a.maxAbs == b.maxAbs && a.interpolated == b.interpolated)
        // Both paths ran: interpolated segments (with oversampling) and, under the higher threshold, skipped ones.
        #expect(a.interpolated.contains(true) == (rate < 192_000))
        if threshold == 0.5 { #expect(a.interpolated.contains(false)) }
      }
    }
  }

  @Test("maxMagnitude with the 8- and 4-wide rest is the largest |x| for every count to 70 and every position")
  func maxMagnitudeEveryRest() {
    for count in 0...70 {
      let x = (0..<count).map { Float(($0 * 37) % 101) / 200 - 0.25 }  // values in −0.25…0.25
      #expect(VectorMath.maxMagnitude(x, count: count) == x.map(abs).max() ?? 0, "count \(count)")
      for position in 0..<count {
        var y = x
        y[position] = position % 2 == 0 ? -0.9 : 0.9
        #expect(VectorMath.maxMagnitude(y, count: count) == 0.9, "count \(count), at \(position)")
      }
    }
  }

  @Test("deinterleave copies one channel exactly, for 1 to 3 channels and every frame count to 40")
  func deinterleaveExact() {
    for channels in 1...3 {
      let x = (0..<(40 * channels)).map { Float($0) - 0.5 }
      for frames in 0...40 {
        for c in 0..<channels {
          var out = [Float](repeating: .nan, count: frames + 1)
          x.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer {
              VectorMath.deinterleave(p.baseAddress!, channels: channels, channel: c, frames: frames, into: $0.baseAddress!)
            }
          }
          #expect(Array(out.prefix(frames)) == (0..<frames).map { x[$0 * channels + c] }, "\(channels) ch, \(frames) frames")
          #expect(out[frames].isNaN)  // nothing written past the frames
        }
      }
    }
  }
}
