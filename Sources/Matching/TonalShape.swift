import DSP

#if canImport(Glibc)
  import Glibc
#endif

/// The tonal shape that matching works on, per measurements.md ("Tonal shape"): a spectrum's 1/6-octave levels
/// smoothed to 1/3 octave, compared after removing their mean over 60 Hz–12 kHz.
///
/// The one home of that rule: `TonalDeviation` (the metric), `Planner.eqCurve` (the correction) and the report's
/// tonal charts all read shapes through this type.
public struct TonalShape: Sendable, Hashable {
  /// The lowest frequency whose band counts towards the mean.
  public static let lowHz = 60.0
  /// The highest frequency whose band counts towards the mean.
  public static let highHz = 12_000.0
  /// Band indices whose centres lie inside [lowHz, highHz]: 62.5 Hz … 11.3 kHz.
  public static let meanBands: ClosedRange<Int> =
    Int(clamping: (6 * log2(lowHz / 1000)).rounded(.up))...Int(clamping: (6 * log2(highHz / 1000)).rounded(.down))

  /// 1/3-octave-smoothed level per 1/6-octave band index (`FractionalOctaveBands.nearestIndex`), dB.
  public let smoothedDB: [Int: Double]

  /// 1/3-octave smoothing: each band becomes the mean (in dB) of the bands whose centres lie within
  /// ±1/6 octave of it, i.e. itself and its two 1/6-octave neighbours where they exist. `nil` levels are absent.
  public init(centersHz: [Double], levelsDB: [Double?]) {
    var byIndex: [Int: Double] = [:]
    for (f, l) in zip(centersHz, levelsDB) {
      if let l { byIndex[FractionalOctaveBands.nearestIndex(frequencyHz: f)] = l }
    }
    var out: [Int: Double] = [:]
    for k in byIndex.keys {
      let near = [k - 1, k, k + 1].compactMap { byIndex[$0] }
      out[k] = near.reduce(0, +) / Double(near.count)
    }
    smoothedDB = out
  }

  /// The smoothed level of the band nearest `frequencyHz`, if this shape has it.
  public func levelDB(atHz frequencyHz: Double) -> Double? {
    smoothedDB[FractionalOctaveBands.nearestIndex(frequencyHz: frequencyHz)]
  }

  /// The bands inside `meanBands` that this shape has (and `other` too, when given), ascending: a fixed
  /// summation order, so the mean is the same on every run.
  public func bandsForMean(sharedWith other: TonalShape? = nil) -> [Int] {
    smoothedDB.keys.filter { k in Self.meanBands.contains(k) && (other.map { $0.smoothedDB[k] != nil } ?? true) }.sorted()
  }

  /// The mean smoothed level over `bands` (each of which this shape has); 0 for no bands.
  public func meanDB(over bands: [Int]) -> Double {
    guard !bands.isEmpty else { return 0 }
    return bands.reduce(0) { $0 + (smoothedDB[$1] ?? 0) } / Double(bands.count)
  }

  /// The shape alone, mean-removed over its own bands in range: one curve of the report's tonal charts.
  /// One point per centre; `nil` where the shape has no level.
  public func meanRemoved(centersHz: [Double]) -> [(Double, Double?)] {
    let mean = meanDB(over: bandsForMean())
    return centersHz.map { f in (f, levelDB(atHz: f).map { $0 - mean }) }
  }
}

/// A track's shape against a profile's, both mean-removed over the bands in range that both have.
public struct TonalComparison: Sendable, Hashable {
  /// The track's shape.
  public let track: TonalShape
  /// The profile's shape.
  public let profile: TonalShape
  /// The bands the means are taken over, ascending.
  public let sharedBands: [Int]
  /// The track's mean level over `sharedBands`, dB.
  public let trackMeanDB: Double
  /// The profile's mean level over `sharedBands`, dB.
  public let profileMeanDB: Double

  /// The fewest shared bands a comparison needs.
  public static let minimumSharedBands = 3

  /// `nil` with fewer than `minimumSharedBands` shared bands in range.
  public init?(track: TonalShape, profile: TonalShape) {
    let shared = track.bandsForMean(sharedWith: profile)
    guard shared.count >= Self.minimumSharedBands else { return nil }
    self.track = track
    self.profile = profile
    sharedBands = shared
    trackMeanDB = track.meanDB(over: shared)
    profileMeanDB = profile.meanDB(over: shared)
  }

  /// (profile − track) at band `index`, each mean-removed: the correction that would bring the track to the
  /// profile's shape; `nil` where either lacks the band.
  public func correctionDB(band index: Int) -> Double? {
    guard let t = track.smoothedDB[index], let p = profile.smoothedDB[index] else { return nil }
    return (p - profileMeanDB) - (t - trackMeanDB)
  }

  /// The RMS of the correction over the shared bands, dB: the tonal deviation.
  public var rmsDeviationDB: Double {
    let sq = sharedBands.reduce(0.0) { acc, k in
      let d = correctionDB(band: k) ?? 0
      return acc + d * d
    }
    return (sq / Double(sharedBands.count)).squareRoot()
  }
}
