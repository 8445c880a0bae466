import Analysis
import Foundation
import Matching
import Testing
import TestSupport

/// Album mode's loudness plan: the median track at the target, the order kept, offsets past half the band scaled.
@Suite struct AlbumLoudnessShapeTests {
  static func tracks(_ lufs: [Double?]) -> [TrackAnalysis] {
    lufs.enumerated().map { i, l in
      fixtureTrack(file: "\(i)", integratedLUFS: l, levelsDB: { f in l.map { $0 - 16 - 3 * log2(f / 1000) } })
    }
  }

  static func targets(_ lufs: [Double?], spreadLU: Double = 3, targetLUFS: Double = -14) -> [Double?] {
    let t = tracks(lufs)
    var o = MatchingOptions()
    o.eqAmount = 0
    o.widthAmount = 0
    o.maxSpreadLU = spreadLU
    o.targetLUFS = targetLUFS
    return Planner.plan(album: "a", tracks: t, profile: AlbumProfile(tracks: t), options: o).tracks.map(\.targetLUFS)
  }

  static let albums: [[Double]] = [
    [-8, -12, -14, -15, -24],  // a hot track and a far interlude
    [-10, -10.5, -18, -19, -19.5, -27],  // an even count, both sides out of the band
    [-14, -15, -16, -17, -13.5],  // all inside the band
    [-6, -20, -20.1, -20.2, -20.3, -20.4, -40],  // extremes far off both sides
  ]

  @Test("The order of the tracks' loudness is kept, strictly, and every track stays inside ±(spread − r)",
        arguments: albums, [1.0, 3, 6])
  func orderKept(sources: [Double], spreadLU: Double) {
    let t = Self.targets(sources, spreadLU: spreadLU).map { $0! }
    let edge = spreadLU - Planner.renderToleranceLU
    for i in sources.indices {
      #expect(abs(t[i] - -14) <= edge + 1e-9, "track \(i): \(t[i])")
      for j in sources.indices where sources[i] > sources[j] { #expect(t[i] > t[j], "\(sources[i]) > \(sources[j]) but \(t[i]) ≤ \(t[j])") }
    }
  }

  @Test("The median track lands on the target; offsets within half the band are kept, beyond it scaled linearly",
        arguments: albums)
  func offsetsScaled(sources: [Double]) throws {
    let t = Self.targets(sources).map { $0! }
    let anchor = median(sources)!
    #expect(abs(median(t)! - -14) < 1e-9)
    let edge = 3 - Planner.renderToleranceLU, knee = edge / 2
    for side in [1.0, -1.0] {
      let offsets = sources.map { ($0 - anchor) * side }, planned = t.map { ($0 + 14) * side }
      let farthest = offsets.max()!
      for (x, y) in zip(offsets, planned) where x >= 0 {
        if farthest <= edge || x <= knee {
          #expect(abs(y - x) < 1e-9, "kept: \(x) → \(y)")
        } else {
          // The excess over the knee shrinks by one factor; the farthest lands on the band's edge.
          #expect(abs((y - knee) - (x - knee) * (edge - knee) / (farthest - knee)) < 1e-9, "scaled: \(x) → \(y)")
        }
      }
      if farthest > edge { #expect(abs(planned.max()! - edge) < 1e-9) }
    }
  }

  @Test("One hot track does not pull the others under the target: they stay on it, the hot one above")
  func hotTrack() {
    let sources: [Double] = [-20, -20, -20, -20, -20, -6]
    let t = Self.targets(sources).map { $0! }
    #expect(t.prefix(5).allSatisfy { abs($0 - -14) < 1e-9 }, "\(t)")
    #expect(abs(t[5] - (-14 + 3 - Planner.renderToleranceLU)) < 1e-9)
    // The album's BS.1770 loudness would have put the five 1 LU and more under the target.
    let energy = 10 * log10(sources.map { pow(10, $0 / 10) }.reduce(0, +) / Double(sources.count))
    #expect(-14 - (energy - -20) < -15)
  }

  @Test("Edge cases: one track, all equal, a silent track, a zero spread")
  func edgeCases() {
    #expect(Self.targets([-23]) == [-14])
    #expect(Self.targets([-9, -9, -9]) == [-14, -14, -14])
    // A silent track keeps an identity loudness (no target) and does not count toward the median.
    let withSilent = Self.targets([-10, nil, -12])
    #expect(withSilent[1] == nil && withSilent[0]! == -13 && withSilent[2]! == -15)
    #expect(Self.targets([-30, -10, -20], spreadLU: 0).allSatisfy { $0 == -14 })
    #expect(AlbumLoudnessShape(sourcesLUFS: []) == nil)
  }

  @Test("A track its budget lowered takes the quieter tracks that would end above it down, one step under")
  func orderKeepingTargets() {
    let step = AlbumLoudnessShape.orderStepLU
    // Track 1 was planned at −12.3 but held at −14.3; track 2 (quieter source) landed at −13.5.
    let sources = [-11.3, -14.4, -16.0, -16.3, -18.4]
    let planned = [-11.05, -12.3, -13.5, -13.9, -15.9]
    let achieved = [-11.9, -14.3, -13.5, -13.9, -15.9]
    let t = AlbumLoudnessShape.orderKeepingTargets(sourcesLUFS: sources, plannedLUFS: planned, achievedLUFS: achieved)
    #expect(t.keys.sorted() == [2, 3])
    #expect(abs(t[2]! - (-14.3 - step)) < 1e-9)
    #expect(abs(t[3]! - (-14.3 - step - min(0.4, step))) < 1e-9)
    // Nothing to do when every master kept its place, and never a raise.
    #expect(AlbumLoudnessShape.orderKeepingTargets(sourcesLUFS: sources, plannedLUFS: planned, achievedLUFS: planned).isEmpty)
    // Equal sources are not an order to keep.
    #expect(AlbumLoudnessShape.orderKeepingTargets(sourcesLUFS: [-14, -14], plannedLUFS: [-14, -14], achievedLUFS: [-16, -14]).isEmpty)
    // A track its budget held 10 LU down: keeping the order would take the others more than `maxOrderDropLU` under
    // their plans, so it gives way and they keep them; a louder track held 2 LU down still takes them under it.
    #expect(AlbumLoudnessShape.orderKeepingTargets(
      sourcesLUFS: [-8, -13, -14], plannedLUFS: [-12, -14, -15], achievedLUFS: [-22, -14, -15]).isEmpty)
    let near = AlbumLoudnessShape.orderKeepingTargets(
      sourcesLUFS: [-8, -13, -14], plannedLUFS: [-12, -14, -15], achievedLUFS: [-16, -14, -15])
    #expect(near.keys.sorted() == [1, 2] && abs(near[1]! - (-16 - step)) < 1e-9, "\(near)")
  }
}
