import Analysis
import AudioIO
import DSP
import Foundation
import Matching
import Rendering
import Testing
import TestSupport

/// Helpers: plans, rendering to a temp folder, reading back.
enum R {
  static func plan(
    eq: GainCurve = .flat, gainDB: Double = 0, widthDB: Double = 0, limiter: Bool = false, ceilingDBTP: Double = -1,
    eqPhase: EQPhase? = nil, highPassHz: Double? = nil
  ) -> TrackPlan {
    TrackPlan(
      file: "t.wav", eq: eq, gainDB: gainDB, widthDB: widthDB, sourceLUFS: nil, targetLUFS: nil,
      ceilingDBTP: ceilingDBTP, limiter: limiter, reasons: [], eqPhase: eqPhase, highPassHz: highPassHz)
  }

  static func settings(bits: OutputBits? = .float32, rate: Int? = nil) -> RenderSettings {
    var s = RenderSettings()
    s.bits = bits
    s.sampleRateHz = rate
    s.container = .wav
    return s
  }

  /// Writes `x`, renders it, reads the master back.
  static func render(
    _ x: [Float], channels: Int, rate: Int, plan: TrackPlan, settings: RenderSettings,
    sourceFormat: AudioFileFormat = .init(container: .wav, encoding: .float32)
  ) throws -> (samples: [Float], report: RenderReport, path: String, dir: TempFolder) {
    let dir = TempFolder("render")
    let src = try writeAudio(x, channels: channels, sampleRateHz: rate, to: dir.file("in.wav"), format: sourceFormat)
    let report = try TrackRenderer.render(source: src, plan: plan, settings: settings, to: dir.file("out.wav"))
    return (readAll(dir.file("out.wav")), report, dir.file("out.wav"), dir)
  }

  static func readAll(_ path: String) -> [Float] {
    var r = try! AudioFileReader(path: path)
    let ch = r.info.channels
    let buf = UnsafeMutableBufferPointer<Float>.allocate(capacity: 4096 * ch)
    defer { buf.deallocate() }
    var out: [Float] = []
    while true {
      let n = try! r.read(into: buf, maxFrames: 4096)
      if n == 0 { break }
      out += buf.prefix(n * ch)
    }
    return out
  }

  /// RMS in dB of channel `c` over the middle half (away from edges).
  static func rmsDB(_ x: [Float], channels: Int, channel c: Int = 0) -> Double {
    let frames = x.count / channels
    var s = 0.0
    for i in (frames / 4)..<(3 * frames / 4) { s += Double(x[i * channels + c] * x[i * channels + c]) }
    return 10 * log10(s / Double(frames / 2))
  }
}

@Suite struct EQTests {
  static let bump = GainCurve(frequenciesHz: [250, 500, 1000, 2000, 4000], gainsDB: [0, 0, 6, 0, 0])

  @Test("+6 dB around 1 kHz measures +6 ± 0.3 dB at 1 kHz and 0 ± 0.3 dB at 100 Hz and 10 kHz",
        arguments: testSampleRates, [(1000.0, 6.0), (100, 0), (10_000, 0)])
  func bumpLevels(rate: Int, c: (frequencyHz: Double, expectedDB: Double)) throws {
    let x = Signals.sine(frequencyHz: c.frequencyHz, amplitude: 0.25, seconds: 1.5, sampleRateHz: rate)
    var settings = R.settings()
    settings.edits.fadeMS = 0  // the tone ends at level: the fade would be a second stage
    let r = try R.render(x, channels: 2, rate: rate, plan: R.plan(eq: Self.bump), settings: settings)
    defer { r.dir.remove() }
    let change = R.rmsDB(r.samples, channels: 2) - R.rmsDB(x, channels: 2)
    #expect(abs(change - c.expectedDB) <= 0.3, "\(change) dB")
    #expect(r.report.stages == ["eq"])
  }

