import Analysis
import Matching
import QualityControl
import Testing
import TestSupport

/// Flags and QA read one threshold table (`DefectThresholds`); these pin that they agree on every shared check.
@Suite struct OneHomeThresholdTests {
  /// Flag ↔ QA check pairs that share a threshold.
  static let pairs: [(TrackFlag, String)] = [
    (.dc, "dc-offset"), (.leadingSilence, "leading-silence"), (.trailingSilence, "trailing-silence"), (.phase, "phase"),
    (.imbalance, "balance"), (.overCompressed, "plr"), (.truePeakOver, "true-peak"),
  ]

  /// A track `offset` above (+) or below (−) every threshold of `t`, in the direction that trips.
  static func track(_ t: DefectThresholds, trips: Bool) -> TrackAnalysis {
    let e = trips ? 0.01 : -0.01
    var x = fixtureTrack(file: trips ? "bad" : "good", levelsDB: { _ in -30 })
    x.defects.dcOffsetDBFS = [t.dcOffsetDBFS + e, nil]
    x.defects.leadingSilenceSeconds = t.leadingSilenceSeconds + e
    x.defects.trailingSilenceSeconds = t.trailingSilenceSeconds + e
    x.stereo.correlation = t.minimumCorrelation - e
    x.stereo.balanceDB = t.imbalanceDB + e
    x.dynamics.plrDB = t.minimumPLRDB - e
    x.loudness.truePeakDBTP = t.defaultCeilingDBTP + e
    return x
  }

  @Test("With the default table and with a changed one, a flag is raised exactly where its QA check trips",
        arguments: [false, true])
  func flagsAndQAAgree(changed: Bool) {
    var t = DefectThresholds.standard
    if changed {
      t.dcOffsetDBFS = -50
      t.leadingSilenceSeconds = 1
      t.trailingSilenceSeconds = 9
      t.minimumCorrelation = 0.25
      t.imbalanceDB = 3
      t.minimumPLRDB = 9
      t.defaultCeilingDBTP = -1
    }
    for trips in [false, true] {
      let x = Self.track(t, trips: trips)
      let qa = QualityChecks.run(tracks: [x], profile: AlbumProfile(tracks: [x]), preset: nil, thresholds: t)
      let flags = x.flags(thresholds: t)
      for (flag, check) in Self.pairs {
        let status = qa.findings.first { $0.check == check }?.status
        #expect(status == (trips ? (check == "phase" ? .fail : .warn) : .pass), "\(check), trips \(trips)")
        #expect(flags.contains(flag) == trips, "\(flag), trips \(trips)")
      }
    }
  }

  @Test("QAThresholds is the flags' table, and the default flags use its defaults (the values of measurements.md)")
  func oneTable() {
    #expect(ObjectIdentifier(QAThresholds.self) == ObjectIdentifier(DefectThresholds.self))
    let d = QAThresholds()
    #expect(d == DefectThresholds.standard)
    #expect(d.dcOffsetDBFS == -60 && d.leadingSilenceSeconds == 2 && d.trailingSilenceSeconds == 5 && d.minimumCorrelation == 0)
    #expect(d.imbalanceDB == 1.5 && d.minimumPLRDB == 6 && d.defaultCeilingDBTP == 0 && d.clickDBFS == -30)
    let x = Self.track(.standard, trips: true)
    #expect(x.flags == x.flags(thresholds: .standard))
    let qa = QualityChecks.run(tracks: [x], profile: AlbumProfile(tracks: [x]), preset: nil)
    #expect(qa.findings.first { $0.check == "phase" }?.limit == "≥ 0")
    #expect(qa.findings.first { $0.check == "dc-offset" }?.limit == "≤ -60.0 dBFS")
    #expect(qa.findings.first { $0.check == "true-peak" }?.limit == "≤ 0.0 dBTP")
  }
}
