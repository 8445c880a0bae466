import Analysis
import Foundation
import Matching
import Testing
import TestSupport

extension PlannerTests {
  @Test("A widening the correlation limit forbids shrinks to no change, never past 0 into a narrowing")
  func wideningStopsAtZero() {
    // Width −3 dB with no balance predicts correlation (1 − ½)/(1 + ½) = ⅓ even unchanged, under the limit
    // 0.5 − 0.1: every widening fails it. The album is 1 dB wider, so the plan starts at +1.0 dB.
    var t = fixtureTrack(file: "t", levelsDB: { _ in -30 }, widthDB: -3)
    t.stereo.correlation = 0.5
    let p = AlbumProfile(tracks: [fixtureTrack(file: "p", levelsDB: { _ in -30 }, widthDB: -2)])
    #expect(Planner.predictedCorrelation(track: t, sideDB: 0) < 0.4)
    #expect(Planner.widthChange(track: t, profile: p, options: MatchingOptions()) == 0)
  }

  @Test("A side-only track (width at the meter's cap) gets no width change; just under the cap it is a width")
  func sideOnlyIsNotAWidth() {
    let side = fixtureTrack(file: "s", levelsDB: { _ in -30 }, widthDB: StereoWidth.sideOnlyStoredDB)
    #expect(side.stereo.width == .sideOnly && side.stereo.width.midSideDB == nil)
    let p = AlbumProfile(tracks: [fixtureTrack(file: "p", levelsDB: { _ in -30 }, widthDB: -12)])
    #expect(Planner.widthChange(track: side, profile: p, options: MatchingOptions()) == 0)
    let normal = fixtureTrack(file: "n", levelsDB: { _ in -30 }, widthDB: -2)
    #expect(normal.stereo.width == .db(-2))
    #expect(fixtureTrack(file: "m", levelsDB: { _ in -30 }, widthDB: nil).stereo.width == .mono)
  }
}
