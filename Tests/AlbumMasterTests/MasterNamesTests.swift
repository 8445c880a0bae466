import AlbumMaster
import AudioIO
import Testing

/// Master file names must never meet: two sources mastered to one name lose a master.
@Suite struct MasterNamesTests {
  @Test("Master names are unique, also case-insensitively, deterministic, and unchanged for normal albums")
  func masterNames() {
    let wav = AudioFileFormat(container: .wav, encoding: .pcm24)
    let names = AlbumMasterer.masterNames(["a.WAV", "a.wav", "a.wav.flac", "a.wav.wav"], format: { _ in wav })
    #expect(names == ["a.WAV.wav", "a.wav-2.wav", "a.wav.flac.wav", "a.wav.wav.wav"])
    #expect(Set(names.map { $0.lowercased() }).count == 4)
    #expect(AlbumMasterer.masterNames(["01 x.wav", "02 y.aiff"], format: { _ in wav }) == ["01 x.wav", "02 y.wav"])
    #expect(AlbumMasterer.masterNames(["a.wav", "a.flac"], format: { _ in wav }) == ["a.wav.wav", "a.flac.wav"])
  }
}

