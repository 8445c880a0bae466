import AudioIO
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// Faithful reading: a file is read whole or refused with its reason, never half-read in silence.
@Suite struct ReadingTests {
  static func write(_ dir: TempFolder, _ name: String, _ format: AudioFileFormat, seconds: Double = 2) throws -> String {
    let x = Signals.sine(frequencyHz: 440, amplitude: 0.5, seconds: seconds, sampleRateHz: 48_000)
    return try writeAudio(x, channels: 2, sampleRateHz: 48_000, to: dir.file(name), format: format)
  }

  /// Opens and reads to the end; the error, or `nil` with the frames read.
  static func readAll(_ path: String) -> Result<Int64, AudioIOError> {
    do {
      var r = try AudioFileReader(path: path)
      let buf = UnsafeMutableBufferPointer<Float>.allocate(capacity: 4096 * r.info.channels)
      defer { buf.deallocate() }
      while try r.read(into: buf, maxFrames: 4096) > 0 {}
      return .success(r.framesRead)
    } catch {
      return .failure(error)
    }
  }

  @Test("A chained Ogg (two logical streams back to back) is refused, not half-read", arguments: [SampleEncoding.vorbis, .opus])
  func chainedOgg(encoding: SampleEncoding) throws {
    let dir = TempFolder()
    defer { dir.remove() }
    let a = try Self.write(dir, "a.ogg", .init(container: .ogg, encoding: encoding), seconds: 1)
    let b = try Self.write(dir, "b.ogg", .init(container: .ogg, encoding: encoding), seconds: 1)
    #expect(throws: Never.self) { try Self.readAll(a).get() }
    let chained = dir.file("c.ogg")
    try (fileBytes(a) + fileBytes(b)).write(to: URL(fileURLWithPath: chained))
    let before = fileBytes(chained)
    #expect(Self.readAll(chained) == .failure(.unsupportedFormat(
      path: chained, reason: "chained Ogg (2 logical streams): not supported; split or re-encode it")))
    #expect(AudioIOError.unsupportedFormat(path: chained, reason: "chained Ogg (2 logical streams): not supported; split or re-encode it").description
      == "\(chained): not a supported audio file: chained Ogg (2 logical streams): not supported; split or re-encode it")
    // Three streams are counted as three.
    let three = dir.file("three.ogg")
    try (fileBytes(a) + fileBytes(b) + fileBytes(a)).write(to: URL(fileURLWithPath: three))
    guard case .failure(let e) = Self.readAll(three) else { Issue.record("three streams read"); return }
    #expect(e.reason.contains("chained Ogg (3 logical streams)"), "\(e)")
    #expect(fileBytes(chained) == before)
  }

  @Test("A cut W64, RF64, AIFF or WAV is a truncated file, with libsndfile's line", arguments: [
    (AudioContainer.w64, "riff : "), (.rf64, "Riff size : "), (.aiff, "SSND : "), (.wav, "data : "),
  ])
  func cut(container: AudioContainer, logLine: String) throws {
    let dir = TempFolder()
    defer { dir.remove() }
    let full = try Self.write(dir, "full.\(container.fileExtension)", .init(container: container, encoding: .pcm24))
    #expect(Self.readAll(full) == .success(96_000))
    let bytes = fileBytes(full)
    let cut = dir.file("cut.\(container.fileExtension)")
    try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
    guard case .failure(let e) = Self.readAll(cut), case .readFailed(let p, let reason) = e else {
      Issue.record("a cut \(container) passed"); return
    }
    #expect(p == cut)
    #expect(reason.hasPrefix("truncated file (\(logLine)"), "\(reason)")
    #expect(e.description.hasPrefix("\(cut): read error: truncated file ("), "\(e)")
    // Bytes after the sound data (a trailing chunk the reader skips) are not truncation. (libsndfile reads a
    // W64's trailing bytes as samples: a W64 is sized by its riff length, not checked here.)
    guard container != .w64 else { return }
    let padded = dir.file("padded.\(container.fileExtension)")
    try (bytes + Data(repeating: 0, count: 1000)).write(to: URL(fileURLWithPath: padded))
    #expect(Self.readAll(padded) == .success(96_000))
  }

  @Test("An AIFF whose COMM chunk claims 4e9 frames is refused as truncated")
  func aiffFrameClaim() throws {
    let dir = TempFolder()
    defer { dir.remove() }
    let path = try Self.write(dir, "claim.aiff", .init(container: .aiff, encoding: .pcm16), seconds: 0.5)
    var bytes = [UInt8](fileBytes(path))
    let comm = try #require((0..<(bytes.count - 4)).first { bytes[$0..<($0 + 4)] == [0x43, 0x4F, 0x4D, 0x4D][...] })
    // COMM: id, size (4), channels (2), then numSampleFrames, big-endian.
    let frames: UInt32 = 4_000_000_000
    for i in 0..<4 { bytes[comm + 10 + i] = UInt8(truncatingIfNeeded: frames >> (24 - 8 * i)) }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    #expect(Self.readAll(path) == .failure(.readFailed(
      path: path, reason: "truncated file (COMM chunk declares 4000000000 frames, the sound data holds 24000)")))
  }

  @Test("Temp names stay within 255 bytes for a 250-byte final name, and stale ones are still recognised")
  func tempNameLength() throws {
    let dir = TempFolder()
    defer { dir.remove() }
    // 123 two-byte characters and ".wav": 250 bytes, a legal name.
    let name = String(repeating: "é", count: 123) + ".wav"
    #expect(name.utf8.count == 250)
    let final = dir.file(name)
    let temp = TemporaryFiles.make(for: final)
    TemporaryFiles.done(temp)
    let tempName = (temp as NSString).lastPathComponent
    #expect(tempName.utf8.count <= 255, "\(tempName.utf8.count)")
    #expect(tempName.hasPrefix(".éé") && tempName.hasSuffix(".tmp"))
    #expect(String(validating: tempName.utf8, as: UTF8.self) != nil)  // cut at a character, not inside one
    // Two long names with the same first bytes get different temp stems.
    let other = TemporaryFiles.make(for: dir.file(String(repeating: "é", count: 123) + ".aif"))
    TemporaryFiles.done(other)
    func stem(_ p: String) -> String {
      (p as NSString).lastPathComponent.split(separator: ".", omittingEmptySubsequences: false).dropLast(3).joined(separator: ".")
    }
    #expect(stem(temp) != stem(other))
    #expect(stem(temp).contains("~"))

    // The writer gets the whole way to the final name, and leaves no temp file.
    try writeAudio([0, 0, 0.5, 0.5], channels: 2, sampleRateHz: 48_000, to: final)
    #expect(Self.readAll(final) == .success(2))
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [name])

    // A shortened temp name left by a dead writer is removed by removeStale.
    let dead = Process()
    dead.executableURL = URL(fileURLWithPath: "/bin/true")
    try dead.run()
    dead.waitUntilExit()
    let parts = tempName.split(separator: ".", omittingEmptySubsequences: false)
    let staleName = (parts.dropLast(3) + ["\(dead.processIdentifier)", "7", "tmp"]).joined(separator: ".")
    #expect(staleName.utf8.count <= 255)
    #expect(FileManager.default.createFile(atPath: dir.file(staleName), contents: Data([1])))
    #expect(TemporaryFiles.removeStale(in: dir.path) == [dir.file(staleName)])
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [name])
  }

  @Test("Short names keep the plain temp pattern")
  func tempNameShort() {
    let temp = TemporaryFiles.make(for: "/x/Song.wav")
    TemporaryFiles.done(temp)
    #expect(temp.hasPrefix("/x/.Song.wav.\(getpid()).") && temp.hasSuffix(".tmp"))
  }

  @Test("What the encoders accept: one rule for the writer and the config check", arguments: [
    (AudioFileFormat(container: .ogg, encoding: .opus), 44_100, 2, "Opus takes 8, 12, 16, 24 or 48 kHz, not 44100 Hz"),
    (.init(container: .ogg, encoding: .opus), 48_000, 2, nil),
    (.init(container: .mp3, encoding: .mp3), 96_000, 2, "MP3 takes 8, 11.025, 12, 16, 22.05, 24, 32, 44.1 or 48 kHz, not 96000 Hz"),
    (.init(container: .mp3, encoding: .mp3), 44_100, 6, "MP3 takes 1 or 2 channels, not 6"),
    (.init(container: .mp3, encoding: .mp3), 44_100, 2, nil),
    (.init(container: .ogg, encoding: .vorbis), 384_000, 2, "Vorbis takes up to 192 kHz, not 384000 Hz"),
    (.init(container: .flac, encoding: .float32), 48_000, 2, "FLAC holds integers only (16 or 24 bits), not float"),
    (.init(container: .flac, encoding: .pcm24), 384_000, 8, nil),
  ] as [(AudioFileFormat, Int, Int, String?)])
  func encoderRule(format: AudioFileFormat, rate: Int, channels: Int, problem: String?) throws {
    #expect(format.writeProblem(sampleRateHz: rate, channels: channels) == problem)
    guard let problem else { return }
    let dir = TempFolder()
    defer { dir.remove() }
    let path = dir.file("x.\(format.container.fileExtension)")
    #expect(throws: AudioIOError.writeFailed(path: path, reason: problem)) {
      _ = try AudioFileWriter(path: path, format: format, sampleRateHz: rate, channels: channels)
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
  }

  @Test("Names are escaped for one-line messages; ordinary names stay verbatim")
  func escaping() {
    #expect("a\nb.wav".escapedForTerminal == "a\\nb.wav")
    #expect("tab\there\r.wav".escapedForTerminal == "tab\\there\\r.wav")
    #expect("\u{1B}[31mred.wav".escapedForTerminal == "\\u{1B}[31mred.wav")
    #expect("line\u{2028}sep\u{85}.wav".escapedForTerminal == "line\\u{2028}sep\\u{85}.wav")
    for plain in ["Sigur Rós – \"Ágætis byrjun\" 'live'.wav", "01 Song (mix) & more.flac", "C:\\odd\\name.wav", "曲 🎵.ogg"] {
      #expect(plain.escapedForTerminal == plain)
    }
    #expect("a\nb".escapedForTerminal.escapedForTerminal == "a\\nb")
    #expect(String.displayName(bytes: Array("caf".utf8) + [0xE9] + Array(".wav".utf8)) == "caf\\xE9.wav")
    #expect(String.displayName(bytes: [0xFF, 0x0A, 0xC3, 0xA9]) == "\\xFF\\né")
    let e = AudioIOError.readFailed(path: "Album/bad\nname.wav", reason: "x")
    #expect(e.description == "Album/bad\\nname.wav: read error: x")
  }

  @Test("A folder listing sees names that are not UTF-8, with their bytes")
  func listingBytes() throws {
    let dir = TempFolder()
    defer { dir.remove() }
    let raw = Array(dir.path.utf8) + Array("/caf".utf8) + [0xE9] + Array(".wav".utf8)
    let fd = (raw + [0]).withUnsafeBufferPointer { p in
      p.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644) }
    }
    #expect(fd >= 0)
    close(fd)
    defer { _ = (raw + [0]).withUnsafeBufferPointer { p in p.withMemoryRebound(to: CChar.self) { unlink($0.baseAddress!) } } }
    let entries = try DirectoryEntry.list(dir.path).get()
    #expect(entries.count == 1)
    #expect(entries.first?.name == nil)
    #expect(entries.first?.displayName == "caf\\xE9.wav")
  }
}
