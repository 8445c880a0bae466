import AlbumMaster
import Foundation
import Testing
import TestSupport

@Suite struct AlbumNameTests {
  @Test("Album name from a path: a folder keeps its dots, a file loses its extension, also once gone")
  func names() throws {
    let root = TempFolder("album-name")
    defer { root.remove() }
    let folder = root.file("Live.2019")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let file = try writeAudio([0, 0], channels: 2, sampleRateHz: 48_000, to: root.file("Single.Take.wav"))
    #expect(Album.name(ofPath: folder) == "Live.2019")
    #expect(Album.name(ofPath: folder + "/") == "Live.2019")
    #expect(Album.name(ofPath: file) == "Single.Take")
    // What discover names the album is what the report command looks for.
    try writeAudio([0, 0], channels: 2, sampleRateHz: 48_000, to: (folder as NSString).appendingPathComponent("a.wav"))
    #expect(try Album.discover(folder).name == Album.name(ofPath: folder))
    #expect(try Album.discover(file).name == Album.name(ofPath: file))
    // Gone: an audio extension means it was a file; anything else, a folder.
    #expect(Album.name(ofPath: root.file("Gone.2020")) == "Gone.2020")
    #expect(Album.name(ofPath: root.file("gone.flac")) == "gone")
  }
}
