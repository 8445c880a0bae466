import AlbumMaster
import Analysis
import AudioIO
import Foundation
import QualityControl
import Testing
import TestSupport

/// The codec check at the platforms' settings: it agrees with ffmpeg's libmp3lame and libopus, and it flags the
/// planted codec-overshoot track.
@Suite("Codec16 codec check", .serialized)
struct Codec16CodecCheckTests {
  /// The planted track in its own album folder, and its file's true peak.
  static func planted() throws -> (dir: TempFolder, album: String, track: String) {
    let dir = TempFolder("codec16-planted")
    let album = dir.file("Album")
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    let track = (album as NSString).appendingPathComponent("01 overshoot.wav")
    try codec16PlantedTrack(to: track)
    return (dir, album, track)
  }

  /// ffmpeg's encode at `codecArgs`, decoded by ffmpeg, measured with the same meter as the check.
  static func ffmpegPeakDBTP(_ source: String, codecArgs: [String], ext: String, in dir: TempFolder) throws -> Double? {
    let encoded = dir.file("ffmpeg.\(ext)"), decoded = dir.file("ffmpeg-decoded.wav")
    try codec16FFmpeg(["-i", source] + codecArgs + [encoded])
    try codec16FFmpeg(["-i", encoded, "-c:a", "pcm_f32le", decoded])
    return try CodecSafety.decodedPeak(path: decoded).truePeakDBTP
  }

