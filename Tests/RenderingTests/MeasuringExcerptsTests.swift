import Analysis
import AudioIO
import Foundation
import Matching
import Rendering
import Testing
import TestSupport

/// The dynamics tuner's excerpts: where they lie, and that a pass over them measures what a whole pass does on a
/// signal whose every part is alike.
@Suite struct MeasuringExcerptsTests {
  /// A 10-minute series at −20 LUFS with a 3 s passage at −8 LUFS ending at `loudEndS`.
  static func series(seconds: Int = 600, loudEndS: Int = 421) -> LoudnessSeries {
    LoudnessSeries(intervalSeconds: 1, valuesLUFS: (0..<seconds).map { $0 + 1 == loudEndS ? -8 : -20 })
  }

  @Test("Windows: within the share, apart, one on the loudest passage, each after its warm-up", arguments: [44_100, 48_000, 96_000])
  func selection(rate: Int) throws {
    let frames = Int64(600 * rate)
    let e = try #require(MeasuringExcerpts(frames: frames, sampleRateHz: rate, series: Self.series()))
    #expect((MeasuringExcerpts.minWindows...MeasuringExcerpts.maxWindows).contains(e.measured.count))
    #expect(Double(e.readFrames) <= MeasuringExcerpts.maxShare * Double(frames))
    for (a, b) in zip(e.reads, e.reads.dropFirst()) { #expect(a.upperBound <= b.lowerBound) }
    for (r, m) in zip(e.reads, e.measured) {
      #expect(r.upperBound == m.upperBound && m.lowerBound - r.lowerBound == Int64(MeasuringExcerpts.warmUpSeconds * Double(rate)))
      #expect(m.count == Int(MeasuringExcerpts.windowSeconds * Double(rate)) && m.upperBound <= frames)
    }
    // The loud 3 s (418–421 s) lie inside a measured window.
    #expect(e.measured.contains { $0.lowerBound <= Int64(418 * rate) && Int64(421 * rate) <= $0.upperBound })
    // The same windows for the same series.
    #expect(MeasuringExcerpts(frames: frames, sampleRateHz: rate, series: Self.series()) == e)
    // Too short for the windows in their share (or silent): measured whole.
    #expect(MeasuringExcerpts(frames: Int64(240 * rate), sampleRateHz: rate, series: Self.series(seconds: 240)) == nil)
    let silent = LoudnessSeries(intervalSeconds: 1, valuesLUFS: Array(repeating: nil, count: 600))
    #expect(MeasuringExcerpts(frames: frames, sampleRateHz: rate, series: silent) == nil)
  }

  @Test(
    "A pass over excerpts of a steady sine driven into the limiter reads the whole pass's loudness and limiting",
    arguments: [(44_100, 1), (48_000, 2), (96_000, 2)])
  func steadySine(rate: Int, channels: Int) throws {
    let x = Signals.sine(frequencyHz: 997, amplitude: 0.5, seconds: 20, sampleRateHz: rate, channels: channels)
    let dir = TempFolder("excerpts")
    defer { dir.remove() }
    let src = try writeAudio(x, channels: channels, sampleRateHz: rate, to: dir.file("in.wav"))
    // −6 dBFS peaks, +6 dB of EQ at 1 kHz and 8 dB of gain: 9 dB over the −1 dBTP ceiling.
    let plan = R.plan(eq: EQTests.bump, gainDB: 8, limiter: true)
    let s = R.settings()
    let info = AudioFileInfo(sampleRate: rate, channels: channels, frames: 0, format: .init(container: .wav, encoding: .float32))
    func pass(_ excerpts: MeasuringExcerpts?) throws -> (lufs: Double, limitingDB: Double, frames: Int) {
      let meter = BackgroundMeters(info: info, file: "t", scope: .integratedLoudness)
      var frames = 0
      let report = try TrackRenderer.measure(source: src, plan: plan, settings: s, excerpts: excerpts) { block in
        frames += block.count / channels
        meter.feed(block)
      }
      return (try #require(try meter.finishIntegratedLUFS()), try #require(report.limiterP99GainReductionDB), frames)
    }
    let r = Int64(rate)
    let excerpts = MeasuringExcerpts(measured: [2 * r..<5 * r, 9 * r..<13 * r, 15 * r..<19 * r], warmUpFrames: r)
    let whole = try pass(nil), part = try pass(excerpts)
    #expect(part.frames == 11 * rate)  // the measured parts only
    #expect(abs(part.lufs - whole.lufs) < 0.05)
    #expect(whole.limitingDB > 2 && abs(part.limitingDB - whole.limitingDB) <= 0.1 + 1e-9)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["in.wav"])
  }

  @Test("Excerpts are refused where their frames would not line up with the master's")
  func refused() {
    var s = R.settings(rate: 44_100)
    #expect(TrackRenderer.excerptProblem(settings: s, sourceRateHz: 48_000) != nil)
    #expect(TrackRenderer.excerptProblem(settings: s, sourceRateHz: 44_100) == nil)
    s.edits.trimStartMS = 500
    #expect(TrackRenderer.excerptProblem(settings: s, sourceRateHz: 44_100) != nil)
  }
}
