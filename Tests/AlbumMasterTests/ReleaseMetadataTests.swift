import AlbumMaster
import Testing

@Suite struct ReleaseMetadataTests {
  @Test("album.yaml: release section, per-track identity and the CD output")
  func parse() throws {
    let c = try AlbumConfig.parse(
      """
      release:
        title: Night Drive
        artist: The Examples
        upc: "012345678905"
        credits: [Mastered by A. Engineer, Cut by B.]
        cdGapSeconds: 1.5
      tracks:
        "01 Intro.wav": { title: Intro, artist: Guest, isrc: gb-xyz-26-00001, cdGapSeconds: 0 }
      outputs:
        - { format: mp3 }
        - { cd: true }
      """, path: "album.yaml")
    #expect(c.release.title == "Night Drive" && c.release.artist == "The Examples")
    #expect(c.release.catalogEAN13 == "0012345678905")
    #expect(c.release.credits == ["Mastered by A. Engineer", "Cut by B."] && c.release.cdGapSeconds == 1.5)
    let m = try #require(c.tracks["01 Intro.wav"]?.metadata)
    #expect(m.title == "Intro" && m.artist == "Guest" && m.isrc == "GBXYZ2600001" && m.cdGapSeconds == 0)
    #expect(c.cd && c.outputs.map(\.name) == ["mp3"])
    let plain = try AlbumConfig.parse("loudness: album", path: "album.yaml")
    #expect(plain.release.cdGapSeconds == ReleaseMetadata.defaultCDGapSeconds && !plain.cd)
  }

  @Test(
    "bad identifiers and text are one line naming the key",
    arguments: [
      ("tracks:\n  \"a.wav\": { isrc: GB-XYZ-26-0001 }", "tracks.a.wav.isrc: expected an ISRC"),
      ("tracks:\n  \"a.wav\": { isrc: 12XYZ2600001 }", "tracks.a.wav.isrc: expected an ISRC"),
      ("release: { upc: \"012345678901\" }", "release.upc: expected a UPC-A"),
      ("release: { upc: 12345 }", "release.upc: expected a UPC-A"),
      ("release: { title: \"say \\\"hi\\\"\" }", "release.title: double quotes are not allowed"),
      ("release: { artist: \"\(String(repeating: "x", count: 81))\" }", "release.artist: 81 characters; at most 80"),
      ("release: { cdGapSeconds: 11 }", "release.cdGapSeconds: expected a number from 0 to 10"),
      ("release: { label: x }", "release.label: unknown setting"),
      ("release: [a]", "release: expected title, artist"),
      ("outputs:\n  - { cd: maybe }", "outputs[0].cd: expected on/off"),
    ])
  func refused(yaml: String, message: String) {
    #expect(throws: AlbumConfig.ConfigError.self) { try AlbumConfig.parse(yaml, path: "album.yaml") }
    do {
      _ = try AlbumConfig.parse(yaml, path: "album.yaml")
    } catch {
      #expect(error.description.contains(message), "\(error.description)")
    }
  }

  @Test("EAN-13 check digits: valid codes pass, one changed digit fails")
  func checkDigits() {
    #expect(ReleaseIdentifiers.ean13("4006381333931") == "4006381333931")
    #expect(ReleaseIdentifiers.ean13("4006381333932") == nil)
    #expect(ReleaseIdentifiers.ean13("036000291452") == "0036000291452")
    #expect(ReleaseIdentifiers.isrc("USRC17607839") == "USRC17607839")
  }
}
