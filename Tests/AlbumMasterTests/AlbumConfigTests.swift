import AlbumMaster
import Matching
import Rendering
import Testing

@Suite struct AlbumConfigTests {
  @Test("album.yaml: every key, YAML 1.1 booleans (eq: off), per-track overrides and delivery variants")
  func parse() throws {
    let c = try AlbumConfig.parse(
      """
      preset: spotify
      loudness: track
      targetLUFS: -16
      eqAmount: 0.5
      limiter: on
      tracks:
        "05 Interlude.wav": { loudness: keep, eq: off }
        "07 Outro.wav":
          gainDB: -2
        "99 Take.wav": { exclude: yes }
      outputs:
        - { format: flac, bits: 16, sampleRate: 44100 }
        - format: mp3
      """, path: "album.yaml")
    #expect(c.preset == "spotify" && c.matching.loudness == .track && c.matching.targetLUFS == -16)
    #expect(c.matching.eqAmount == 0.5 && c.matching.limiter == true)
    #expect(c.tracks["05 Interlude.wav"]?.eq == false && c.tracks["05 Interlude.wav"]?.keepLoudness == true)
    #expect(c.tracks["07 Outro.wav"]?.gainDB == -2 && c.tracks["99 Take.wav"]?.exclude == true)
    #expect(c.outputs.map(\.name) == ["flac-16-44100", "mp3"])
    var o = MatchingOptions()
    o = c.apply(to: o)
    #expect(o.loudness == .track && o.targetLUFS == -16 && o.eqAmount == 0.5)
  }

  @Test("Invalid config names the file, the line and the key", arguments: [
    ("loudness: album\neqAmount: lots\n", 2, "eqAmount"),
    ("targetLUFS: -14\nloudnes: track\n", 2, "loudnes"),
    ("tracks:\n  a.wav:\n    eq: maybe\n", 3, "tracks.a.wav.eq"),
    ("outputs:\n  - format: wma\n", 2, "outputs[0].format"),
    ("eqAmount: 3\n", 1, "eqAmount"),
  ])
  func invalid(c: (yaml: String, line: Int, key: String)) {
    do {
      _ = try AlbumConfig.parse(c.yaml, path: "Albums/X/album.yaml")
      Issue.record("accepted \(c.yaml)")
    } catch {
      #expect(error.line == c.line && error.key == c.key, "\(error)")
      #expect(error.description.hasPrefix("Albums/X/album.yaml:\(c.line): \(c.key): "))
    }
  }

  @Test("A tracks: entry that names no track of the album is an error at its line, not ignored")
  func unknownTrackName() throws {
    let c = try AlbumConfig.parse(
      """
      targetLUFS: -16
      tracks:
        "01 Intro.wav": { eq: off }
        "02 Sogn.wav": { exclude: yes }
      """, path: "A/album.yaml")
    #expect(throws: Never.self) { try c.checkTracks(["01 Intro.wav", "02 Sogn.wav", "03 End.wav"]) }
    do {
      try c.checkTracks(["01 Intro.wav", "02 Song.wav"])
      Issue.record("a misspelt track name was accepted")
    } catch {
      #expect(error.description == "A/album.yaml:4: tracks.02 Sogn.wav: no track of this album has that file name (names are matched exactly, with their extension)")
    }
  }
}
