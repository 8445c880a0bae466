import AlbumMaster
import Testing

/// The render-measure-correct loop's arithmetic, against model "renderers" whose loudness response is known.
@Suite struct LoudnessCorrectorTests {
  /// Runs the loop against `response` (the loudness a render at a gain offset gives); returns the corrector and
  /// the offsets tried.
  func converge(
    target: Double, _ response: (Double) -> Double, threshold: Double = 0.05, maxCorrection: Double = 3
  ) -> (LoudnessCorrector, [Double]) {
    var c = LoudnessCorrector(thresholdLU: threshold, maxCorrectionDB: maxCorrection)
    var tried: [Double] = []
    repeat { tried.append(c.offsetDB) } while c.record(measuredLUFS: response(c.offsetDB), targetLUFS: target)
    return (c, tried)
  }

  @Test func onTargetStopsAtOnce() {
    let (c, tried) = converge(target: -14) { _ in -14.03 }
    #expect(tried == [0])
    #expect(c.attempts == 1)
    #expect(c.offsetDB == 0)
  }

  @Test func linearResponseLandsInOneCorrection() {
    // No limiting: loudness follows gain dB for dB.
    let (c, tried) = converge(target: -14) { -15.2 + $0 }
    #expect(tried.count == 2)
    #expect(abs(c.offsetDB - 1.2) < 1e-9)
  }

  @Test(arguments: [0.5, 0.3])
  func limitedResponseFollowsTheMeasuredSlope(slope: Double) {
    // A limiter takes part of every added dB: loudness grows `slope` dB per dB. The secant step finds it.
    let response = { (o: Double) in -14.8 + slope * o }
    let (c, _) = converge(target: -14, response)
    #expect(abs(response(c.offsetDB) - -14) <= 0.05)
    #expect(c.attempts <= 4)
  }

  @Test func correctionIsBoundedByTheMaximum() {
    // A target the ceiling cannot allow: loudness stops growing. The offset never passes +3 dB.
    let (c, tried) = converge(target: -8) { -14 + min($0, 0.2) }
    #expect(tried.allSatisfy { $0 <= 3 })
    #expect(c.offsetDB == 3)
    #expect(c.attempts == 4)
  }

  @Test func aSilentTrackIsNotCorrected() {
    var c = LoudnessCorrector(thresholdLU: 0.05, maxCorrectionDB: 3)
    let silent = c.record(measuredLUFS: nil, targetLUFS: -14), untargeted = c.record(measuredLUFS: -20, targetLUFS: nil)
    #expect(!silent && !untargeted)
    #expect(c.offsetDB == 0)
  }

  @Test func aMeasuringPassCorrectsBeforeTheFirstRender() {
    var c = LoudnessCorrector(thresholdLU: 0.05, maxCorrectionDB: 3)
    c.recordMeasuringPass(measuredLUFS: -15, targetLUFS: -14)
    #expect(c.offsetDB == 1)
    #expect(c.attempts == 1)
    // The render at that offset measures the limiter's share: loudness rose 0.5 dB for 1 dB.
    let again = c.record(measuredLUFS: -14.5, targetLUFS: -14)
    #expect(again)
    #expect(abs(c.offsetDB - 2) < 1e-9)
  }
}
