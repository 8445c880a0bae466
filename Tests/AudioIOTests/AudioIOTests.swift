import AudioIO
import Foundation
import Testing
import TestSupport

@Suite struct AudioIOTests {
  static let formats: [AudioFileFormat] = [
    .init(container: .wav, encoding: .pcm16), .init(container: .wav, encoding: .pcm24),
    .init(container: .wav, encoding: .float32), .init(container: .aiff, encoding: .pcm16),
    .init(container: .aiff, encoding: .pcm24), .init(container: .flac, encoding: .pcm16),
    .init(container: .flac, encoding: .pcm24), .init(container: .caf, encoding: .float32),
    .init(container: .w64, encoding: .pcm24), .init(container: .ogg, encoding: .vorbis),
    .init(container: .ogg, encoding: .opus), .init(container: .mp3, encoding: .mp3),
  ]

  @Test("Every format round-trips: rate, channels, length, tags and level", arguments: formats, [1, 2, 6])
  func roundTrip(format: AudioFileFormat, channels: Int) throws {
    // Opus and MP3 have fixed layouts and rates; keep to what they allow.
    if format.encoding == .mp3 && channels > 2 { return }
    let rate = 48_000
    let dir = TempFolder()
    defer { dir.remove() }
    let x = Signals.sine(frequencyHz: 440, amplitude: 0.5, seconds: 1, sampleRateHz: rate, channels: channels)
    let tags = AudioMetadata(title: "Tïtle \"1\"", artist: "Ärtist", album: "Album", trackNumber: "3", date: "2026")
    let path = try writeAudio(
      x, channels: channels, sampleRateHz: rate, to: dir.file("t.\(format.container.fileExtension)"), format: format,
      metadata: tags)
    var r = try AudioFileReader(path: path)
    #expect(r.info.sampleRate == rate)
    #expect(r.info.channels == channels)
    #expect(r.info.format.container == format.container)
    if !format.encoding.isLossy {
      #expect(r.info.format.encoding == format.encoding)
      #expect(r.info.frames == Int64(rate))
    }
    // libsndfile keeps tags in every container here except W64.
    if format.container != .w64 {
      #expect(r.info.metadata.title == tags.title)
      #expect(r.info.metadata.artist == tags.artist)
      // libsndfile's AIFF writer has chunks for title, artist and comments only.
      if format.container != .aiff {
        #expect(r.info.metadata.album == tags.album)
        #expect(r.info.metadata.date == tags.date)
      }
      // libsndfile writes a track number only where the container has a field for it.
      if [.flac, .ogg].contains(format.container) { #expect(r.info.metadata.trackNumber == tags.trackNumber) }
    }
    var peak: Float = 0
    var sumSquares = [Double](repeating: 0, count: channels)
    var total = 0
    let buf = UnsafeMutableBufferPointer<Float>.allocate(capacity: 1000 * channels)
    defer { buf.deallocate() }
    while true {
      let n = try r.read(into: buf, maxFrames: 1000)
      if n == 0 { break }
      total += n
      for i in 0..<(n * channels) {
        peak = max(peak, abs(buf[i]))
        sumSquares[i % channels] += Double(buf[i] * buf[i])
      }
    }
    if format.encoding.isLossy {
      // Lossy codecs ring at the abrupt onset, so compare power: a 0.5 sine has RMS 0.5/√2 (−9.03 dBFS).
      // In 5.1 the codecs band-limit the LFE channel, which removes a 440 Hz tone from it: allow that one.
      let off = sumSquares.filter { abs(10 * log10($0 / Double(total)) - 20 * log10(0.5 / 2.0.squareRoot())) > 0.5 }
      #expect(off.count <= (channels == 6 ? 1 : 0), "channels off level: \(off.count)")
    } else {
      #expect(abs(peak - 0.5) <= 1e-4)  // exact to the quantization step
    }
    #expect(format.encoding.isLossy ? abs(total - rate) <= rate / 10 : total == rate)
  }

  @Test("Integer formats clip out-of-range samples instead of wrapping them")
  func clipsInsteadOfWrapping() throws {
    let dir = TempFolder()
    defer { dir.remove() }
    let path = try writeAudio(
      [1.5, -1.5, 0.25, -0.25], channels: 2, sampleRateHz: 48_000, to: dir.file("c.wav"),
      format: .init(container: .wav, encoding: .pcm16))
    var r = try AudioFileReader(path: path)
    let buf = UnsafeMutableBufferPointer<Float>.allocate(capacity: 4)
    defer { buf.deallocate() }
    #expect(try r.read(into: buf, maxFrames: 2) == 2)
    #expect(buf[0] > 0.999 && buf[1] < -0.999 && abs(buf[2] - 0.25) < 1e-4)
  }

  @Test("An impossible format is a clear error, and leaves no file behind")
  func impossibleFormat() throws {
    let dir = TempFolder()
    defer { dir.remove() }
    #expect(throws: AudioIOError.self) {
      _ = try AudioFileWriter(
        path: dir.file("x.flac"), format: .init(container: .flac, encoding: .float32), sampleRateHz: 48_000, channels: 2)
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
  }

  @Test("A master larger than the writeback step (8 MB) reads back sample for sample", arguments: [
    AudioFileFormat(container: .wav, encoding: .float32), AudioFileFormat(container: .wav, encoding: .pcm24),
  ])
  func largeWrite(format: AudioFileFormat) throws {
    let dir = TempFolder()
    defer { dir.remove() }
    // 25 s of stereo at 48 kHz: 9.6 MB in float, 7.2 MB in 24-bit; written in uneven blocks.
    let rate = 48_000, frames = 25 * rate
    let x = Signals.sine(frequencyHz: 997, amplitude: 0.5, seconds: 25, sampleRateHz: rate, channels: 2)
    var w = try AudioFileWriter(path: dir.file("big.wav"), format: format, sampleRateHz: rate, channels: 2)
    var offset = 0
    while offset < frames {
      let n = min(frames - offset, 12_345)
      try x.withUnsafeBufferPointer { (p) throws(AudioIOError) in
        try w.write(UnsafeBufferPointer(rebasing: p[(offset * 2)..<((offset + n) * 2)]), frames: n)
      }
      offset += n
    }
    try w.finish()
    var r = try AudioFileReader(path: dir.file("big.wav"))
    #expect(r.info.frames == Int64(frames))
    let buf = UnsafeMutableBufferPointer<Float>.allocate(capacity: 4096 * 2)
    defer { buf.deallocate() }
    var read = 0, worst: Float = 0
    while true {
      let n = try r.read(into: buf, maxFrames: 4096)
      if n == 0 { break }
      for i in 0..<(n * 2) { worst = max(worst, abs(buf[i] - x[read * 2 + i])) }
      read += n
    }
    #expect(read == frames)
    // Float is exact. 24-bit is within a step (2⁻²³): libsndfile scales by 2²³ − 1, not 2²³, before rounding.
    #expect(worst <= (format.encoding == .float32 ? 0 : 1.5 / Float(1 << 23)), "worst error \(worst)")
  }

  @Test("A writer dropped before finish() leaves nothing under any name")
  func abandonedWrite() throws {
    let dir = TempFolder()
    defer { dir.remove() }
    do {
      var w = try AudioFileWriter(
        path: dir.file("x.wav"), format: .init(container: .wav, encoding: .pcm24), sampleRateHz: 48_000, channels: 2)
      try w.write([Float](repeating: 0.1, count: 2000))
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
  }
}

@Suite struct BadInputTests {
  /// Opens and reads a file to the end, returning the error if any.
  static func readAll(_ path: String) -> AudioIOError? {
    do {
      var r = try AudioFileReader(path: path)
      let buf = UnsafeMutableBufferPointer<Float>.allocate(capacity: 4096 * r.info.channels)
      defer { buf.deallocate() }
      while try r.read(into: buf, maxFrames: 4096) > 0 {}
      return nil
    } catch {
      return error
    }
  }

  static func goodFile(_ dir: TempFolder, _ name: String, format: AudioFileFormat) throws -> String {
    let x = Signals.sine(frequencyHz: 440, amplitude: 0.5, seconds: 2, sampleRateHz: 48_000)
    return try writeAudio(x, channels: 2, sampleRateHz: 48_000, to: dir.file(name), format: format)
  }

  @Test("Text with an audio extension is not a supported audio file")
  func notAudio() throws {
    let dir = TempFolder()
    defer { dir.remove() }
    let path = dir.file("notes.wav")
    try "just some text, not audio\n".write(toFile: path, atomically: true, encoding: .utf8)
    let e = try #require(Self.readAll(path))
    guard case .unsupportedFormat(let p, _) = e else { Issue.record("got \(e)"); return }
    #expect(p == path)
    #expect(e.description.hasPrefix(path) && !e.description.contains("\n"))
  }

  @Test("A truncated WAV, AIFF or FLAC is a read error, not a shorter song", arguments: ["wav", "aiff", "flac"])
  func truncated(ext: String) throws {
    let dir = TempFolder()
    defer { dir.remove() }
    let container: AudioContainer = ext == "wav" ? .wav : ext == "aiff" ? .aiff : .flac
    let path = try Self.goodFile(dir, "full.\(ext)", format: .init(container: container, encoding: .pcm24))
    let bytes = fileBytes(path)
    let cut = dir.file("cut.\(ext)")
    try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
    let e = try #require(Self.readAll(cut))
    guard case .readFailed = e else { Issue.record("got \(e)"); return }
    // WAV/AIFF: the header promises more than the file holds. FLAC: the decoder loses sync mid-stream.
    #expect(e.description.contains(ext == "flac" ? "flac decoder" : "truncated"), "\(e)")
  }

  @Test("A streaming WAV whose size fields are the 0xFFFFFFFF placeholder still reads in full")
  func streamingPlaceholderSize() throws {
    let dir = TempFolder()
    defer { dir.remove() }
    let path = try Self.goodFile(dir, "s.wav", format: .init(container: .wav, encoding: .pcm16))
    var bytes = [UInt8](fileBytes(path))
    // Canonical 44-byte header: RIFF size at 4, data size at 40.
    #expect(String(decoding: bytes[36..<40], as: UTF8.self) == "data")
    for i in 40..<44 { bytes[i] = 0xFF }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    #expect(Self.readAll(path) == nil)
  }

  @Test("A header with zero frames is an empty file; so is a zero-byte file")
  func empty() throws {
    let dir = TempFolder()
    defer { dir.remove() }
    let zeroFrames = try writeAudio([], channels: 2, sampleRateHz: 48_000, to: dir.file("zero.wav"))
    #expect(Self.readAll(zeroFrames) == .empty(path: zeroFrames))
    let zeroBytes = dir.file("nothing.flac")
    #expect(FileManager.default.createFile(atPath: zeroBytes, contents: Data()))
    #expect(Self.readAll(zeroBytes) == .empty(path: zeroBytes))
  }

  @Test("A missing file and a folder are open failures that name the path")
  func missingAndFolder() throws {
    let dir = TempFolder()
    defer { dir.remove() }
    let missing = dir.file("missing.wav")
    guard case .openFailed(let p, let reason)? = Self.readAll(missing) else { Issue.record("no error"); return }
    #expect(p == missing && reason.contains("No such file"))
    let folder = dir.file("folder.wav")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    guard case .openFailed? = Self.readAll(folder) else { Issue.record("folder opened"); return }
  }

  @Test("Opening never modifies the file")
  func readOnly() throws {
    let dir = TempFolder()
    defer { dir.remove() }
    let path = try Self.goodFile(dir, "a.flac", format: .init(container: .flac, encoding: .pcm16))
    let before = fileBytes(path)
    let mtime = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
    #expect(Self.readAll(path) == nil)
    #expect(fileBytes(path) == before)
    #expect(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date == mtime)
  }
}