  @Test("Every phase, with and without the high-pass: an impulse stays where it was and the frame count is unchanged",
        arguments: testSampleRates, EQPhase.allCases)
  func alignment(rate: Int, phase: EQPhase) throws {
    let frames = rate / 2 + 123
    var x = [Float](repeating: 0, count: frames * 2)
    let at = frames / 3
    x[at * 2] = 0.5
    x[at * 2 + 1] = 0.5
    let tilt = GainCurve(frequenciesHz: [50, 500, 5000, 15000], gainsDB: [-6, 0, 4, 6])
    let hp = SubsonicHighPass.cornerHz
    for plan in [
      R.plan(eq: Self.bump, eqPhase: phase), R.plan(eq: tilt, eqPhase: phase), R.plan(eq: tilt, widthDB: 2, eqPhase: phase),
      R.plan(eq: tilt, eqPhase: phase, highPassHz: hp), R.plan(gainDB: -1, highPassHz: hp),
    ] {
      let r = try R.render(x, channels: 2, rate: rate, plan: plan, settings: R.settings())
      defer { r.dir.remove() }
      #expect(r.samples.count == x.count)
      let left = stride(from: 0, to: r.samples.count, by: 2).map { abs(r.samples[$0]) }
      #expect(left.indices.max { left[$0] < left[$1] } == at)
    }
  }

  @Test("Mono and stereo, every phase: the frame count is the source's", arguments: testSampleRates, [1, 2])
  func frameCount(rate: Int, channels: Int) throws {
    let x = Signals.whiteNoise(amplitude: 0.1, seconds: 0.7, sampleRateHz: rate, channels: channels, seed: 3)
    for phase in EQPhase.allCases {
      let plan = R.plan(eq: Self.bump, eqPhase: phase, highPassHz: SubsonicHighPass.cornerHz)
      let r = try R.render(x, channels: channels, rate: rate, plan: plan, settings: R.settings())
      defer { r.dir.remove() }
      #expect(r.samples.count == x.count)
      #expect(r.report.stages.prefix(2) == ["highpass", "eq"])
    }
  }
}

@Suite struct WidthTests {
  @Test("Width +3 dB raises side energy by 3 ± 0.2 dB and leaves the mid alone", arguments: [44_100, 48_000])
  func sideGain(rate: Int) throws {
    let m = Signals.whiteNoise(amplitude: 0.3, seconds: 2, sampleRateHz: rate, channels: 1, seed: 1)
    let s = Signals.whiteNoise(amplitude: 0.1, seconds: 2, sampleRateHz: rate, channels: 1, seed: 2)
    let x = zip(m, s).flatMap { [$0 + $1, $0 - $1] }
    let r = try R.render(x, channels: 2, rate: rate, plan: R.plan(widthDB: 3), settings: R.settings())
    defer { r.dir.remove() }
    func ms(_ y: [Float]) -> (mid: Double, side: Double) {
      let mid = stride(from: 0, to: y.count, by: 2).map { 0.5 * (y[$0] + y[$0 + 1]) }
      let side = stride(from: 0, to: y.count, by: 2).map { 0.5 * (y[$0] - y[$0 + 1]) }
      return (R.rmsDB(mid, channels: 1), R.rmsDB(side, channels: 1))
    }
    let before = ms(x), after = ms(r.samples)
    #expect(abs(after.side - before.side - 3) <= 0.2, "side \(after.side - before.side)")
    #expect(abs(after.mid - before.mid) <= 0.05, "mid \(after.mid - before.mid)")
  }

  @Test("Widening leaves the side below 100 Hz alone")
  func lowEndNotWidened() throws {
    let rate = 48_000
    // A 60 Hz tone only in the side.
    let tone = Signals.sine(frequencyHz: 60, amplitude: 0.2, seconds: 1.5, sampleRateHz: rate, channels: 1)
    let x = tone.flatMap { [$0, -$0] }
    let r = try R.render(x, channels: 2, rate: rate, plan: R.plan(widthDB: 3), settings: R.settings())
    defer { r.dir.remove() }
    #expect(abs(R.rmsDB(r.samples, channels: 2) - R.rmsDB(x, channels: 2)) <= 0.1)
  }
}

