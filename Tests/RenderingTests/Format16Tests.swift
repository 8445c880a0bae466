import Analysis
import AudioIO
import DSP
import Foundation
import Matching
import Rendering
import Testing
import TestSupport

/// Headers for the album rule, without files.
private func header(_ container: AudioContainer, _ encoding: SampleEncoding, _ rateHz: Int = 44_100) -> AudioFileInfo {
  AudioFileInfo(sampleRate: rateHz, channels: 2, frames: 1000, format: AudioFileFormat(container: container, encoding: encoding))
}

/// The formats the album rule gives each source.
private func formats(_ settings: RenderSettings, _ sources: [AudioFileInfo]) -> [String] {
  let s = settings.resolved(forAlbum: sources)
  return sources.map { "\(s.outputFormat(for: $0).container.rawValue)/\(s.outputFormat(for: $0).encoding.rawValue)/\(s.sampleRateHz ?? $0.sampleRate)" }
}

@Suite struct Format16AlbumRuleTests {
  @Test("Mixed albums get one lossless format: FLAC, the highest rate, the deepest depth; lossy sources give FLAC 24")
  func mixedAlbums() {
    // mp3 + 16-bit WAV: FLAC 24-bit (the MP3's depth), at the one rate.
    #expect(formats(RenderSettings(), [header(.mp3, .mp3), header(.wav, .pcm16)]) == ["FLAC/PCM_24/44100", "FLAC/PCM_24/44100"])
    // 44.1 + 48 kHz WAV 24: WAV kept, 48 kHz for both.
    #expect(formats(RenderSettings(), [header(.wav, .pcm24, 44_100), header(.wav, .pcm24, 48_000)]) == ["WAV/PCM_24/48000", "WAV/PCM_24/48000"])
    // 16 + 24-bit FLAC: 24 for both.
    #expect(formats(RenderSettings(), [header(.flac, .pcm16), header(.flac, .pcm24)]) == ["FLAC/PCM_24/44100", "FLAC/PCM_24/44100"])
    // WAV + AIFF: FLAC; a float source needs 24 in FLAC.
    #expect(formats(RenderSettings(), [header(.wav, .float32), header(.aiff, .pcm16)]) == ["FLAC/PCM_24/44100", "FLAC/PCM_24/44100"])
    // Ogg Vorbis and Opus only: FLAC 24, at the highest rate.
    #expect(formats(RenderSettings(), [header(.ogg, .vorbis, 44_100), header(.ogg, .opus, 48_000)]) == ["FLAC/PCM_24/48000", "FLAC/PCM_24/48000"])
  }

  @Test("A lossy output takes a rate its encoder accepts: Opus at 48 kHz, MP3 over 48 kHz in its family; an explicit rate is kept")
  func lossyOutputRates() {
    func rate(_ name: OutputFormatName, _ rates: [Int], explicit: Int? = nil) -> Int? {
      var s = name.applied(to: RenderSettings())
      s.sampleRateHz = explicit
      return s.resolved(forAlbum: rates.map { header(.wav, .pcm24, $0) }).sampleRateHz
    }
    #expect(rate(.opus, [44_100, 22_050]) == 48_000)
    #expect(rate(.opus, [96_000]) == 48_000)
    #expect(rate(.opus, [48_000]) == 48_000)
    #expect(rate(.mp3, [44_100, 22_050]) == 44_100)
    #expect(rate(.mp3, [88_200]) == 44_100)
    #expect(rate(.mp3, [96_000, 44_100]) == 48_000)
    #expect(rate(.ogg, [96_000]) == 96_000)  // Vorbis takes it
    #expect(rate(.opus, [44_100], explicit: 44_100) == 44_100)  // the user's: refused later with its message
  }

  @Test("A uniform lossless album keeps its container, rate and depth (float WAV stays float); one lossy file gives FLAC 24")
  func uniformAlbumsUnchanged() {
    for (c, e) in [(AudioContainer.wav, SampleEncoding.pcm16), (.wav, .float32), (.aiff, .pcm24), (.flac, .pcm16), (.w64, .pcm24)] {
      let album = [header(c, e, 96_000), header(c, e, 96_000)]
      let perTrack = album.map { RenderSettings().outputFormat(for: $0) }
      let resolved = RenderSettings().resolved(forAlbum: album)
      #expect(album.map { resolved.outputFormat(for: $0) } == perTrack, "\(c) \(e)")
      #expect(resolved.sampleRateHz == 96_000)
    }
    #expect(formats(RenderSettings(), [header(.mp3, .mp3)]) == ["FLAC/PCM_24/44100"])
  }

