#if canImport(Glibc)
  import Glibc
#endif

/// A track's short-term PSR statistics (peak to short-term loudness ratio), in dB.
public struct ShortTermPSR: Sendable, Hashable {
  /// The median of the gated 100 ms values.
  public var medianDB: Double
  /// Their 10th percentile (the densest passages).
  public var p10DB: Double
  /// Their 90th percentile (the most open passages).
  public var p90DB: Double
  /// How many values passed the gates.
  public var windows: Int
}

/// Short-term PSR, streaming: every 100 ms, the true peak of the last 3 s (dBTP) minus the short-term loudness of
/// the same 3 s (LUFS), gated as EBU Tech 3342 gates the values of LRA (absolute −70 LUFS, relative 20 LU under the
/// power mean of the values that pass the absolute gate). A track's figures are the median, 10th and 90th
/// percentiles of the gated values (interpolated between ranks as NumPy's default `percentile` does).
///
/// Inputs, in order and at any pace: the true peak of each 100 ms block (`addTruePeakBlocks`, from `TruePeakMeter`)
/// and each short-term energy (`addShortTerm`, from `LoudnessMeter`: the first covers blocks 0–29, then one per
/// block). A value is paired once its last block's peak has arrived; the peaks waiting for their loudness are
/// those the analyzer's queues hold, a few seconds at most.
///
/// Memory does not grow with length. The relative gate is known only at the end, so the values are kept as a
/// histogram over (loudness, PSR): rows of 1 LU from −70 to +20 LUFS (allocated when first used), columns of 0.1 dB
/// from −20 to +80 dB (values outside go to the edge bins), plus the sum of the values in each column. The gate
/// keeps whole rows, those whose centre is at or above it (as libebur128 gates its LRA histogram, there in 0.1 LU
/// rows): only values within 0.5 LU of the gate can be misplaced. A percentile is the mean of the values in the
/// column where its rank falls, exact for a steady signal and within 0.1 dB otherwise.
public struct ShortTermPSRMeter: Sendable {
  /// 100 ms blocks in one 3 s short-term window.
  public static let blocksPerWindow = 30
  static let rowLU = 1.0
  static let rowFloorLUFS = -70.0
  static let rowCount = 90
  static let columnDB = 0.1
  static let columnFloorDB = -20.0
  static let columnCount = 1000

  /// Frames in one 100 ms block: ten of the loudness meter's 10 ms chunks, so that blocks and windows coincide.
  public static func blockFrames(sampleRateHz: Int) -> Int { 10 * LoudnessMeter.chunkFrames(sampleRateHz: sampleRateHz) }

  /// Peaks (linear) of the last 30 blocks paired so far.
  private var ring = [Float](repeating: 0, count: blocksPerWindow)
  private var blocksInRing = 0
  private var waitingPeaks: [Float] = []
  private var waitingEnergies: [Double] = []
  private var paired = 0
  private var rows: [[UInt32]] = Array(repeating: [], count: rowCount)
  private var columnSums = [Double](repeating: 0, count: columnCount)
  private var energySum = 0.0
  private var energyCount = 0

  /// An empty meter.
  public init() {}

  /// The true peaks (linear, the maximum over the channels) of the next 100 ms blocks.
  public mutating func addTruePeakBlocks(_ peaks: [Float]) {
    guard !peaks.isEmpty else { return }
    waitingPeaks += peaks
    pair()
  }

  /// The next short-term energy (BS.1770 channel-weighted mean square of the K-weighted 3 s window).
  public mutating func addShortTerm(energy: Double) {
    waitingEnergies.append(energy)
    pair()
  }

  /// Moves peaks into the ring as far as the next window needs, and pairs every window whose blocks are all in.
  private mutating func pair() {
    var usedPeaks = 0, usedEnergies = 0
    while true {
      let lastBlock = paired + Self.blocksPerWindow - 1
      while blocksInRing <= lastBlock && usedPeaks < waitingPeaks.count {
        ring[blocksInRing % Self.blocksPerWindow] = waitingPeaks[usedPeaks]
        usedPeaks += 1
        blocksInRing += 1
      }
      guard blocksInRing > lastBlock, usedEnergies < waitingEnergies.count else { break }
      var peak: Float = 0
      for p in ring { peak = max(peak, p) }
      record(energy: waitingEnergies[usedEnergies], peak: Double(peak))
      usedEnergies += 1
      paired += 1
    }
    waitingPeaks.removeFirst(usedPeaks)
    waitingEnergies.removeFirst(usedEnergies)
  }

  private mutating func record(energy: Double, peak: Double) {
    guard energy >= LoudnessMeter.absoluteGateEnergy else { return }
    let lufs = -0.691 + 10 * log10(energy)
    // A window whose energy passes the gate has non-zero samples, so a zero peak cannot occur; the floor only
    // keeps log10 finite.
    let psr = 20 * log10(max(peak, 1e-10)) - lufs
    energySum += energy
    energyCount += 1
    let row = Self.bin(lufs, floor: Self.rowFloorLUFS, width: Self.rowLU, count: Self.rowCount)
    let column = Self.bin(psr, floor: Self.columnFloorDB, width: Self.columnDB, count: Self.columnCount)
    if rows[row].isEmpty { rows[row] = Array(repeating: 0, count: Self.columnCount) }
    rows[row][column] += 1
    columnSums[column] += psr
  }

  private static func bin(_ v: Double, floor: Double, width: Double, count: Int) -> Int {
    let i = ((v - floor) / width).rounded(.down)
    return i < 0 ? 0 : i >= Double(count) ? count - 1 : Int(i)
  }

  /// The statistics of everything paired so far; `nil` when no value passes the gates (silence, under −70 LUFS,
  /// or shorter than one 3 s window).
  public var result: ShortTermPSR? {
    guard energyCount > 0 else { return nil }
    let gateLUFS = -0.691 + 10 * log10(energySum / Double(energyCount)) + LoudnessMeter.rangeRelativeGateLU
    var gated = [Int](repeating: 0, count: Self.columnCount)
    var all = [Int](repeating: 0, count: Self.columnCount)
    for (r, row) in rows.enumerated() where !row.isEmpty {
      let keep = Self.rowFloorLUFS + (Double(r) + 0.5) * Self.rowLU >= gateLUFS
      for (c, n) in row.enumerated() where n > 0 {
        all[c] += Int(n)
        if keep { gated[c] += Int(n) }
      }
    }
    let n = gated.reduce(0, +)
    guard n > 0 else { return nil }
    // The value at 0-based rank k: the mean of the values in the column holding it.
    func value(rank k: Int) -> Double {
      var seen = 0
      for c in 0..<Self.columnCount where gated[c] > 0 {
        seen += gated[c]
        if k < seen { return columnSums[c] / Double(all[c]) }
      }
      return 0  // unreachable: k < n
    }
    func percentile(_ p: Double) -> Double {
      let position = p * Double(n - 1)
      let lo = Int(position.rounded(.down)), hi = Int(position.rounded(.up))
      let a = value(rank: lo)
      return lo == hi ? a : a + (value(rank: hi) - a) * (position - Double(lo))
    }
    return ShortTermPSR(medianDB: percentile(0.5), p10DB: percentile(0.1), p90DB: percentile(0.9), windows: n)
  }

  /// Values held now (peaks, energies, histogram cells and sums), for tests that memory does not grow.
  public var storedValues: Int {
    ring.count + waitingPeaks.count + waitingEnergies.count + rows.reduce(0) { $0 + $1.count } + columnSums.count
  }
}
