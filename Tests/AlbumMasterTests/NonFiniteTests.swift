import AlbumMaster
import Analysis
import Foundation
import Reports
import Testing
import TestSupport

/// Non-finite numbers and corrupt huge samples stay inside their own track and never cost a report.
@Suite struct NonFiniteTests {
  struct Doc: Codable, Equatable {
    var name: String
    var value: Double
    var optional: Double?
    var list: [Double?]
  }

  @Test("JSON writes every non-finite number as null, wherever it is; finite documents are as before")
  func nullForNonFinite() throws {
    let bad = Doc(name: "x", value: .infinity, optional: .nan, list: [1, -.infinity, nil, .nan])
    let text = String(decoding: try JSONReport.encode(bad), as: UTF8.self)
    #expect(text == "{\n  \"list\" : [\n    1,\n    null,\n    null,\n    null\n  ],\n  \"name\" : \"x\",\n  \"optional\" : null,\n  \"value\" : null\n}\n")
    // A string that merely looks like a marker is left alone.
    let lookalike = Doc(name: "non-finite-00000000-0000-0000-0000-000000000000", value: 1, optional: nil, list: [])
    #expect(try JSONReport.decode(Doc.self, from: JSONReport.encode(lookalike)) == lookalike)
    // Finite input: exactly the plain encoder's bytes.
    let good = Doc(name: "y", value: 1.5, optional: -2, list: [3, nil])
    let plain = JSONEncoder()
    plain.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    #expect(try JSONReport.encode(good) == plain.encode(good) + Data([0x0A]))
  }

  @Test("A track whose figures are not finite still encodes, with null in their place, and reads back")
  func trackWithInfiniteFigures() throws {
    var t = fixtureTrack(file: "a.wav", levelsDB: { _ in -30 })
    t.dynamics.rmsDBFS = .infinity
    t.spectrum.levelsDB[3] = .nan
    t.loudness.truePeakDBTP = -.infinity
    let data = try JSONReport.encode(t)
    let back = try JSONReport.decode(TrackAnalysis.self, from: data)
    #expect(back.dynamics.rmsDBFS == nil && back.spectrum.levelsDB[3] == nil && back.loudness.truePeakDBTP == nil)
    #expect(back.file == "a.wav" && back.spectrum.levelsDB[4] == -30)
  }

  @Test("Samples of 1e30 and Inf are counted, measured as 0 and flagged; every figure stays finite")
  func hugeSamples() throws {
    var x = Signals.sine(frequencyHz: 440, amplitude: 0.5, seconds: 2, sampleRateHz: 48_000, channels: 2)
    x[1000] = 1e30
    x[2001] = -1e30
    x[5000] = .infinity
    x[77_777] = Float.greatestFiniteMagnitude
    let t = try analyzeSignal(x, channels: 2, sampleRateHz: 48_000)
    #expect(t.defects.overRangeSamples == 3 && t.defects.nonFiniteSamples == 1)
    #expect(t.flags.contains(.overRange) && t.flags.contains(.nonFinite))
    // Every figure is finite: the plain encoder, which throws on a non-finite number, accepts it.
    #expect(throws: Never.self) { try JSONEncoder().encode(t) }
    let peak = try #require(t.loudness.samplePeakDBFS)
    #expect(abs(peak - -6.02) < 0.01)
    // A normal track has no over-range key at all: its analysis.json is as before.
    let clean = try analyzeSignal(Signals.sine(frequencyHz: 440, amplitude: 0.5, seconds: 1, sampleRateHz: 48_000, channels: 2), channels: 2, sampleRateHz: 48_000)
    #expect(clean.defects.overRangeSamples == nil && !clean.flags.contains(.overRange))
    #expect(!String(decoding: try JSONReport.encode(clean), as: UTF8.self).contains("overRangeSamples"))
  }
}
