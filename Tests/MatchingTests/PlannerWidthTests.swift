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
    #expect(Planner.widthChange(track: t, profile: p, options: MatchingOptions(), eq: .flat) == 0)
  }

  @Test("A side-only track (width at the meter's cap) gets no width change; just under the cap it is a width")
  func sideOnlyIsNotAWidth() {
    let side = fixtureTrack(file: "s", levelsDB: { _ in -30 }, widthDB: StereoWidth.sideOnlyStoredDB)
    #expect(side.stereo.width == .sideOnly && side.stereo.width.midSideDB == nil)
    let p = AlbumProfile(tracks: [fixtureTrack(file: "p", levelsDB: { _ in -30 }, widthDB: -12)])
    #expect(Planner.widthChange(track: side, profile: p, options: MatchingOptions(), eq: .flat) == 0)
    let normal = fixtureTrack(file: "n", levelsDB: { _ in -30 }, widthDB: -2)
    #expect(normal.stereo.width == .db(-2))
    #expect(fixtureTrack(file: "m", levelsDB: { _ in -30 }, widthDB: nil).stereo.width == .mono)
  }

  @Test("A master measured past the correlation limit is rendered again with the side gain less the excess",
        arguments: [-12.0, -7.63, -3.0])
  func widthRetry(sourceWidthDB: Double) {
    var t = fixtureTrack(file: "t", levelsDB: { _ in -30 }, widthDB: sourceWidthDB)
    // Balance 0: correlation (1 − s²)/(1 + s²) with s² = 10^(width/10).
    let corr = { (w: Double) in (1 - pow(10, w / 10)) / (1 + pow(10, w / 10)) }
    t.stereo.correlation = corr(sourceWidthDB)
    let o = MatchingOptions()
    // The limiter made the master 0.5 dB wider than the largest change the correlation allows.
    let limit = corr(sourceWidthDB) - Planner.maxCorrelationDrop
    let allowed = 10 * log10((1 - limit) / (1 + limit)) - sourceWidthDB
    let wide = StereoStats(correlation: corr(sourceWidthDB + allowed + 0.5), widthDB: sourceWidthDB + allowed + 0.5, balanceDB: 0)
    let retry = Planner.widthRetry(track: t, sideDB: 1, master: wide, options: o)
    #expect(retry != nil && abs(retry! - (1 - 0.5 - Planner.widthRetryMarginDB)) < 1e-6, "\(String(describing: retry))")
    // A master inside both limits is kept; so is a mono one.
    let kept = StereoStats(correlation: corr(sourceWidthDB + allowed - 0.1), widthDB: sourceWidthDB + allowed - 0.1, balanceDB: 0)
    #expect(Planner.widthRetry(track: t, sideDB: 1, master: kept, options: o) == nil)
    #expect(Planner.widthRetry(track: t, sideDB: 1, master: StereoStats(correlation: nil, widthDB: nil, balanceDB: nil), options: o) == nil)
    // Narrowed past the limit (by 0.4 dB): the side gain goes back up by that and the margin.
    let narrow = StereoStats(correlation: corr(sourceWidthDB - 3.4), widthDB: sourceWidthDB - 3.4, balanceDB: 0)
    let back = Planner.widthRetry(track: t, sideDB: -3, master: narrow, options: o)
    #expect(back != nil && abs(back! - (-3 + 0.4 + Planner.widthRetryMarginDB)) < 1e-6)
  }
}
