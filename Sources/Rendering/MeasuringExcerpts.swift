import Analysis

/// Parts of a track that stand in for the whole in the dynamics tuner's measuring passes: a few windows spread
/// evenly over it plus one on its loudest passage (where the limiter works hardest), each read after a warm-up
/// that settles the filter, compressor and limiter. A pass over them costs their share of a full pass; their
/// loudness stands for the whole track's (a whole pass of the tuned plan checks it), and the master is verified
/// on all of it.
public struct MeasuringExcerpts: Sendable, Hashable {
  /// Measured length of one window, s.
  public static let windowSeconds = 6.0
  /// Audio run through the chain before each window and not measured, s: many times the compressor's 200 ms
  /// release and the limiter's 60 ms, and the FIR filter's length.
  public static let warmUpSeconds = 1.5
  /// The most of a track the windows and their warm-ups may read, as a share of its frames.
  public static let maxShare = 0.12
  /// Windows at most.
  public static let maxWindows = 6
  /// Windows at least: a shorter track (under 250 s) is measured whole.
  public static let minWindows = 4

  /// How far the whole track's loudness may sit from the excerpts' estimate of it before the tuning goes on over
  /// the whole track, LU: at another level the compressor and a driven limiter act differently, and the PSR
  /// moves by up to about a dB per dB (the verification allows 1 dB).
  public static let maxLoudnessMissLU = 0.25

  /// Source frames each window reads, its warm-up first; ascending, not overlapping.
  public let reads: [Range<Int64>]
  /// The part of each read that is measured (the read less its warm-up).
  public let measured: [Range<Int64>]
  /// The source's median short-term PSR over the measured parts minus its whole track's, dB (set by the caller,
  /// which measures the first): a pass's PSR over the excerpts less this estimates the whole track's.
  public var psrOffsetDB = 0.0

  /// Frames read in all.
  public var readFrames: Int64 { reads.reduce(0) { $0 + Int64($1.count) } }

  /// Windows given as their `measured` frames, each read after up to `warmUpFrames` before it (clipped at the
  /// track's start). For callers that choose their own windows (tests).
  public init(measured: [Range<Int64>], warmUpFrames: Int64) {
    precondition(zip(measured, measured.dropFirst()).allSatisfy { $0.upperBound + warmUpFrames <= $1.lowerBound })
    self.measured = measured
    reads = measured.map { max(0, $0.lowerBound - warmUpFrames)..<$0.upperBound }
  }

  /// The windows of a track of `frames` frames at `sampleRateHz`, from its short-term loudness `series` (the
  /// source analysis's); `nil` when fewer than `minWindows` fit in `maxShare`, or the series is silent.
  public init?(frames: Int64, sampleRateHz: Int, series: LoudnessSeries) {
    let rate = Double(sampleRateHz)
    let window = Int64(Self.windowSeconds * rate), warm = Int64(Self.warmUpSeconds * rate)
    let count = min(Self.maxWindows, Int(Self.maxShare * Double(frames) / Double(window + warm)))
    guard count >= Self.minWindows else { return nil }
    // The loudest 3 s (first of equals): value i covers the 3 s ending at (i + 1) × interval.
    var loudest: Int? = nil
    for (i, v) in series.valuesLUFS.enumerated() {
      if let v, loudest.map({ v > series.valuesLUFS[$0]! }) ?? true { loudest = i }
    }
    guard let loudest else { return nil }  // silent: nothing to compress
    // Windows centred on `count − 1` equal parts of the track, and one on the loudest passage, which replaces an
    // even window it would overlap.
    func centred(_ centre: Int64) -> Range<Int64> {
      let start = min(max(0, centre - window / 2), frames - window)
      return start..<(start + window)
    }
    var windows = (0..<(count - 1)).map { k in centred(Int64((Double(k) + 0.5) / Double(count - 1) * Double(frames))) }
    let loud = centred(Int64((Double(loudest + 1) * series.intervalSeconds - 1.5) * rate))
    windows.removeAll { $0.overlaps(loud.lowerBound - warm..<loud.upperBound + warm) }
    windows.append(loud)
    windows.sort { $0.lowerBound < $1.lowerBound }
    measured = windows
    reads = windows.map { max(0, $0.lowerBound - warm)..<$0.upperBound }
  }
}

/// Which output frames of an excerpt pass are measured: the reads are concatenated, and each one's warm-up is
/// dropped (every stage of the chain keeps output frames aligned with input frames).
struct ExcerptGate {
  /// Measured frame ranges in the concatenated stream.
  private var kept: [Range<Int64>] = []
  private var position: Int64 = 0
  private let channels: Int

  init(_ excerpts: MeasuringExcerpts, channels: Int) {
    self.channels = channels
    var offset: Int64 = 0
    for (read, part) in zip(excerpts.reads, excerpts.measured) {
      kept.append((offset + part.lowerBound - read.lowerBound)..<(offset + Int64(read.count)))
      offset += Int64(read.count)
    }
  }

  /// The measured samples of the next `block` (interleaved) of the stream.
  mutating func measured(_ block: [Float]) -> [Float] {
    let frames = Int64(block.count / channels)
    let here = position..<(position + frames)
    position += frames
    var out: [Float] = []
    for k in kept where k.overlaps(here) {
      let a = Int(max(k.lowerBound, here.lowerBound) - here.lowerBound), b = Int(min(k.upperBound, here.upperBound) - here.lowerBound)
      out += block[(a * channels)..<(b * channels)]
    }
    return out
  }
}
