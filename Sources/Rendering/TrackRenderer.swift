import AudioIO
import DSP
import Infrastructure
import Matching

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Renders one master from a source file and a plan, streaming in blocks: memory does not depend on length.
///
/// subsonic high-pass (DC, on masters that change anyway) → EQ and width (FIR in the plan's phase, M/S) → gain → dynamics (the wideband compressor) → resampling (libsoxr,
/// only when asked) → true-peak limiter →
/// quantization with seeded TPDF dither (integer outputs) → an atomic write through libsndfile. A stage with
/// nothing to do is skipped; an identity plan rendered to the input's format writes the input's samples.
public enum TrackRenderer {
  /// Frames per block.
  public static let blockFrames = 32768

  /// Renders `source` with `plan` to `path`. `gainOffsetDB` is added to the plan's gain (loudness correction).
  /// `progress` gets the fraction rendered, 0…1, every few blocks. `written` gets every block written, as
  /// interleaved floats exactly as libsndfile will read them back; only for formats where
  /// `readsBackExactly` holds (for the others it is not called).
  ///
  /// `filtered` holds the EQ/width filter's output for passes of the same source and plan (they may differ in
  /// gain and output settings): an empty one records it, a complete one is replayed instead of reading and
  /// filtering the source again. It is ignored when the plan needs no FIR filter (the high-pass alone is cheaper
/// to run again than to keep).
  ///
  /// `broadcast`, for a WAV or RF64 master, gives the `bext` loudness fields once the last block is written
  /// (e.g. from meters fed by `written`); the chunk is reserved before the first sample and filled in before the
  /// file is closed and renamed, so the tag stage need not copy the whole file to add it. nil leaves it unknown.
  public static func render(
    source: String, plan: TrackPlan, settings: RenderSettings, to path: String, gainOffsetDB: Double = 0,
    progress: ((Double) -> Void)? = nil, filtered spill: SpillFile? = nil, written: (([Float]) -> Void)? = nil,
    broadcast: (() -> BroadcastLoudness?)? = nil
  ) throws(RenderError) -> RenderReport {
    try reporting(plan.file) {
      try run(
        source: source, plan: plan, settings: settings, to: path, gainOffsetDB: gainOffsetDB, progress: progress,
        filtered: spill, written: written, broadcast: broadcast)
    }
  }

  /// Runs the same chain as `render` (EQ, width, gain, resampling, limiter) without quantizing or writing,
  /// and hands every output block to `output`: a cheap pass that measures what a render would produce,
  /// e.g. how much loudness the limiter takes. The report's `path` is empty. `filtered` as for `render`.
  public static func measure(
    source: String, plan: TrackPlan, settings: RenderSettings, gainOffsetDB: Double = 0,
    progress: ((Double) -> Void)? = nil, filtered spill: SpillFile? = nil, output: @escaping ([Float]) -> Void
  ) throws(RenderError) -> RenderReport {
    try reporting(plan.file) {
      try run(
        source: source, plan: plan, settings: settings, to: nil, gainOffsetDB: gainOffsetDB, progress: progress,
        filtered: spill, written: output)
    }
  }

  /// Runs `body`, turning any error into a `RenderError` that names `file`.
  private static func reporting<T>(_ file: String, _ body: () throws -> T) throws(RenderError) -> T {
    do {
      return try body()
    } catch let e as RenderError {
      throw e
    } catch let e as AudioIOError {
      throw RenderError(file: file, reason: e.reason)
    } catch {
      throw RenderError(file: file, reason: "\(error)")
    }
  }

  /// Whether the samples written in `format` read back as exactly the values written: lossless 16-bit,
  /// 24-bit or float. libsndfile reads an integer sample as its left-justified 32-bit value × 2⁻³¹, which is
  /// exact for these depths; lossy encoders change the samples, so those masters are read back.
  public static func readsBackExactly(_ format: AudioFileFormat) -> Bool {
    [.wav, .aiff, .flac, .w64, .rf64, .caf].contains(format.container)
      && [.pcm16, .pcm24, .float32].contains(format.encoding)
  }

