import AlbumMaster
import Foundation
import Testing
import TestSupport

/// The pipeline in-process: request resolution, the stages' outputs, events and statuses, without the binary.
@Suite(.serialized) struct PipelineTests {
  /// A small album: three 4-second tracks at different loudness.
  func album(_ folder: TempFolder, name: String = "Album", yaml: String? = nil) throws -> String {
    let path = folder.file(name)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    for (i, gain) in [-10.0, -16.0, -22.0].enumerated() {
      try writeAudio(
        music(seed: UInt64(i + 1), seconds: 4, gainDB: gain), channels: 2, sampleRateHz: 48_000,
        to: (path as NSString).appendingPathComponent("0\(i + 1) track.wav"))
    }
    if let yaml { try yaml.write(toFile: (path as NSString).appendingPathComponent("album.yaml"), atomically: true, encoding: .utf8) }
    return path
  }

  /// Two albums named `Same` in two folders.
  func sameNamedAlbums() throws -> (String, String) {
    (try album(TempFolder("pipeline-a"), name: "Same"), try album(TempFolder("pipeline-b"), name: "Same"))
  }

  /// Events collected from a run.
  final class Events: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [RunEvent] = []
    func add(_ e: RunEvent) { lock.withLock { list.append(e) } }
    var all: [RunEvent] { lock.withLock { list } }
  }

  @Test func precedenceIsDefaultsPresetYamlFlags() throws {
    let spotify = try #require(DeliveryPreset.named("ebu-r128"))
    let config = try AlbumConfig.parse("targetLUFS: -20\neqAmount: 0.5\n", path: "album.yaml")
    var flags = MatchingOverrides()
    flags.eqAmount = 0.25
    let o = MatchingOptions.resolved(preset: spotify, config: config, flags: flags)
    #expect(o.targetLUFS == -20)  // album.yaml over the preset's -23
    #expect(o.ceilingDBTP == spotify.ceilingDBTP)  // the preset's, nothing above it
    #expect(o.eqAmount == 0.25)  // the flag over album.yaml
    #expect(o.maxEQDB == MatchingOptions().maxEQDB)  // the default
  }

  @Test func aPresetSetsTheTargetAndCeilingAndAlbumYamlExcludes() async throws {
    let tmp = TempFolder("pipeline")
    defer { tmp.remove() }
    let path = try album(tmp, yaml: "tracks:\n  \"03 track.wav\": { exclude: yes }\n")
    let before = snapshot(path)
    var request = MasterRequest(albums: [path])
    request.reportsFolder = tmp.file("Reports")
    request.presetName = "apple-music"
    request.matching.loudness = .track  // every track to the preset's target
    let events = Events()
    let outcome = try await AlbumBatch.master(request, onEvent: events.add)
    let run = try #require(outcome.albums.first?.outcome)
    #expect(run.plan.options.targetLUFS == -16)
    #expect(run.plan.options.ceilingDBTP == -1)
    #expect(run.plan.tracks.map(\.file) == ["01 track.wav", "02 track.wav"])
    #expect(run.masters.allSatisfy { $0.verdict == .ok })
    for m in run.masters {
      let lufs = try #require(m.analysis?.loudness.integratedLUFS)
      #expect(abs(lufs - -16) <= AlbumMasterer.toleranceLU)
    }
    #expect(run.qa?.preset == "apple-music")
    #expect(outcome.status == .ok)
    #expect(events.all.contains { if case .configUsed = $0 { true } else { false } })
    #expect(snapshot(path) == before)
  }

  @Test func planOnlyWritesThePlanAndNoMasters() async throws {
    let tmp = TempFolder("pipeline")
    defer { tmp.remove() }
    var request = MasterRequest(albums: [try album(tmp)])
    request.reportsFolder = tmp.file("Reports")
    request.planOnly = true
    let outcome = try await AlbumBatch.master(request)
    let run = try #require(outcome.albums.first?.outcome)
    #expect(run.masters.isEmpty)
    #expect(run.plan.tracks.count == 3)
    #expect(FileManager.default.fileExists(atPath: tmp.file("Reports/Album/plan.json")))
    #expect(!FileManager.default.fileExists(atPath: tmp.file("Reports/Album/masters")))
  }

  @Test func renderingTheSavedPlanGivesTheSameMasters() async throws {
    let tmp = TempFolder("pipeline")
    defer { tmp.remove() }
    let path = try album(tmp)
    var request = MasterRequest(albums: [path])
    request.reportsFolder = tmp.file("A")
    let mastered = try await AlbumBatch.master(request)
    var render = MasterRequest(albums: [path])
    render.reportsFolder = tmp.file("B")
    render.planPath = tmp.file("A/Album/plan.json")
    let rendered = try await AlbumBatch.master(render)
    #expect(mastered.status == .ok && rendered.status == .ok)
    for f in ["01 track.wav", "02 track.wav", "03 track.wav"] {
      let a = fileBytes(tmp.file("A/Album/masters/\(f)")), b = fileBytes(tmp.file("B/Album/masters/\(f)"))
      #expect(!a.isEmpty && a == b, "\(f)")
    }
  }

  @Test func anUnknownPresetIsRefusedBeforeAnythingIsWritten() async throws {
    let tmp = TempFolder("pipeline")
    defer { tmp.remove() }
    var request = MasterRequest(albums: [try album(tmp)])
    request.reportsFolder = tmp.file("Reports")
    request.presetName = "spotfy"
    await #expect(throws: RunError.self) { try await AlbumBatch.master(request) }
    #expect(!FileManager.default.fileExists(atPath: tmp.file("Reports")))
  }

  @Test func outOfRangeValuesAreRefused() async throws {
    var request = MasterRequest(albums: ["/nonexistent"])
    request.matching.targetLUFS = 14
    do {
      _ = try await AlbumBatch.master(request)
      Issue.record("a +14 LUFS target was accepted")
    } catch {
      #expect(error.description.contains("--target-lufs"))
    }
  }

  @Test func twoAlbumsWithOneNameDoNotShareAReport() async throws {
    let tmp = TempFolder("pipeline")
    defer { tmp.remove() }
    let (a, b) = try sameNamedAlbums()
    defer { for p in [a, b] { try? FileManager.default.removeItem(atPath: (p as NSString).deletingLastPathComponent) } }
    var request = MasterRequest(albums: [a, b])
    request.reportsFolder = tmp.file("Reports")
    request.planOnly = true
    let events = Events()
    let outcome = try await AlbumBatch.master(request, onEvent: events.add)
    #expect(outcome.status == .failed)
    #expect(outcome.albums[0].outcome != nil)
    #expect(outcome.albums[1].failure?.file == b)
    #expect(events.all.contains { if case .albumRefused(let p, _) = $0 { p == b } else { false } })
  }

  @Test func aMissingAlbumFailsAloneAndTheOthersRun() async throws {
    let tmp = TempFolder("pipeline")
    defer { tmp.remove() }
    var request = MasterRequest(albums: [tmp.file("missing"), try album(tmp)])
    request.reportsFolder = tmp.file("Reports")
    request.planOnly = true
    let outcome = try await AlbumBatch.master(request)
    #expect(outcome.status == .failed)
    #expect(outcome.albums[0].failure != nil)
    #expect(outcome.albums[1].outcome?.plan.tracks.count == 3)
  }

  @Test func emptyPathsAndMissingReferencesAreRefusedBeforeAnythingIsWritten() async throws {
    let tmp = TempFolder("pipeline")
    defer { tmp.remove() }
    let path = try album(tmp)
    var empty = MasterRequest(albums: [path])
    empty.reportsFolder = tmp.file("Reports")
    empty.jsonPath = ""
    var missing = MasterRequest(albums: [path])
    missing.reportsFolder = tmp.file("Reports")
    missing.referencePaths = [tmp.file("nope.wav")]
    for (request, flag) in [(empty, "--json"), (missing, "--reference")] {
      do {
        _ = try await AlbumBatch.master(request)
        Issue.record("\(flag) was accepted")
      } catch {
        #expect(error.description.hasPrefix(flag), "\(error)")
      }
    }
    #expect(!FileManager.default.fileExists(atPath: tmp.file("Reports")))
  }

  @Test func anAlbumYamlThatExcludesEveryTrackFailsThatAlbum() async throws {
    let tmp = TempFolder("pipeline")
    defer { tmp.remove() }
    let yaml = "tracks:\n" + (1...3).map { "  \"0\($0) track.wav\": { exclude: yes }\n" }.joined()
    var request = MasterRequest(albums: [try album(tmp, yaml: yaml)])
    request.reportsFolder = tmp.file("Reports")
    let outcome = try await AlbumBatch.master(request)
    #expect(outcome.status == .failed)
    #expect(outcome.albums.first?.failure?.error.contains("every track is excluded") == true)
  }

  @Test func analyzeRefusesASecondAlbumWithTheSameName() async throws {
    let tmp = TempFolder("pipeline")
    defer { tmp.remove() }
    let (a, b) = try sameNamedAlbums()
    defer { for p in [a, b] { try? FileManager.default.removeItem(atPath: (p as NSString).deletingLastPathComponent) } }
    let outcome = try await AlbumBatch.analyze(
      [a, b], reportsFolder: tmp.file("Reports"), jobs: 2, useCache: false, jsonPath: nil, judgement: .checks)
    #expect(outcome.status == .failed)
    #expect(outcome.albums.count == 2)
    #expect(outcome.albums[0].document != nil)
    #expect(outcome.albums[1].failure?.file == b)
  }
}