@Suite struct LimiterTests {
  static func signals(rate: Int) -> [(String, [Float])] {
    let a = Float(pow(10, (-1.0 + 12) / 20))  // 12 dB over a −1 dBTP ceiling
    let sine = Signals.sine(frequencyHz: 997, amplitude: Double(a), seconds: 1.5, sampleRateHz: rate)
    let hf = Signals.sine(frequencyHz: Double(rate) / 4, amplitude: Double(a), phaseDegrees: 45, seconds: 1.5, sampleRateHz: rate)
    let period = rate / 441
    let square = (0..<(rate * 3 / 2)).flatMap { i -> [Float] in let v: Float = (i % period) < period / 2 ? a : -a; return [v, v] }
    var impulses = [Float](repeating: 0, count: rate * 3 / 2 * 2)
    for i in stride(from: 100, to: rate * 3 / 2, by: rate / 10) { impulses[2 * i] = a; impulses[2 * i + 1] = -a }
    let noise = Signals.whiteNoise(amplitude: a, seconds: 1.5, sampleRateHz: rate)
    return [("sine", sine), ("fs/4 at 45°", hf), ("square", square), ("impulses", impulses), ("noise", noise)]
  }

  @Test("Driven 12 dB over the ceiling, the written file's libebur128 true peak stays at or under −1 dBTP",
        arguments: testSampleRates, OutputBits.allCases)
  func holdsTheCeiling(rate: Int, bits: OutputBits) throws {
    for (name, x) in Self.signals(rate: rate) {
      let r = try R.render(x, channels: 2, rate: rate, plan: R.plan(limiter: true), settings: R.settings(bits: bits))
      defer { r.dir.remove() }
      let a = try TrackAnalyzer.analyze(path: r.path, file: "out.wav")
      let tp = try #require(a.loudness.truePeakDBTP)
      #expect(tp <= -1.0, "\(name): \(tp) dBTP")
      #expect(r.samples.count == x.count, "\(name): frame count")
      #expect(r.report.limiterMaxGainReductionDB >= 11, "\(name): reduction \(r.report.limiterMaxGainReductionDB)")
    }
  }

  /// Nothing but the limiter's DC servo, a 1 Hz high-pass: on a 440 Hz sine at 0.3 its phase shift (0.13°) moves
  /// a sample by at most 0.3 · sin(0.13°) = 7·10⁻⁴, and its start by as much as the servo's first step.
  @Test("Under the ceiling the limiter changes nothing but the DC servo's 1 Hz high-pass (within 0.002)")
  func transparentBelowCeiling() throws {
    let x = Signals.sine(frequencyHz: 440, amplitude: 0.3, seconds: 1, sampleRateHz: 48_000)
    let r = try R.render(x, channels: 2, rate: 48_000, plan: R.plan(limiter: true), settings: R.settings())
    defer { r.dir.remove() }
    #expect(r.samples.count == x.count)
    #expect(zip(r.samples, x).map { abs($0 - $1) }.max() ?? 1 <= 0.002)
    #expect(r.report.limiterMaxGainReductionDB == 0 && r.report.limiterActiveShare == 0)
  }
}

@Suite struct OutputTests {
  @Test("TPDF dither: a −100 dBFS sine survives 16-bit; without dither it rounds away")
  func ditherKeepsTheSine() throws {
    let rate = 48_000
    let amp = pow(10, -100.0 / 20)  // a third of a 16-bit step
    let x = Signals.sine(frequencyHz: 1000, amplitude: amp, seconds: 2, sampleRateHz: rate)
    func amplitude(_ y: [Float]) -> Double {
      // Lock-in at 1 kHz on the left channel.
      var re = 0.0, im = 0.0
      let n = y.count / 2
      for i in 0..<n {
        let w = 2 * Double.pi * 1000 * Double(i) / Double(rate)
        re += Double(y[2 * i]) * cos(w)
        im += Double(y[2 * i]) * sin(w)
      }
      return 2 * sqrt(re * re + im * im) / Double(n)
    }
    var s = R.settings(bits: .pcm16)
    let dithered = try R.render(x, channels: 2, rate: rate, plan: R.plan(gainDB: 0.0001), settings: s)
    defer { dithered.dir.remove() }
    s.dither = .none
    let plain = try R.render(x, channels: 2, rate: rate, plan: R.plan(gainDB: 0.0001), settings: s)
    defer { plain.dir.remove() }
    #expect(abs(amplitude(dithered.samples) / amp - 1) < 0.2, "dithered \(amplitude(dithered.samples) / amp)")
    #expect(amplitude(plain.samples) / amp < 0.01)
    #expect(dithered.report.stages.contains("dither"))
  }