  private static func run(
    source: String, plan: TrackPlan, settings: RenderSettings, to path: String?, gainOffsetDB: Double,
    progress: ((Double) -> Void)?, filtered spill: SpillFile?, written tap: (([Float]) -> Void)?,
    broadcast: (() -> BroadcastLoudness?)? = nil
  ) throws -> RenderReport {
    if let problem = plan.renderProblem(gainOffsetDB: gainOffsetDB) {
      throw RenderError(file: plan.file, reason: "refusing to render the plan: \(problem)")
    }
    let info = try AudioFileReader(path: source).info
    let channels = info.channels
    let format = settings.outputFormat(for: info)
    let outRate = settings.sampleRateHz ?? info.sampleRate
    // Refused before any work: the encoder would fail on every track alike.
    if let problem = format.writeProblem(sampleRateHz: outRate, channels: channels) {
      throw RenderError(file: plan.file, reason: problem)
    }

    var stages: [String] = []
    if plan.renderedHighPassHz != nil { stages.append("highpass") }
    let firNeeded = FilterStage.isNeeded(plan: plan, channels: channels)
    let filtered = firNeeded || plan.renderedHighPassHz != nil
    if firNeeded {
      if !plan.eq.isFlat { stages.append("eq") }
      if channels == 2 && abs(plan.widthDB) > 1e-9 { stages.append("width") }
    }
    let gainDB = plan.gainDB + gainOffsetDB
    let gain: Float? = abs(gainDB) > 1e-9 ? Float(pow(10, gainDB / 20)) : nil
    if gain != nil { stages.append("gain") }
    var compressor: Compressor? = nil
    var multiband: MultibandCompressor? = nil
    if let settings = plan.dynamics?.compressor, !settings.isIdentity {
      if let bands = plan.dynamics?.multiband?.settings(compressor: settings, sampleRateHz: info.sampleRate) {
        multiband = try MultibandCompressor(settings: bands, channels: channels, sampleRateHz: info.sampleRate)
        stages.append("multiband")
      } else {
        compressor = try Compressor(settings: settings, channels: channels, sampleRateHz: info.sampleRate)
        stages.append("compressor")
      }
    }
    // Their latency (look-ahead, crossover), trimmed so the master stays aligned with the source.
    var compressorDrop = (compressor?.latencyFrames ?? 0) + (multiband?.latencyFrames ?? 0)
    var resampler: Resampler? = nil
    if outRate != info.sampleRate {
      resampler = try Resampler(inputRateHz: info.sampleRate, outputRateHz: outRate, channels: channels)
      stages.append("resample")
    }
    var limiter: TruePeakLimiter? = nil
    if plan.limiter {
      limiter = TruePeakLimiter(
        settings: LimiterSettings(ceilingDBTP: plan.limiterThresholdDBTP), channels: channels, sampleRateHz: outRate)
      stages.append("limiter")
    }
    // Dither only where quantization would otherwise be correlated with the signal: integer output from
    // samples that are no longer on its grid.
    let bits = format.encoding.integerBits
    let sourceBits = info.format.encoding.integerBits
    let changed = !stages.isEmpty
    let needsDither = bits != nil && settings.dither == .tpdf && (changed || sourceBits == nil || sourceBits! > bits!)
    var quantizer = path == nil ? nil : bits.map { Quantizer(bits: $0, dither: needsDither, seed: seed(settings.seed, plan.file)) }
    if needsDither { stages.append("dither") }

    let metadata = info.metadata
    // Without a path nothing is written: the float output goes to the tap.
    var writer = try path.map {
      try AudioFileWriter(
        path: $0, format: format, sampleRateHz: outRate, channels: channels, metadata: metadata,
        compression: settings.compression(for: format, sampleRateHz: outRate, channels: channels))
    }
    // A `bext` chunk must precede the first sample: reserved now, filled in before the file is closed.
    let fillsBroadcast = broadcast != nil && AudioTagger.holdsBroadcast(format)
    if fillsBroadcast { try writer?.setBroadcastLoudness(.allUnknown) }
    var written: Int64 = 0
    let tap = readsBackExactly(format) || path == nil ? tap : nil
    // Fades at the output rate, after everything that changes the frame count; they never decide the dither.
    let fadeFrames = settings.edits.fadeFrames(rateHz: outRate)
    var fade = fadeFrames > 0 ? EdgeFade(channels: channels, fadeFrames: fadeFrames) : nil

    func emit(_ block: [Float]) throws {
      guard !block.isEmpty else { return }
      let frames = block.count / channels
      if var q = quantizer {
        let ints = [Int32](unsafeUninitializedCapacity: block.count) { buffer, count in
          block.withUnsafeBufferPointer { q.quantize($0.baseAddress!, count: block.count, into: buffer.baseAddress!) }
          count = block.count
        }
        quantizer = q
        try ints.withUnsafeBufferPointer { (p) throws(AudioIOError) in try writer?.writeIntegers(p.baseAddress!, frames: frames) }
        tap?(VectorMath.floats(ints, scale: 0x1p-31))
      } else {
        try block.withUnsafeBufferPointer { (p) throws(AudioIOError) in try writer?.write(p, frames: frames) }
        tap?(block)
      }
      written += Int64(frames)
    }

    /// Everything after the filter: gain, resampling, limiting, writing.
    func downstream(_ block: [Float], final: Bool) throws {
      var x = gain.map { VectorMath.scaled(block, by: $0) } ?? block
      if compressor != nil { compressor!.processAligned(&x, dropFrames: &compressorDrop, final: final) }
      if multiband != nil { multiband!.processAligned(&x, dropFrames: &compressorDrop, final: final) }
      if resampler != nil {
        var y: [Float] = []
        try x.withUnsafeBufferPointer { (p) throws(ResamplerError) in
          try resampler!.process(p.baseAddress!, frames: x.count / channels, into: &y)
        }
        if final { try resampler!.finish(into: &y) }
        x = y
      }
      if limiter != nil {
        var y: [Float] = []
        x.withUnsafeBufferPointer { limiter!.process($0.baseAddress!, frames: x.count / channels, into: &y) }
        if final { limiter!.finish(into: &y) }
        x = y
      }
      if fade != nil { x = fade!.process(x) + (final ? fade!.finish() : []) }
      try emit(x)
    }

    // Reading and the FIR filter run on a thread of their own, a few blocks ahead of the rest.
    let queue = BlockQueue(capacity: 4)
    // Found even when the spill replays frames already trimmed: the report names the trim either way.
    let kept = try SilenceTrim.keptFrames(source: source, settings: settings)
    let upstream = BackgroundThread(name: "reading: \(plan.file)") { () throws -> Void in
      defer { queue.close() }
      if let spill, firNeeded, spill.isComplete {
        try replay(spill, channels: channels, into: queue)
      } else {
        let keep = firNeeded && spill?.isEmpty == true ? spill : nil
        try readAndFilter(source: source, plan: plan, filtered: filtered, into: queue, keep: keep, kept: kept)
      }
    }
    var consumed: Int64 = 0
    do {
      while let block = queue.pop() {
        try downstream(block, final: false)
        consumed += Int64(block.count / channels)
        if let progress, consumed % Int64(blockFrames * 4) < Int64(block.count / channels), info.frames > 0 {
          progress(min(1, Double(consumed) / Double(info.frames)))
        }
      }
      try upstream.join()  // a read error ends the stream early: it is thrown here
      try downstream([], final: true)
    } catch {
      queue.abandon()
      _ = try? upstream.join()
      throw error
    }
    if fillsBroadcast, let loudness = broadcast?() { try writer?.setBroadcastLoudness(loudness) }
    try writer?.finish()
    if fade?.fadedIn == true { stages.append("fade-in") }
    if fade?.fadedOut == true { stages.append("fade-out") }
    if let kept, kept.upperBound - kept.lowerBound < info.frames { stages.append("trim") }
    let stats = limiter?.stats ?? LimiterStats(maxGainReductionDB: 0, limitedShare: 0)
    var report = RenderReport(
      path: path ?? "", frames: written, sampleRateHz: outRate, format: format, stages: stages,
      limiterMaxGainReductionDB: stats.maxGainReductionDB, limiterActiveShare: stats.limitedShare, gainDB: gainDB)
    if limiter != nil {
      report.limiterP99GainReductionDB = stats.p99GainReductionDB
      report.limiterOver1DBShare = stats.over1DBShare
      report.limiterOver3DBShare = stats.over3DBShare
      report.limiterGainReduction = GainReductionSeries(intervalSeconds: stats.intervalSeconds, valuesDB: stats.gainReductionDB)
    }
    if let c = compressor?.stats ?? multiband?.mergedStats {
      report.compressorMaxGainReductionDB = c.maxGainReductionDB
      report.compressorGainReduction = GainReductionSeries(intervalSeconds: c.intervalSeconds, valuesDB: c.gainReductionDB)
    }
    return report
  }

