import AudioIO
import DSP
import Foundation
import Matching
import Rendering
import Testing
import TestSupport

/// The renderer's own guard: a plan with an unusable number throws before anything is written.
@Suite struct ValidationRenderTests {
  @Test("A gain of 1e308, a NaN gain or an EQ with too few gains: RenderError, no master, no temp file")
  func refusesUnusablePlans() throws {
    let dir = TempFolder("render-guard")
    defer { dir.remove() }
    let src = try writeAudio(
      Signals.sine(frequencyHz: 440, amplitude: 0.25, seconds: 0.5, sampleRateHz: 48_000), channels: 2, sampleRateHz: 48_000,
      to: dir.file("src.wav"))
    let before = fileBytes(src)
    let edits: [(inout TrackPlan) -> Void] = [
      { $0.gainDB = 1e308 }, { $0.gainDB = .nan }, { $0.eq = GainCurve(frequenciesHz: [100, 1000], gainsDB: [1, 2]); $0.eq.gainsDB = [1] },
      { $0.eq = GainCurve(frequenciesHz: [0, 1000], gainsDB: [1, 2]) }, { $0.widthDB = .infinity },
    ]
    for edit in edits {
      var plan = TrackPlan(
        file: "src.wav", eq: .flat, gainDB: -3, widthDB: 0, sourceLUFS: nil, targetLUFS: nil, ceilingDBTP: -1, limiter: true,
        reasons: [])
      edit(&plan)
      #expect(throws: RenderError.self) {
        try TrackRenderer.render(source: src, plan: plan, settings: RenderSettings(), to: dir.file("out.wav"))
      }
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["src.wav"])
    #expect(fileBytes(src) == before)
  }
}
