import DSP
import Foundation
import Testing
import TestSupport

/// The response of taps at one frequency, by a direct DFT in Double (no FFT involved).
struct FIRResponse {
  let magnitudeDB: Double
  /// |Im| / |H| after removing the design's delay e^(−jω·delay): 0 for an exactly linear phase.
  let residualPhase: Double

  init(taps h: [Float], frequencyHz f: Double, sampleRateHz: Int, delay: Double) {
    let w = 2 * Double.pi * f / Double(sampleRateHz)
    var re = 0.0, im = 0.0
    for (k, v) in h.enumerated() {
      // Measured about the delay, so that a symmetric filter's response is real.
      let phase = w * (Double(k) - delay)
      re += Double(v) * cos(phase)
      im -= Double(v) * sin(phase)
    }
    let m = (re * re + im * im).squareRoot()
    magnitudeDB = 20 * log10(max(1e-30, m))
    residualPhase = m > 0 ? abs(im) / m : 0
  }
}

@Suite struct FIRDesignerTests {
  /// Band gains at a few centres, as a user curve would give them.
  static let bands = GainCurve(frequenciesHz: [63, 250, 1000, 4000, 12_500], gainsDB: [4, -3, 0, 2.5, -5])
  /// A planner-like curve on the 1/6-octave centres from 30 Hz: ±6 dB, a sine over two octaves of log-frequency.
  static let wavy: GainCurve = {
    let centres = FractionalOctaveBands(sampleRateHz: 44_100).centersHz.filter { $0 >= 30 }
    return GainCurve(frequenciesHz: centres, gainsDB: centres.map { 6 * sin(Double.pi * log2($0 / 1000)) })
  }()

  static func delay(_ taps: [Float]) -> Double { Double(taps.count - 1) / 2 }

  @Test("From 200 Hz up, the magnitude equals the requested gain at band centres and between them (0.1 dB)",
        arguments: testSampleRates, [0, 1])
  func magnitudeAtCentres(rate: Int, curveIndex: Int) {
    let curve = [Self.bands, Self.wavy][curveIndex]
    let h = FIRDesigner.design(curve, sampleRateHz: rate)
    var worst = 0.0, worstHz = 0.0
    // The centres and the log-midpoints between them, where the curve is interpolated.
    let centres = curve.frequenciesHz
    let between = zip(centres, centres.dropFirst()).map { ($0 * $1).squareRoot() }
    for f in centres + between where f >= 200 {
      let r = FIRResponse(taps: h, frequencyHz: f, sampleRateHz: rate, delay: Self.delay(h))
      let error = abs(r.magnitudeDB - curve.gainDB(at: f))
      if error > worst { (worst, worstHz) = (error, f) }
    }
    #expect(worst <= 0.1, "worst \(worst) dB at \(worstHz) Hz")
  }

  /// The design's resolution is one bin of its FFT (5.4–5.9 Hz): the Hann window, exactly one period of the
  /// N-point grid, turns the sampled gains G[k] into ¼·G[k − 1] + ½·G[k] + ¼·G[k + 1] at the bins (G mirrored
  /// at DC and Nyquist). Where the curve bends within a few bins (low frequencies, where bands are a few bins
  /// wide, and the kinks between its points) that smoothed curve is the response: on the wavy curve 0.14 dB
  /// off at 157 Hz and 1.2 dB off at 31 Hz.
  @Test("At every bin, the response is the sampled curve smoothed by [¼, ½, ¼] (0.001 dB)",
        arguments: testSampleRates, [0, 1])
  func binResolution(rate: Int, curveIndex: Int) {
    let curve = [Self.bands, Self.wavy][curveIndex]
    let h = FIRDesigner.design(curve, sampleRateHz: rate)
    let n = FIRDesigner.designLength(sampleRateHz: rate)
    let binHz = Double(rate) / Double(n)
    func linear(_ k: Int) -> Double {
      let folded = k < 0 ? -k : k > n / 2 ? n - k : k
      return pow(10, curve.gainDB(at: max(binHz, Double(folded) * binHz)) / 20)
    }
    // Every bin below 250 Hz, then every 37th: DC and Nyquist included.
    let bins = Array(0..<Int(250 / binHz)) + Array(stride(from: Int(250 / binHz), to: n / 2, by: 37)) + [n / 2]
    var worst = 0.0, worstHz = 0.0
    for k in bins {
      let smoothed = 0.25 * linear(k - 1) + 0.5 * linear(k) + 0.25 * linear(k + 1)
      let r = FIRResponse(taps: h, frequencyHz: Double(k) * binHz, sampleRateHz: rate, delay: Self.delay(h))
      let error = abs(r.magnitudeDB - 20 * log10(smoothed))
      if error > worst { (worst, worstHz) = (error, Double(k) * binHz) }
    }
    #expect(worst <= 0.001, "worst \(worst) dB at \(worstHz) Hz")
  }