  @Test("--format same keeps each source's format; an explicit format, depth or rate wins over its part of the rule")
  func explicitChoices() throws {
    let album = [header(.mp3, .mp3, 44_100), header(.wav, .pcm16, 48_000)]
    let same = try #require(OutputFormatChoice(rawValue: "same")).applied(to: RenderSettings())
    #expect(formats(same, album) == ["MP3/MPEG_LAYER_III/44100", "WAV/PCM_16/48000"])
    let mp3 = try #require(OutputFormatChoice(rawValue: "mp3")).applied(to: RenderSettings())
    #expect(formats(mp3, album) == ["MP3/MPEG_LAYER_III/48000", "MP3/MPEG_LAYER_III/48000"])
    var given = RenderSettings()
    given.bits = .pcm16
    given.sampleRateHz = 44_100
    #expect(formats(given, album) == ["FLAC/PCM_16/44100", "FLAC/PCM_16/44100"])
    #expect(OutputFormatChoice(rawValue: "wma") == nil)
    #expect(OutputFormatChoice.choices == "wav, aiff, flac, ogg, opus, mp3 or same")
  }
}

/// Renders `x` (float WAV source) with `fadeMS` and the given output depth.
private func renderFaded(
  _ x: [Float], fadeMS: Double?, bits: OutputBits = .float32, gainDB: Double = 0, rate: Int = 48_000, outRate: Int? = nil
) throws -> (samples: [Float], report: RenderReport, dir: TempFolder) {
  var s = R.settings(bits: bits, rate: outRate)
  s.edits.fadeMS = fadeMS
  let r = try R.render(x, channels: 2, rate: rate, plan: R.plan(gainDB: gainDB), settings: s)
  return (r.samples, r.report, r.dir)
}

@Suite struct Format16EdgeFadeTests {
  @Test("At level: a 5 ms raised-cosine fade at each end; every other sample bit-identical to a render without fades, same frame count",
        arguments: [OutputBits.float32, .pcm24, .pcm16])
  func fadeIsSampleAccurate(bits: OutputBits) throws {
    let x = Signals.whiteNoise(amplitude: 0.5, seconds: 1, sampleRateHz: 48_000)
    // A gain: the 16- and 24-bit masters are dithered, the fades must not move the dither.
    let faded = try renderFaded(x, fadeMS: nil, bits: bits, gainDB: -1)
    let plain = try renderFaded(x, fadeMS: 0, bits: bits, gainDB: -1)
    defer { faded.dir.remove(); plain.dir.remove() }
    let n = 240 * 2  // 5 ms at 48 kHz, stereo
    #expect(faded.samples.count == plain.samples.count && faded.samples.count == x.count)
    #expect(Array(faded.samples[n..<(faded.samples.count - n)]) == Array(plain.samples[n..<(plain.samples.count - n)]))
    #expect(faded.report.stages.suffix(2) == ["fade-in", "fade-out"])
    #expect(!plain.report.stages.contains { $0.hasPrefix("fade") })
    // The first and last frames are silent (dither aside), the fades' middle is at half gain.
    let lsb: Float = bits == .pcm16 ? 2 / 32768 : 2 / 8_388_608
    #expect(faded.samples[0..<2].allSatisfy { abs($0) <= lsb } && faded.samples.suffix(2).allSatisfy { abs($0) <= lsb })
    let mid = 120 * 2
    #expect(abs(faded.samples[mid] - 0.5 * plain.samples[mid]) <= 2 * lsb)
    // The click check's condition holds no more.
    #expect(!DefectThresholds.standard.isClick(framePeak: max(abs(faded.samples[0]), abs(faded.samples[1]))))
  }

  @Test("Not at level (a track that starts and ends quietly): nothing is faded, the master is bit-identical")
  func quietEdgesUntouched() throws {
    let x = Signals.faded(Signals.whiteNoise(amplitude: 0.5, seconds: 1, sampleRateHz: 48_000), channels: 2, seconds: 0.05, sampleRateHz: 48_000)
    let a = try renderFaded(x, fadeMS: nil), b = try renderFaded(x, fadeMS: 0)
    defer { a.dir.remove(); b.dir.remove() }
    #expect(a.samples == b.samples && a.samples == x)
    #expect(a.report.stages.isEmpty)
  }