  @Test(
    "The same input and plan give byte-identical masters (dither included; no time-stamped PEAK chunk in float files)",
    arguments: [OutputBits.pcm16, .pcm24, .float32])
  func deterministic(bits: OutputBits) throws {
    let x = Signals.whiteNoise(amplitude: 0.9, seconds: 2, sampleRateHz: 44_100)
    let plan = R.plan(eq: EQTests.bump, gainDB: 3, widthDB: 1, limiter: true)
    let a = try R.render(x, channels: 2, rate: 44_100, plan: plan, settings: R.settings(bits: bits))
    let b = try R.render(x, channels: 2, rate: 44_100, plan: plan, settings: R.settings(bits: bits))
    defer { a.dir.remove(); b.dir.remove() }
    #expect(fileBytes(a.path) == fileBytes(b.path))
    // libsndfile's PEAK chunk holds the wall-clock time of writing, so two runs a second apart would differ.
    #expect(fileBytes(a.path).prefix(4096).range(of: Data("PEAK".utf8)) == nil)
  }

  @Test("An identity plan writes the input's samples unchanged (float, and 24-bit to 24-bit), its high-pass too")
  func transparency() throws {
    let x = Signals.whiteNoise(amplitude: 0.7, seconds: 1, sampleRateHz: 48_000)
    // Noise starts and ends at level: fades off, or they would change the edges (Format16EdgeFadeTests).
    var float = R.settings(bits: .float32), same = R.settings(bits: nil)
    float.edits.fadeMS = 0
    same.edits.fadeMS = 0
    // The high-pass never runs alone: a plan that changes nothing else stays bit-exact.
    let identity = R.plan(highPassHz: SubsonicHighPass.cornerHz)
    let f = try R.render(x, channels: 2, rate: 48_000, plan: identity, settings: float)
    defer { f.dir.remove() }
    #expect(f.samples == x && f.report.stages.isEmpty)
    let pcm = try R.render(
      x, channels: 2, rate: 48_000, plan: identity, settings: same,
      sourceFormat: .init(container: .wav, encoding: .pcm24))
    defer { pcm.dir.remove() }
    #expect(pcm.samples == R.readAll(pcm.dir.file("in.wav")))
  }

  /// A DC offset under music, raised 6 dB by the gain: without the high-pass the master's DC would be −14 dBFS.
  @Test("A master's DC: a −20 dBFS offset under a tone, +6 dB of gain, comes out at or under −70 dBFS; the tone keeps its level",
        arguments: testSampleRates, [1, 2])
  func dcRemoved(rate: Int, channels: Int) throws {
    let tone = Signals.sine(frequencyHz: 440, amplitude: 0.2, seconds: 4, sampleRateHz: rate, channels: channels)
    let x = tone.map { $0 + 0.1 }
    var s = R.settings(bits: .float32)
    s.edits.fadeMS = 0
    let r = try R.render(x, channels: channels, rate: rate, plan: R.plan(gainDB: 6, highPassHz: SubsonicHighPass.cornerHz), settings: s)
    defer { r.dir.remove() }
    #expect(r.report.stages == ["highpass", "gain"] && r.samples.count == x.count)
    for c in 0..<channels {
      let mean = stride(from: c, to: r.samples.count, by: channels).reduce(0.0) { $0 + Double(r.samples[$1]) } / Double(r.samples.count / channels)
      #expect(20 * log10(abs(mean)) <= -70, "channel \(c) at \(rate): DC \(20 * log10(abs(mean))) dBFS")
      let levelDB = R.rmsDB(r.samples, channels: channels, channel: c) - R.rmsDB(tone, channels: channels, channel: c)
      #expect(abs(levelDB - 6) <= 0.05, "440 Hz level change \(levelDB) dB (the gain's 6)")
    }
  }