  @Test("Linear phase: the taps are symmetric and odd in number; the delay is (taps − 1)/2 at every frequency",
        arguments: testSampleRates)
  func linearPhase(rate: Int) {
    let h = FIRDesigner.design(Self.wavy, sampleRateHz: rate)
    #expect(h.count == FIRDesigner.designLength(sampleRateHz: rate) - 1 && h.count % 2 == 1)
    let peak = Double(h.map(abs).max() ?? 0)
    var asymmetry = 0.0
    for i in 0..<h.count / 2 { asymmetry = max(asymmetry, Double(abs(h[i] - h[h.count - 1 - i]))) }
    #expect(asymmetry <= 1e-6 * peak, "asymmetry \(asymmetry / peak) of the peak tap")
    for f in [40.0, 440, 3000, 15_000] {
      let r = FIRResponse(taps: h, frequencyHz: f, sampleRateHz: rate, delay: Self.delay(h))
      #expect(r.residualPhase < 1e-4, "\(f) Hz: \(r.residualPhase)")
    }
    // Both ends are zero (Hann reaches zero one step past them): no step where the filter starts.
    #expect(abs(h[0]) < 1e-6 * Float(peak) && abs(h[h.count - 1]) < 1e-6 * Float(peak))
  }

  @Test("DC takes the lowest band's gain and Nyquist the highest's (flat beyond the ends)",
        arguments: testSampleRates)
  func dcAndNyquist(rate: Int) {
    let h = FIRDesigner.design(Self.bands, sampleRateHz: rate)
    let d = Self.delay(h)
    let dc = FIRResponse(taps: h, frequencyHz: 0, sampleRateHz: rate, delay: d)
    let nyquist = FIRResponse(taps: h, frequencyHz: Double(rate) / 2, sampleRateHz: rate, delay: d)
    #expect(abs(dc.magnitudeDB - 4) <= 0.05, "DC \(dc.magnitudeDB) dB")
    #expect(abs(nyquist.magnitudeDB - -5) <= 0.05, "Nyquist \(nyquist.magnitudeDB) dB")
    // At DC the response is the sum of the taps.
    let sum = h.reduce(0.0) { $0 + Double($1) }
    #expect(abs(20 * log10(sum) - 4) <= 0.05)
  }

  @Test("0 dB everywhere designs (to 1e-6) the identity delayed by (taps − 1)/2", arguments: testSampleRates)
  func flatIsIdentity(rate: Int) {
    for curve in [GainCurve.flat, GainCurve(frequenciesHz: [100, 1000, 10_000], gainsDB: [0, 0, 0])] {
      let h = FIRDesigner.design(curve, sampleRateHz: rate)
      let centre = h.count / 2
      #expect(abs(h[centre] - 1) < 1e-6)
      let stray = h.enumerated().filter { $0.offset != centre }.map { abs($0.element) }.max() ?? 0
      #expect(stray < 1e-6, "largest other tap \(stray)")
    }
  }

  @Test("A constant gain designs the identity scaled by it", arguments: testSampleRates, [-6.0, 3.0])
  func constantGain(rate: Int, gainDB: Double) {
    let h = FIRDesigner.design(GainCurve(frequenciesHz: [1000], gainsDB: [gainDB]), sampleRateHz: rate)
    let expected = pow(10, gainDB / 20)
    #expect(abs(Double(h[h.count / 2]) - expected) < 1e-6 * expected)
    for f in [20.0, 1000, Double(rate) / 2] {
      let r = FIRResponse(taps: h, frequencyHz: f, sampleRateHz: rate, delay: Self.delay(h))
      #expect(abs(r.magnitudeDB - gainDB) < 1e-4, "\(f) Hz")
    }
  }
}
