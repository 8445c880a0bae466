import DSP
import Matching

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// EQ and width as FIR filters in the plan's phase (`EQPhase`). Stereo is filtered in M/S: the mid with the EQ curve, the side
/// with the EQ curve plus the width gain. Width therefore needs no crossover and adds no delay of its own, and
/// a positive width gain fades out below 200 Hz and is gone under 100 Hz, so the low end is never widened.
/// Output frames equal input frames: the kernel's delay is trimmed at the start and flushed at the end.
struct FilterStage: ~Copyable {
  private var convolver: OverlapSaveConvolver
  let channels: Int
  let midSide: Bool
  private var toSkip: Int
  private var framesIn = 0
  private var framesOut = 0

  /// The side channel's curve: the EQ plus the weighted width gain, on a 1/6-octave grid.
  static func sideCurve(eq: GainCurve, widthDB: Double, sampleRateHz: Int) -> GainCurve {
    let grid = FractionalOctaveBands(sampleRateHz: Double(sampleRateHz)).centersHz
    return GainCurve(
      frequenciesHz: grid,
      gainsDB: grid.map { eq.gainDB(at: $0) + widthDB * Planner.sideGainWeight(frequencyHz: $0, sideDB: widthDB) })
  }

  init(plan: TrackPlan, channels: Int, sampleRateHz: Int) {
    self.channels = channels
    midSide = channels == 2 && abs(plan.widthDB) > 1e-9
    let phase = plan.renderedEQPhase
    let eq = FIRDesigner.kernel(plan.eq, sampleRateHz: sampleRateHz, phase: phase)
    var filters = Array(repeating: eq.taps, count: channels)
    if midSide {
      // Same length and phase mode, so the same delay as the mid's.
      filters[1] = FIRDesigner.kernel(
        Self.sideCurve(eq: plan.eq, widthDB: plan.widthDB, sampleRateHz: sampleRateHz), sampleRateHz: sampleRateHz,
        phase: phase
      ).taps
    }
    convolver = OverlapSaveConvolver(filters: filters)
    toSkip = eq.latencyFrames
  }

  /// Whether a plan needs this stage at all.
  static func isNeeded(plan: TrackPlan, channels: Int) -> Bool {
    !plan.eq.isFlat || (channels == 2 && abs(plan.widthDB) > 1e-9)
  }

  mutating func process(_ block: [Float]) -> [Float] {
    let frames = block.count / channels
    framesIn += frames
    var input = block
    if midSide {
      for i in 0..<frames {
        let l = input[2 * i], r = input[2 * i + 1]
        input[2 * i] = 0.5 * (l + r)
        input[2 * i + 1] = 0.5 * (l - r)
      }
    }
    var out: [Float] = []
    input.withUnsafeBufferPointer { convolver.process($0.baseAddress!, frames: frames, into: &out) }
    return trimmed(out)
  }

  /// Pushes zeros until every input frame has come out.
  mutating func finish() -> [Float] {
    var out: [Float] = []
    let zeros = [Float](repeating: 0, count: convolver.hop * channels)
    while framesOut + out.count / channels < framesIn {
      var chunk: [Float] = []
      zeros.withUnsafeBufferPointer { convolver.process($0.baseAddress!, frames: convolver.hop, into: &chunk) }
      out += trimmed(chunk)
    }
    let wanted = (framesIn - framesOut) * channels
    let result = Array(out.prefix(wanted))
    framesOut = framesIn
    return result
  }

  private mutating func trimmed(_ out: [Float]) -> [Float] {
    var frames = out.count / channels
    var start = 0
    if toSkip > 0 {
      let skip = min(toSkip, frames)
      toSkip -= skip
      start = skip
      frames -= skip
    }
    guard frames > 0 else { return [] }
    var y = Array(out[(start * channels)...])
    if midSide {
      for i in 0..<frames {
        let m = y[2 * i], s = y[2 * i + 1]
        y[2 * i] = m + s
        y[2 * i + 1] = m - s
      }
    }
    return y
  }

  /// Counts frames handed on (finish() trims to the input count).
  mutating func delivered(_ frames: Int) { framesOut += frames }
}
