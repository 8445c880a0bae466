import Analysis
import AudioIO
import Foundation
import Rendering
import Testing
import TestSupport

/// A WAV or RF64 master's `bext` loudness fields come from its render: reserved before the first sample, filled
/// in from the meters before the file is closed, with every sample as a render without them writes.
@Suite struct BroadcastRenderTests {
  @Test("The render fills in the bext chunk from the meters that saw it written; the samples are unchanged",
        arguments: [(AudioContainer.wav, OutputBits.pcm24, 2), (.wav, .pcm16, 1), (.rf64, .pcm24, 2)])
  func bextFromTheRender(format: (AudioContainer, OutputBits, Int)) throws {
    let (container, bits, channels) = format
    let dir = TempFolder("bext")
    defer { dir.remove() }
    let stereo = music(seed: 3, seconds: 4, rate: 48_000, gainDB: -6)
    let x = channels == 2 ? stereo : stride(from: 0, to: stereo.count, by: 2).map { stereo[$0] }
    let src = try writeAudio(x, channels: channels, sampleRateHz: 48_000, to: dir.file("in.wav"))
    var s = R.settings(bits: bits)
    s.container = container
    let outputFormat = s.outputFormat(for: try AudioFileReader(path: src).info)
    let meters = BackgroundMeters(
      info: AudioFileInfo(sampleRate: 48_000, channels: channels, frames: 0, format: outputFormat), file: "out")
    let plan = R.plan(gainDB: 4, limiter: true)
    var asked = 0
    var expected: BroadcastLoudness?
    _ = try TrackRenderer.render(
      source: src, plan: plan, settings: s, to: dir.file("tagged.wav"), written: { meters.feed($0) },
      broadcast: {
        asked += 1
        // Every sample has reached the meters by now: their loudness is the whole master's.
        let a = try? meters.finish()
        expected = a.map {
          BroadcastLoudness(
            loudnessValue: BroadcastLoudness.hundredths($0.loudness.integratedLUFS),
            loudnessRange: BroadcastLoudness.hundredths($0.loudness.rangeLU),
            maxTruePeakLevel: BroadcastLoudness.hundredths($0.loudness.truePeakDBTP),
            maxMomentaryLoudness: BroadcastLoudness.hundredths($0.loudness.momentaryMaxLUFS),
            maxShortTermLoudness: BroadcastLoudness.hundredths($0.loudness.shortTermMaxLUFS))
        }
        return expected
      })
    _ = try TrackRenderer.render(source: src, plan: plan, settings: s, to: dir.file("plain.wav"))
    #expect(asked == 1)
    let tagged = try AudioFileReader(path: dir.file("tagged.wav"))
    #expect(expected != nil && tagged.broadcastLoudness() == expected)
    #expect(expected?.loudnessValue != BroadcastLoudness.unknown)
    #expect(tagged.info.frames == Int64(x.count / channels))
    #expect(try AudioFileReader(path: dir.file("plain.wav")).broadcastLoudness() == nil)
    #expect(R.readAll(dir.file("tagged.wav")) == R.readAll(dir.file("plain.wav")))
  }

  @Test("A format without a bext chunk (FLAC) never asks for one")
  func flacAsksNothing() throws {
    let dir = TempFolder("bext-flac")
    defer { dir.remove() }
    let x = music(seed: 4, seconds: 2, rate: 44_100, gainDB: -6)
    let src = try writeAudio(x, channels: 2, sampleRateHz: 44_100, to: dir.file("in.wav"))
    var s = R.settings(bits: .pcm24)
    s.container = .flac
    var asked = false
    _ = try TrackRenderer.render(
      source: src, plan: R.plan(gainDB: 2), settings: s, to: dir.file("out.flac"),
      broadcast: {
        asked = true
        return BroadcastLoudness.allUnknown
      })
    #expect(!asked)
    #expect(R.readAll(dir.file("out.flac")).count == x.count)
  }
}