  @Test("Only the end at level: a fade-out only; the fade length follows fadeMS at the output rate (after resampling)")
  func lengthAndOneEnd() throws {
    // Silent start, loud end.
    var x = Signals.whiteNoise(amplitude: 0.5, seconds: 1, sampleRateHz: 44_100)
    for i in 0..<(4410 * 2) { x[i] = 0 }
    let a = try renderFaded(x, fadeMS: 20, rate: 44_100, outRate: 48_000)
    let b = try renderFaded(x, fadeMS: 0, rate: 44_100, outRate: 48_000)
    defer { a.dir.remove(); b.dir.remove() }
    #expect(a.report.stages.contains("fade-out") && !a.report.stages.contains("fade-in"))
    let n = 960 * 2  // 20 ms at 48 kHz
    let changed = zip(a.samples, b.samples).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
    #expect(a.samples.count == b.samples.count)
    #expect((changed.first ?? 0) >= a.samples.count - n && changed.count > n / 2)
  }

  @Test("Streaming in any block sizes gives the one-shot result; a track shorter than a fade is faded over its length")
  func streamingAndShortTracks() {
    let x = Signals.whiteNoise(amplitude: 0.5, seconds: 0.05, sampleRateHz: 48_000)  // 2400 frames
    func run(_ sizes: [Int], _ fadeFrames: Int, _ x: [Float]) -> [Float] {
      var f = EdgeFade(channels: 2, fadeFrames: fadeFrames)
      var out: [Float] = [], at = 0, k = 0
      while at < x.count {
        let n = min(sizes[k % sizes.count] * 2, x.count - at)
        out += f.process(Array(x[at..<(at + n)]))
        at += n
        k += 1
      }
      return out + f.finish()
    }
    let oneShot = run([100_000], 240, x)
    #expect(oneShot.count == x.count)
    for sizes in [[1], [7, 300], [239, 1, 2000], [241]] { #expect(run(sizes, 240, x) == oneShot, "\(sizes)") }
    let short = Array(x.prefix(100 * 2))
    let s = run([30], 240, short)
    #expect(s.count == short.count && s[0] == 0 && s[s.count - 1] == 0)
  }
}

@Suite struct Format16TrimTests {
  @Test("Trim: leading and trailing silence cut to the kept lengths; the music itself untouched; off by default")
  func trimKeepsStatedSilence() throws {
    let rate = 48_000
    let music = Signals.faded(Signals.whiteNoise(amplitude: 0.5, seconds: 1, sampleRateHz: rate), channels: 2, seconds: 0.01, sampleRateHz: rate)
    let x = [Float](repeating: 0, count: 2 * rate * 2) + music + [Float](repeating: 0, count: 3 * rate * 2)
    var s = R.settings()
    s.edits.trimStartMS = 500
    s.edits.trimEndMS = 1000
    let t = try R.render(x, channels: 2, rate: rate, plan: R.plan(), settings: s)
    let plain = try R.render(x, channels: 2, rate: rate, plan: R.plan(), settings: R.settings())
    defer { t.dir.remove(); plain.dir.remove() }
    #expect(plain.samples == x && !plain.report.stages.contains("trim"))
    #expect(t.report.stages.contains("trim"))
    // The music's first and last frames at or over −60 dBFS, then 0.5 s before and 1 s after them.
    let loud = music.indices.filter { abs(music[$0]) >= SampleStats.silenceLevel }
    let first = (loud.first ?? 0) / 2, last = (loud.last ?? 0) / 2
    let start = 2 * rate + first - rate / 2, end = 2 * rate + last + 1 + rate
    #expect(t.samples == Array(x[(start * 2)..<(end * 2)]))
    // Only the start: the end is kept whole.
    var startOnly = R.settings()
    startOnly.edits.trimStartMS = 0
    let u = try R.render(x, channels: 2, rate: rate, plan: R.plan(), settings: startOnly)
    defer { u.dir.remove() }
    #expect(u.samples == Array(x[((2 * rate + first) * 2)...]))
  }

  @Test("A silent track is not trimmed to nothing")
  func silentTrackKept() throws {
    let x = [Float](repeating: 0, count: 48_000 * 2)
    var s = R.settings()
    s.edits.trimStartMS = 0
    s.edits.trimEndMS = 0
    let t = try R.render(x, channels: 2, rate: 48_000, plan: R.plan(), settings: s)
    defer { t.dir.remove() }
    #expect(t.samples == x)
  }

  @Test("Edit values out of range: the flag is named with the accepted range")
  func flagRanges() {
    var e = EditSettings()
    e.fadeMS = 2000
    #expect(throws: InputError.self) { try e.validateFlags() }
    do { try e.validateFlags() } catch { #expect("\(error)".contains("--fade-ms") && "\(error)".contains("0 to 1000")) }
    e.fadeMS = 5
    e.trimEndMS = -1
    do { try e.validateFlags() } catch { #expect("\(error)".contains("--trim-end-ms")) }
  }
}
