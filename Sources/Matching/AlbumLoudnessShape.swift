/// Album mode's loudness plan: where the album sits and how each track's offset from it is kept.
///
/// The album's loudness, the level set to the target, is the median of its tracks' integrated loudness: the
/// typical track. AES TD1008 normalizes an album as a whole and keeps its intended loudness differences; the
/// album's BS.1770 loudness played through is dominated by its loudest (or longest) tracks, so one hot track
/// set to the target would pull every other track under it. Around the median, each track keeps its offset
/// while every offset on its side (louder or quieter) fits the band ±(maxSpreadLU − r); otherwise the offsets
/// on that side past half the band are scaled down so that the farthest lands on the band's edge. The loudness
/// order is kept (the mapping is strictly increasing) and so are the gaps within half the band.
public struct AlbumLoudnessShape: Sendable, Hashable {
  /// The album's loudness: the median track loudness, LUFS (the mean of the middle two for an even count).
  public let anchorLUFS: Double
  /// The quietest track's offset from the anchor, LU (≤ 0).
  public let quietestOffsetLU: Double
  /// The loudest track's offset from the anchor, LU (≥ 0).
  public let loudestOffsetLU: Double

  /// The shape of an album whose tracks measure `sourcesLUFS` (silent tracks left out); nil when there are none.
  public init?(sourcesLUFS: [Double]) {
    guard let anchor = median(sourcesLUFS), let quietest = sourcesLUFS.min(), let loudest = sourcesLUFS.max() else { return nil }
    anchorLUFS = anchor
    quietestOffsetLU = min(0, quietest - anchor)
    loudestOffsetLU = max(0, loudest - anchor)
  }

  /// A track's offset from the target in the master, LU: its source offset from the anchor, kept or scaled.
  /// The band's edge is r = min(`maxSpreadLU`, `Planner.renderToleranceLU`) inside ±`maxSpreadLU`, so a master that
  /// lands within the render tolerance still keeps the album inside the spread.
  public func offsetLU(sourceLUFS: Double, maxSpreadLU: Double) -> Double {
    let x = sourceLUFS - anchorLUFS
    let edge = maxSpreadLU - min(maxSpreadLU, Planner.renderToleranceLU)
    let farthest = x < 0 ? -quietestOffsetLU : loudestOffsetLU
    let magnitude = abs(x)
    guard farthest > edge else { return x }
    let knee = edge / 2
    guard magnitude > knee else { return x }
    let scaled = knee + (magnitude - knee) * (edge - knee) / (farthest - knee)
    return x < 0 ? -scaled : scaled
  }

  /// The step kept between a track its limiting budget lowered and a quieter track taken down with it, LU: the
  /// render tolerance both ways, twice, so the masters' order survives each landing anywhere within it.
  public static let orderStepLU = 4 * Planner.renderToleranceLU

  /// The most a track is taken under its planned loudness to keep the order, LU: past it the order gives way and
  /// the track keeps its plan (a track its budget held far down, e.g. one whose loudness reads high from a few
  /// stray over-full-scale samples, would otherwise take the whole album down with it; pulling the others part of
  /// the way would cost loudness and keep no order).
  public static let maxOrderDropLU = 3.0

  /// New targets (by index) for the tracks to render again so the masters keep the sources' loudness order
  /// when renders fell short of their plan (the limiting budget lowers a track's loudness). From the loudest
  /// source down, a track whose master ends within two render tolerances of, or above, a louder source's master
  /// is lowered to that master less its planned gap, at most `orderStepLU`, unless that is more than
  /// `maxOrderDropLU` under its plan (then it stays). Tracks never move up.
  public static func orderKeepingTargets(sourcesLUFS: [Double], plannedLUFS: [Double], achievedLUFS: [Double]) -> [Int: Double] {
    // One figure per track in each list; anything else is no album to reorder (never an index out of range).
    guard plannedLUFS.count == sourcesLUFS.count, achievedLUFS.count == sourcesLUFS.count else { return [:] }
    let order = sourcesLUFS.indices.sorted { sourcesLUFS[$0] > sourcesLUFS[$1] || (sourcesLUFS[$0] == sourcesLUFS[$1] && $0 < $1) }
    var final = achievedLUFS, targets: [Int: Double] = [:]
    for (n, j) in order.enumerated() {
      let louder = order[..<n].filter { sourcesLUFS[$0] > sourcesLUFS[j] }
      guard let lowest = louder.map({ final[$0] }).min(),
        achievedLUFS[j] > lowest - 2 * Planner.renderToleranceLU
      else { continue }
      guard let wanted = louder.map({ final[$0] - min(max(0, plannedLUFS[$0] - plannedLUFS[j]), orderStepLU) }).min()
      else { continue }
      guard wanted >= plannedLUFS[j] - maxOrderDropLU, wanted < achievedLUFS[j] - Planner.renderToleranceLU
      else { continue }
      targets[j] = wanted
      final[j] = wanted
    }
    return targets
  }
}

extension TrackPlan {
  /// This plan `byDB` quieter: its gain and target, and a compressor's threshold with them (it sits after the
  /// gain, so it keeps its place in the track's level); `reason` is added to the reasons.
  public func lowered(byDB: Double, reason: String) -> TrackPlan {
    var p = self
    p.gainDB -= byDB
    p.targetLUFS = targetLUFS.map { $0 - byDB }
    p.dynamics?.compressor?.thresholdDBFS -= byDB
    p.reasons.append(reason)
    return p
  }
}