  @Test("Resampling 44.1 → 48 kHz keeps a 1 kHz tone's level and gives the expected length")
  func resample() throws {
    let x = Signals.sine(frequencyHz: 1000, amplitude: 0.5, seconds: 2, sampleRateHz: 44_100)
    let r = try R.render(x, channels: 2, rate: 44_100, plan: R.plan(), settings: R.settings(rate: 48_000))
    defer { r.dir.remove() }
    #expect(abs(r.samples.count / 2 - 96_000) <= 1)
    #expect(abs(R.rmsDB(r.samples, channels: 2) - R.rmsDB(x, channels: 2)) <= 0.05)
    let a = try TrackAnalyzer.analyze(path: r.path, file: "out.wav")
    #expect(a.sampleRate == 48_000)
  }
}

@Suite struct InlineVerificationTests {
  /// (container, bits, output rate)
  static let formats: [(AudioContainer, OutputBits, Int?)] = [
    (.wav, .pcm16, nil), (.wav, .pcm24, nil), (.wav, .float32, nil), (.aiff, .pcm24, nil), (.flac, .pcm16, nil),
    (.flac, .pcm24, nil), (.wav, .pcm24, 44_100),
  ]

  @Test("A master measured while it is written has exactly the analysis read back from the file", arguments: formats)
  func inlineEqualsReadBack(format: (AudioContainer, OutputBits, Int?)) throws {
    let (container, bits, rate) = format
    let x = music(seed: 7, seconds: 6, rate: 48_000, gainDB: -4)
    let dir = TempFolder("inline")
    defer { dir.remove() }
    let src = try writeAudio(x, channels: 2, sampleRateHz: 48_000, to: dir.file("in.wav"))
    var s = R.settings(bits: bits, rate: rate)
    s.container = container
    let out = dir.file("out." + container.fileExtension)
    let outputFormat = s.outputFormat(for: try AudioFileReader(path: src).info)
    #expect(TrackRenderer.readsBackExactly(outputFormat))
    let meters = BackgroundMeters(
      info: AudioFileInfo(sampleRate: rate ?? 48_000, channels: 2, frames: 0, format: outputFormat), file: "out")
    let plan = R.plan(eq: EQTests.bump, gainDB: 8, widthDB: 1, limiter: true)
    _ = try TrackRenderer.render(source: src, plan: plan, settings: s, to: out, written: { meters.feed($0) })
    var inline = try meters.finish()
    inline.describe(try AudioFileReader(path: out).info)
    let readBack = try TrackAnalyzer.analyze(path: out, file: "out")
    #expect(inline.frames == readBack.frames && inline.frames > 0)
    #expect(inline == readBack)
  }

