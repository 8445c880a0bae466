import AlbumMaster
import Analysis
import Matching
import Testing
import TestSupport

/// Verification holds the ceiling by the higher of the accurate inter-sample peak and BS.1770's, and names it.
@Suite struct TruePeak16VerificationTests {
  static let plan = TrackPlan(
    file: "t.wav", eq: .flat, gainDB: 0, widthDB: 0, sourceLUFS: -14, targetLUFS: -14, ceilingDBTP: -1, limiter: true,
    reasons: [])

  static func master(bs1770DBTP: Double?, interSampleDBTP: Double?) -> TrackAnalysis {
    var t = fixtureTrack(file: "t.wav", integratedLUFS: -14, levelsDB: { _ in -30 })
    t.loudness.truePeakDBTP = bs1770DBTP
    t.loudness.interSamplePeakDBTP = interSampleDBTP
    return t
  }

  @Test("Over by the inter-sample peak alone (BS.1770 under): missed, and the message names the 16× figure")
  func accurateFigureJudges() {
    let problems = Verification.problems(plan: Self.plan, master: Self.master(bs1770DBTP: -1.2, interSampleDBTP: -0.85))
    #expect(problems == ["true peak (inter-sample, 16× oversampled) -0.85 dBTP is over the -1.0 dBTP ceiling"])
  }

  @Test("Under by both figures: no problem; over by BS.1770 alone (near Nyquist it reads higher): missed, named")
  func bothFiguresHeld() {
    #expect(Verification.problems(plan: Self.plan, master: Self.master(bs1770DBTP: -1.1, interSampleDBTP: -1.05)).isEmpty)
    let problems = Verification.problems(plan: Self.plan, master: Self.master(bs1770DBTP: -0.9, interSampleDBTP: -1.05))
    #expect(problems == ["true peak (BS.1770) -0.90 dBTP is over the -1.0 dBTP ceiling"])
  }

  @Test("Without the inter-sample figure (an older analysis) the BS.1770 figure judges, and is named")
  func fallsBackToBS1770() {
    let problems = Verification.problems(plan: Self.plan, master: Self.master(bs1770DBTP: -0.5, interSampleDBTP: nil))
    #expect(problems == ["true peak (BS.1770) -0.50 dBTP is over the -1.0 dBTP ceiling"])
  }
}