  @Test("The decoded true peak agrees with ffmpeg's libmp3lame 320k CBR and libopus 128k VBR within 0.5 dB")
  func agreesWithFFmpeg() throws {
    let (dir, _, track) = try Self.planted()
    defer { dir.remove() }
    let ours = CodecSafety.measure(path: track)
    let mp3 = try #require(ours.mp3DBTP), opus = try #require(ours.opusDBTP)
    let lame = try #require(try Self.ffmpegPeakDBTP(track, codecArgs: ["-c:a", "libmp3lame", "-b:a", "320k"], ext: "mp3", in: dir))
    let libopus = try #require(
      try Self.ffmpegPeakDBTP(track, codecArgs: ["-c:a", "libopus", "-b:a", "128k", "-vbr", "on"], ext: "opus", in: dir))
    #expect(abs(mp3 - lame) <= 0.5, "MP3: ours \(mp3), libmp3lame \(lame)")
    #expect(abs(opus - libopus) <= 0.5, "Opus: ours \(opus), libopus \(libopus)")
  }

  @Test(
    "A master above MP3's rates is checked as a platform delivers it: encoded at 44.1 kHz (88.2, 176.4) or 48 kHz (96, 192, 384)",
    arguments: [(88_200, 44_100), (96_000, 48_000), (176_400, 44_100), (192_000, 48_000), (384_000, 48_000)])
  func highRateMP3(rate: Int, encodeRate: Int) throws {
    #expect(LossyCodec.mp3.encodeRateHz(for: rate) == encodeRate)
    #expect(LossyCodec.opus.encodeRateHz(for: rate) == 48_000)
    #expect(LossyCodec.mp3.encodeRateHz(for: 44_100) == 44_100 && LossyCodec.vorbis.encodeRateHz(for: 96_000) == 96_000)
    let dir = TempFolder("codec16-rate")
    defer { dir.remove() }
    // A 997 Hz sine at -6 dBFS: lossy coding of a pure tone moves its peak by a few tenths of a dB at most.
    let x = Signals.sine(frequencyHz: 997, amplitude: 0.5, seconds: 2, sampleRateHz: rate)
    let track = try writeAudio(x, channels: 2, sampleRateHz: rate, to: dir.file("high.wav"))
    let peaks = CodecSafety.measure(path: track)
    #expect(peaks.mp3Error == nil && peaks.opusError == nil, "\(peaks.mp3Error ?? "") \(peaks.opusError ?? "")")
    let mp3 = try #require(peaks.mp3DBTP), opus = try #require(peaks.opusDBTP)
    #expect(abs(mp3 + 6.02) <= 0.5 && abs(opus + 6.02) <= 0.5, "MP3 \(mp3), Opus \(opus) dBTP")
  }

  @Test("The planted codec-overshoot track: within -1 dBTP as a file, over it after libopus 128k, and the check fails it")
  func plantedOvershootFails() async throws {
    let (dir, album, track) = try Self.planted()
    defer { dir.remove() }
    let file = try TrackAnalyzer.analyze(path: track, file: "01 overshoot.wav")
    let tp = try #require(file.loudness.truePeakDBTP)
    #expect(tp <= -1 && tp > -1.5, "the file's own true peak \(tp)")
    // The planted condition, by an independent decoder and meter: libopus at 128 kb/s decodes it over -1 dBTP.
    try codec16FFmpeg(["-i", track, "-c:a", "libopus", "-b:a", "128k", dir.file("ref.opus")])
    let independent = codec16TruePeak16x(try codec16FFmpegDecode(dir.file("ref.opus")), channels: 2)
    #expect(independent > -1, "libopus 128k decodes at \(independent) dBTP (16x)")
    let a = await AlbumAnalyzer.analyze(try Album.discover(album), jobs: 1)
    let qa = await AlbumChecker.check(
      tracks: a.tracks, folder: album, profile: a.profile, preset: DeliveryPreset.named("tidal"), codec: true, jobs: 1)
    let opus = try #require(qa.findings.first { $0.check == "codec-opus" })
    #expect(opus.status == .fail && opus.message.contains("goes over the limit"), "\(opus)")
    #expect(qa.findings.first { $0.check == "true-peak" }?.status == .pass)
    #expect(qa.verdict == .fail)
    #expect(hiddenTempFiles(album).isEmpty)
  }

  @Test("A pass row says the decode stays within the limit, never that it clips")
  func passRowsDoNotSayClips() async throws {
    let dir = TempFolder("codec16-pass")
    defer { dir.remove() }
    try DefectAlbum.write(to: dir.file("Album"), onlyClean: true)
    let a = await AlbumAnalyzer.analyze(try Album.discover(dir.file("Album")), jobs: 2)
    let qa = await AlbumChecker.check(
      tracks: a.tracks, folder: a.album.path, profile: a.profile, preset: DeliveryPreset.named("tidal"), codec: true, jobs: 2)
    let rows = qa.findings.filter { $0.check.hasPrefix("codec-") && $0.status == .pass }
    #expect(rows.count == 6)
    for r in rows { #expect(r.message.contains("stays within the limit") && !r.message.contains("clips"), "\(r.message)") }
  }

  @Test("The delivery table: MP3 320 kb/s CBR, Opus 128 kb/s VBR at 48 kHz, Vorbis q5, through libsndfile's levels")
  func deliveryTable() {
    #expect(LossyCodec.mp3.label() == "MP3 320 kb/s CBR" && LossyCodec.opus.label() == "Opus 128 kb/s VBR")
    #expect(LossyCodec.vorbis.label() == "Vorbis q5" && LossyCodec.opus.encodeRateHz(for: 44_100) == 48_000)
    // libsndfile 1.2: MP3 bitrate = Int(320 - level * 288); Opus = Int((1 - level) * 250000 + 6000) * channels.
    let mp3 = LossyCodec.mp3.compression(sampleRateHz: 44_100, channels: 2)
    #expect(mp3.constantBitrate && Int(320 - mp3.level * 288) == 320)
    let mp3at256 = LossyCodec.mp3.compression(LossySettings(bitrateKbps: 256), sampleRateHz: 44_100, channels: 2)
    #expect(Int(320 - mp3at256.level * 288) == 256)
    for channels in [1, 2] {
      let opus = LossyCodec.opus.compression(sampleRateHz: 48_000, channels: channels)
      #expect(!opus.constantBitrate && Int((1 - opus.level) * 250_000 + 6000) * channels == 128_000 / channels * channels)
    }
    #expect(abs(LossyCodec.vorbis.compression(sampleRateHz: 48_000, channels: 2).level - 0.5) < 1e-12)
  }

  @Test("The Opus round trip comes out near 128 kb/s for stereo (by file size)")
  func opusBitrate() throws {
    let (dir, _, track) = try Self.planted()
    defer { dir.remove() }
    let out = dir.file("check.opus")
    var reader = try AudioFileReader(path: track)
    let seconds = Double(reader.info.frames) / Double(reader.info.sampleRate)
    var writer = try AudioFileWriter(
      path: out, format: LossyCodec.opus.format, sampleRateHz: 48_000, channels: 2,
      compression: LossyCodec.opus.compression(sampleRateHz: 48_000, channels: 2))
    var block = [Float](repeating: 0, count: 8192 * 2)
    while true {
      let n = try block.withUnsafeMutableBufferPointer { try reader.read(into: $0, maxFrames: 8192) }
      if n == 0 { break }
      try writer.write(Array(block[0..<(n * 2)]))
    }
    try writer.finish()
    let kbps = Double((try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0) * 8 / seconds / 1000
    #expect(kbps > 100 && kbps < 160, "\(kbps) kb/s")
  }
}