  @Test("A measuring pass reads the loudness a float render has, and writes nothing", arguments: [nil, 44_100] as [Int?])
  func measuringPass(rate: Int?) throws {
    let x = music(seed: 9, seconds: 8, rate: 48_000, gainDB: -2)
    let dir = TempFolder("measure")
    defer { dir.remove() }
    let src = try writeAudio(x, channels: 2, sampleRateHz: 48_000, to: dir.file("in.wav"))
    let s = R.settings(bits: .float32, rate: rate)
    // Driven hard into the limiter, so that the loudness it takes is large and must be measured.
    let plan = R.plan(eq: EQTests.bump, gainDB: 10, widthDB: 1, limiter: true)
    let info = AudioFileInfo(sampleRate: rate ?? 48_000, channels: 2, frames: 0, format: .init(container: .wav, encoding: .float32))
    let meter = BackgroundMeters(info: info, file: "dry", scope: .integratedLoudness)
    let dry = try TrackRenderer.measure(source: src, plan: plan, settings: s, output: { meter.feed($0) })
    let dryLUFS = try #require(try meter.finishIntegratedLUFS())
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["in.wav"])
    let out = dir.file("out.wav")
    let report = try TrackRenderer.render(source: src, plan: plan, settings: s, to: out)
    let rendered = try #require(try TrackAnalyzer.analyze(path: out, file: "out").loudness.integratedLUFS)
    // Float output is written exactly, and the meter sees the same blocks: the same figure, to the bit.
    #expect(dryLUFS == rendered)
    #expect(dry.frames == report.frames && dry.limiterMaxGainReductionDB == report.limiterMaxGainReductionDB)
    #expect(report.limiterMaxGainReductionDB > 3)
  }

  @Test(
    "Filtered audio kept by a measuring pass renders the same bytes as filtering again, and leaves no file",
    arguments: [nil, 44_100] as [Int?])
  func replayedFilter(rate: Int?) throws {
    let x = music(seed: 5, seconds: 7.3, rate: 48_000, gainDB: -3)
    let dir = TempFolder("spill")
    defer { dir.remove() }
    let src = try writeAudio(x, channels: 2, sampleRateHz: 48_000, to: dir.file("in.wav"))
    let s = R.settings(bits: .pcm24, rate: rate)
    let plan = R.plan(eq: EQTests.bump, gainDB: 6, widthDB: 1, limiter: true)
    let spill = try #require(SpillFile(folder: dir.path, capacity: 1 << 24))
    let small = try #require(SpillFile(folder: dir.path, capacity: x.count / 2))
    #expect(spill.isEmpty && !spill.isComplete)
    _ = try TrackRenderer.measure(source: src, plan: plan, settings: s, filtered: spill, output: { _ in })
    _ = try TrackRenderer.measure(source: src, plan: plan, settings: s, filtered: small, output: { _ in })
    // Output frames equal input frames, so the filter's output is exactly the source's sample count. Too
    // small a file holds part of it and is not complete.
    #expect(spill.isComplete && spill.count == x.count)
    #expect(!small.isComplete && !small.isEmpty)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["in.wav"])
    // Another gain, as a corrected render has.
    let fresh = try TrackRenderer.render(source: src, plan: plan, settings: s, to: dir.file("a.wav"), gainOffsetDB: 0.7)

    // The source now holds other samples: a replay does not read them, so it gives the first source's bytes.
    _ = try writeAudio(x.map { $0 * 0.5 }, channels: 2, sampleRateHz: 48_000, to: src)
    let replayed = try TrackRenderer.render(
      source: src, plan: plan, settings: s, to: dir.file("b.wav"), gainOffsetDB: 0.7, filtered: spill)
    #expect(fileBytes(dir.file("a.wav")) == fileBytes(dir.file("b.wav")))
    #expect(fresh.frames == replayed.frames && fresh.limiterMaxGainReductionDB == replayed.limiterMaxGainReductionDB)
    // An incomplete file is not replayed: that render filters the new source, as a render without one does.
    _ = try TrackRenderer.render(
      source: src, plan: plan, settings: s, to: dir.file("c.wav"), gainOffsetDB: 0.7, filtered: small)
    _ = try TrackRenderer.render(source: src, plan: plan, settings: s, to: dir.file("d.wav"), gainOffsetDB: 0.7)
    #expect(fileBytes(dir.file("c.wav")) == fileBytes(dir.file("d.wav")))
    #expect(fileBytes(dir.file("c.wav")) != fileBytes(dir.file("a.wav")))
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["a.wav", "b.wav", "c.wav", "d.wav", "in.wav"])
  }

  @Test("Lossy masters are never measured inline (their samples change in the encoder)")
  func lossyIsReadBack() throws {
    for encoding in [SampleEncoding.vorbis, .opus, .mp3] {
      #expect(!TrackRenderer.readsBackExactly(AudioFileFormat(container: encoding == .mp3 ? .mp3 : .ogg, encoding: encoding)))
    }
    let x = music(seed: 3, seconds: 2, rate: 48_000)
    let dir = TempFolder("inline-lossy")
    defer { dir.remove() }
    let src = try writeAudio(x, channels: 2, sampleRateHz: 48_000, to: dir.file("in.wav"))
    var s = R.settings(bits: nil)
    s.container = .ogg
    var called = false
    _ = try TrackRenderer.render(
      source: src, plan: R.plan(gainDB: 1), settings: s, to: dir.file("out.ogg"), written: { _ in called = true })
    #expect(!called)
  }
}