  /// Reads `source` in blocks, zeroes non-finite and over-range samples, runs the plan's subsonic high-pass and the
  /// EQ/width filter when `filtered`, and pushes
  /// every block (then the filter's tail) into `queue`: output frames equal input frames. Stops early when the
  /// consumer abandons the queue. The reader and the filter live and die on the calling thread.
  private static func readAndFilter(
    source: String, plan: TrackPlan, filtered: Bool, into queue: BlockQueue, keep: SpillFile?, kept: Range<Int64>? = nil
  ) throws {
    var reader = try AudioFileReader(path: source)
    let info = reader.info
    let needsFIR = filtered && FilterStage.isNeeded(plan: plan, channels: info.channels)
    var filter = needsFIR ? FilterStage(plan: plan, channels: info.channels, sampleRateHz: info.sampleRate) : nil
    var highPass = filtered
      ? plan.renderedHighPassHz.map { SubsonicHighPass(cornerHz: $0, channels: info.channels, sampleRateHz: info.sampleRate) } : nil
    let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: blockFrames * info.channels)
    defer { buffer.deallocate() }
    var window = kept.map { TrimWindow(kept: $0, channels: info.channels) }
    while window?.isPast != true {
      let got = try reader.read(into: buffer, maxFrames: blockFrames)
      if got == 0 { break }
      var block = Array(buffer.prefix(got * info.channels))
      if window != nil {
        block = window!.clip(block)
        if block.isEmpty { continue }
      }
      // Never pass NaN, ±Inf or corrupt huge values on (the comparison is false for NaN).
      for i in block.indices where !(abs(block[i]) <= AudioLimits.maxSampleMagnitude) { block[i] = 0 }
      highPass?.process(&block)
      if filter != nil {
        block = filter!.process(block)
        filter!.delivered(block.count / info.channels)
      }
      block.withUnsafeBufferPointer { keep?.append($0) }
      if !queue.push(block) { return }
    }
    if filter != nil {
      let tail = filter!.finish()
      tail.withUnsafeBufferPointer { keep?.append($0) }
      queue.push(tail)
    }
    keep?.finishWriting()
  }

  /// Pushes the filtered samples kept by a measuring pass, in `blockFrames`-frame blocks.
  private static func replay(_ spill: SpillFile, channels: Int, into queue: BlockQueue) throws {
    var offset = 0
    while offset < spill.count {
      var block = [Float](repeating: 0, count: min(blockFrames * channels, spill.count - offset))
      let got = try block.withUnsafeMutableBufferPointer { (b) throws(AudioIOError) in try spill.read(at: offset, into: b) }
      offset += got
      if !queue.push(block) { return }
    }
  }

  /// FNV-1a of the file name mixed into the base seed: each track gets its own, fixed dither sequence.
  static func seed(_ base: UInt64, _ file: String) -> UInt64 { base ^ fnv1a64(file.utf8) }
}
