import Analysis
import DSP
import Foundation
import Matching
import TestSupport
import Testing

/// Planning dynamics toward the album: compress the more dynamic, never expand the denser, say why.
@Suite struct DynamicsPlannerTests {
  static func track(_ file: String, psr: Double?) -> TrackAnalysis {
    var t = fixtureTrack(file: file, levelsDB: { _ in -30 })
    t.dynamics = DynamicsStats(plrDB: nil, crestDB: nil, rmsDBFS: nil, psrMedianDB: psr, psrP10DB: psr, psrP90DB: psr)
    return t
  }

  @Test("A track more dynamic than the album is compressed toward it by amount × excess, at most maxCompressionDB")
  func moreDynamicIsCompressed() throws {
    var o = MatchingOptions()
    let (plan, reasons) = DynamicsPlanner.plan(track: Self.track("a", psr: 16), albumPSRDB: 12, inputLUFS: -14, options: o)
    let d = try #require(plan)
    #expect(d.sourcePSRDB == 16 && d.targetPSRDB == 12)
    let c = try #require(d.compressor)
    #expect(c.ratio == 2 && c.kneeDB == 6 && c.rangeDB == o.maxCompressionDB && c.amount == 1)
    #expect((10...30).contains(c.attackMS) && (100...300).contains(c.releaseMS))
    #expect(reasons.count == 1 && reasons[0].contains("toward 12.0 dB"))
    o.dynamicsAmount = 0.5
    #expect(DynamicsPlanner.plan(track: Self.track("a", psr: 16), albumPSRDB: 12, inputLUFS: -14, options: o).0?.targetPSRDB == 14)
    o.dynamicsAmount = 1
    o.maxCompressionDB = 2
    let capped = DynamicsPlanner.plan(track: Self.track("a", psr: 16), albumPSRDB: 12, inputLUFS: -14, options: o)
    #expect(capped.0?.targetPSRDB == 14 && capped.1[0].contains("at most 2.0 dB"))
  }

  @Test("A denser track is never expanded, a close one is left alone, amount 0 compresses nothing; each says why")
  func denserAndCloseAreLeftAlone() {
    var o = MatchingOptions()
    let dense = DynamicsPlanner.plan(track: Self.track("d", psr: 8), albumPSRDB: 12, inputLUFS: -14, options: o)
    #expect(dense.0?.compressor == nil && dense.0?.targetPSRDB == 8 && dense.1[0].contains("never expanded"))
    let close = DynamicsPlanner.plan(track: Self.track("c", psr: 12.8), albumPSRDB: 12, inputLUFS: -14, options: o)
    #expect(close.0?.compressor == nil && close.1[0].contains("not compressed"))
    o.dynamicsAmount = 0
    let off = DynamicsPlanner.plan(track: Self.track("a", psr: 16), albumPSRDB: 12, inputLUFS: -14, options: o)
    #expect(off.0?.compressor == nil && off.0?.maxLimitingDB == o.maxLimitingDB && off.1[0].contains("left as it is"))
  }

  @Test("The PSR floor: the lower of the track's and the album's PSR less the margin; none with amount 0 or in track mode")
  func floor() {
    var o = MatchingOptions()
    let margin = DynamicsPlanner.floorMarginDB
    #expect(DynamicsPlanner.plan(track: Self.track("d", psr: 8), albumPSRDB: 12, inputLUFS: -14, options: o).0?.floorPSRDB == 8 - margin)
    #expect(DynamicsPlanner.plan(track: Self.track("a", psr: 16), albumPSRDB: 12, inputLUFS: -14, options: o).0?.floorPSRDB == 12 - margin)
    o.maxLimitingDB = 7  // 4 dB over the default budget: the floor goes 4 dB lower
    #expect(DynamicsPlanner.plan(track: Self.track("a", psr: 16), albumPSRDB: 12, inputLUFS: -14, options: o).0?.floorPSRDB == 12 - margin - 4)
    o.maxLimitingDB = MatchingOptions().maxLimitingDB
    o.loudness = .track  // each track to its own loudness: the loudness asked for wins, no floor
    #expect(DynamicsPlanner.plan(track: Self.track("a", psr: 16), albumPSRDB: 12, inputLUFS: -14, options: o).0?.floorPSRDB == nil)
    o.loudness = .album
    let a = DynamicsPlanner.plan(track: Self.track("a", psr: 16), albumPSRDB: 12, inputLUFS: -14, options: o).0
    #expect(a?.compressor?.lookaheadMS == DynamicsPlanner.lookaheadMS && a?.limiterDriveDB == nil)
    o.dynamicsAmount = 0
    #expect(DynamicsPlanner.plan(track: Self.track("a", psr: 16), albumPSRDB: 12, inputLUFS: -14, options: o).0?.floorPSRDB == nil)
  }

  @Test("The album target: --target-psr, else the profile's median of the tracks (silent tracks do not count)")
  func albumTarget() {
    let tracks = [Self.track("a", psr: 10), Self.track("b", psr: 14), Self.track("c", psr: 11)]
    let profile = AlbumProfile(tracks: tracks)
    #expect(profile.psrDB == 11)
    var o = MatchingOptions()
    #expect(DynamicsPlanner.albumPSRDB(profile: profile, options: o) == 11)
    o.targetPSRDB = 9
    #expect(DynamicsPlanner.albumPSRDB(profile: profile, options: o) == 9)
    let plan = Planner.plan(album: "A", tracks: tracks, profile: profile, options: MatchingOptions())
    #expect(plan.tracks.map { $0.dynamics?.compressor != nil } == [false, true, false])
  }

  @Test("Plans written before dynamics read as no dynamics stage and no budget; new keys round-trip")
  func oldPlansReadAsBefore() throws {
    let old = #"{"loudness":"album","targetLUFS":-14,"maxSpreadLU":3,"eqAmount":1,"maxEQDB":6,"widthAmount":1,"maxWidthDB":3,"ceilingDBTP":-1,"limiter":true}"#
    let o = try JSONDecoder().decode(MatchingOptions.self, from: Data(old.utf8))
    #expect(o.dynamicsAmount == 0 && o.targetPSRDB == nil && o.maxLimitingDB == MatchingLimits.maxLimitingDB.range.upperBound)
    var n = MatchingOptions()
    n.targetPSRDB = 9.5
    let back = try JSONDecoder().decode(MatchingOptions.self, from: JSONEncoder().encode(n))
    #expect(back == n)
  }
}
