import AlbumMaster
import AudioIO
import Foundation
import Testing
import TestSupport

/// The tag values' formats (ReplayGain 2.0 as rsgain writes it, RFC 7845's Q7.8) and `AudioTagger`'s rewrite.
@Suite struct Tags16Tests {
  @Test func replayGainAndR128Formats() {
    #expect(ReleaseTags.replayGainText(gainDB: -4.519) == "-4.52 dB")
    #expect(ReleaseTags.replayGainText(gainDB: 3.0) == "3.00 dB")
    #expect(ReleaseTags.replayGainText(gainDB: -0.001) == "0.00 dB")  // never "-0.00"
    #expect(ReleaseTags.replayGainPeakText(truePeakDBTP: -1) == "0.891251")
    // -18.48 LUFS is 4.52 dB over -23: -4.52 × 256 = -1157.12.
    #expect(ReleaseTags.r128Text(loudnessLUFS: -18.48) == "-1157")
    #expect(ReleaseTags.r128Text(loudnessLUFS: -300) == "32767")  // clamped to the 16-bit field
  }

  @Test func eachFormatGetsItsOwnLoudnessTags() {
    var release = ReleaseMetadata()
    release.title = "Night Drive"
    release.catalogEAN13 = "0012345678905"
    var track = TrackMetadata()
    track.isrc = "GBXYZ2600001"
    let l = ReleaseTags.Loudness(trackLUFS: -14, trackTruePeakDBTP: -1, albumLUFS: -13, albumTruePeakDBTP: -0.5)
    func tags(_ c: AudioContainer, _ e: SampleEncoding) -> AudioTags {
      ReleaseTags.tags(
        format: .init(container: c, encoding: e), loudness: l, analysis: nil, release: release, track: track, source: nil)
    }
    let flac = tags(.flac, .pcm24)
    #expect(flac.properties["REPLAYGAIN_TRACK_GAIN"] == ["-4.00 dB"])
    #expect(flac.properties["REPLAYGAIN_ALBUM_GAIN"] == ["-5.00 dB"])
    #expect(flac.properties["ISRC"] == ["GBXYZ2600001"] && flac.properties["BARCODE"] == ["0012345678905"])
    #expect(flac.properties["R128_TRACK_GAIN"] == nil && flac.managedKeys.contains("R128_TRACK_GAIN"))
    let opus = tags(.ogg, .opus)
    #expect(opus.properties["R128_TRACK_GAIN"] == ["-2304"] && opus.properties["R128_ALBUM_GAIN"] == ["-2560"])
    #expect(opus.properties.keys.allSatisfy { !$0.hasPrefix("REPLAYGAIN") })
    let wav = tags(.wav, .pcm24)
    #expect(wav.broadcast?.loudnessValue == -1400 && wav.broadcast?.maxTruePeakLevel == -100)
    #expect(wav.broadcast?.loudnessRange == BroadcastLoudness.unknown)  // not measured here
  }

  /// A tagged WAV keeps every sample (integer PCM copied as integers), gains its `bext` chunk, and a second
  /// `apply` with the same tags writes nothing.
  @Test func wavRewriteKeepsSamplesAndIsIdempotent() throws {
    let dir = TempFolder("tags16-wav")
    defer { dir.remove() }
    let path = dir.file("m.wav")
    let format = AudioFileFormat(container: .wav, encoding: .pcm24)
    try writeAudio(music(seed: 16, seconds: 2, rate: 44_100), channels: 2, sampleRateHz: 44_100, to: path, format: format)
    var before = try AudioFileReader(path: path)
    var tags = AudioTags()
    tags.properties = ["ISRC": ["GBXYZ2600001"], "TITLE": ["Intro"]]
    tags.managedKeys = ["ISRC", "TITLE", "COMMENT"]
    tags.broadcast = BroadcastLoudness(
      loudnessValue: -1400, loudnessRange: 520, maxTruePeakLevel: -100, maxMomentaryLoudness: -900, maxShortTermLoudness: -1100)
    let oldSamples = try Self.integers(&before)
    #expect(try AudioTagger.apply(tags, to: path, format: format))
    var after = try AudioFileReader(path: path)
    #expect(try Self.integers(&after) == oldSamples)
    #expect(after.broadcastLoudness() == tags.broadcast)
    #expect(try AudioTagger.properties(of: path, format: format)["ISRC"] == ["GBXYZ2600001"])
    let bytes = fileBytes(path)
    #expect(try !AudioTagger.apply(tags, to: path, format: format))
    #expect(fileBytes(path) == bytes)
    #expect(hiddenTempFiles(dir.path).isEmpty)
  }

  /// RF64 gets its `bext` chunk through libsndfile (TagLib reads no RF64 header), samples unchanged.
  @Test func rf64GetsItsBroadcastChunk() throws {
    let dir = TempFolder("tags16-rf64")
    defer { dir.remove() }
    let path = dir.file("m.wav")
    let format = AudioFileFormat(container: .rf64, encoding: .pcm16)
    try writeAudio(music(seed: 17, seconds: 1, rate: 48_000), channels: 2, sampleRateHz: 48_000, to: path, format: format)
    var before = try AudioFileReader(path: path)
    let oldSamples = try Self.integers(&before)
    var tags = AudioTags()
    tags.properties = ["ISRC": ["GBXYZ2600001"]]
    tags.broadcast = BroadcastLoudness(
      loudnessValue: -1600, loudnessRange: 300, maxTruePeakLevel: -120, maxMomentaryLoudness: -1000, maxShortTermLoudness: -1200)
    #expect(try AudioTagger.apply(tags, to: path, format: format))
    var after = try AudioFileReader(path: path)
    #expect(after.info.format == format)
    #expect(try Self.integers(&after) == oldSamples)
    #expect(after.broadcastLoudness() == tags.broadcast)
    #expect(try !AudioTagger.apply(tags, to: path, format: format))
    #expect(hiddenTempFiles(dir.path).isEmpty)
  }

  /// A file TagLib cannot parse is refused with its path, and left as it was.
  @Test func unparsableFileIsLeftAlone() throws {
    let dir = TempFolder("tags16-bad")
    defer { dir.remove() }
    let path = dir.file("bad.flac")
    try Data("not a flac file at all".utf8).write(to: URL(fileURLWithPath: path))
    var tags = AudioTags()
    tags.properties = ["ISRC": ["GBXYZ2600001"]]
    #expect(throws: AudioIOError.self) { try AudioTagger.apply(tags, to: path, format: .init(container: .flac, encoding: .pcm16)) }
    #expect(fileBytes(path) == Data("not a flac file at all".utf8))
    #expect(hiddenTempFiles(dir.path).isEmpty)
  }

  static func integers(_ r: inout AudioFileReader) throws -> [Int32] {
    var out: [Int32] = []
    var buf = [Int32](repeating: 0, count: 4096 * r.info.channels)
    while true {
      let n = try buf.withUnsafeMutableBufferPointer { try r.readIntegers(into: $0, maxFrames: 4096) }
      if n == 0 { return out }
      out += buf.prefix(n * r.info.channels)
    }
  }
}
