import Foundation
import Testing
import TestSupport

/// Signals at random moments, many times: never a crash, never a temp file left, and a resumed run gives the
/// bytes of an uninterrupted one. (scripts/interrupt-stress.py does the same 1000 times on a longer album.)
@Suite(.serialized) struct InterruptStressTests {
  static let interruptLine = "albummaster: interrupted; unfinished files removed"

  /// Three short tracks: a run takes a fraction of a second, so 200 interruptions fit in a minute or two.
  static func album(_ root: TempFolder) throws -> String {
    let dir = root.file("Short")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for i in 1...3 {
      try writeAudio(music(seed: UInt64(i), seconds: 0.75, rate: 44_100), channels: 2, sampleRateHz: 44_100,
                     to: (dir as NSString).appendingPathComponent("0\(i) track.wav"), format: .init(container: .wav, encoding: .pcm24))
    }
    return dir
  }

  /// Run folders (`albummaster-<pid>-XXXXXX`) in `tmp`.
  static func runFolders(_ tmp: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []).filter { $0.hasPrefix("albummaster-") }
  }

  @Test("200 SIGINT/SIGTERM at random moments of master (every tenth with --preset, codec round trips): exit 0/1/130/143, no temp file or run folder left, inputs unchanged, resumed masters and analysis.json byte-identical")
  func randomSignals() throws {
    let root = TempFolder("interrupt-stress")
    defer { root.remove() }
    let album = try Self.album(root)
    let inputs = snapshot(album)
    let master = ["master", album, "--preset", "spotify", "--quiet"]
    let tmp = root.file("tmp")
    try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
    // Every tenth run checks the codecs too (--preset: MP3 and Opus round trips, the slow part).
    let plain = ["master", album, "--quiet"]
    var start = Date()
    let clean = try runCLIInterrupted(master + ["--reports", root.file("Clean")], environment: ["TMPDIR": tmp], signals: [], afterSeconds: 0)
    let durationWithCodecs = Date().timeIntervalSince(start)
    #expect([0, 1].contains(clean.status), "\(clean.stderr)")
    start = Date()
    _ = try runCLIInterrupted(plain + ["--reports", root.file("Plain")], environment: ["TMPDIR": tmp], signals: [], afterSeconds: 0)
    let duration = Date().timeIntervalSince(start)
    // Two lanes at once, each with its own reports folder and TMPDIR, each resuming its own interrupted work.
    let lanes = 2, runsPerLane = 100
    let outcomes = LockedList()
    DispatchQueue.concurrentPerform(iterations: lanes) { lane in
      var rng = SystemRandomNumberGenerator()
      let reports = root.file("R\(lane)"), laneTmp = root.file("tmp\(lane)")
      try? FileManager.default.createDirectory(atPath: laneTmp, withIntermediateDirectories: true)
      for i in 0..<runsPerLane {
        let sig = Bool.random(using: &rng) ? SIGINT : SIGTERM
        let codecs = i % 10 == 0
        let delay = Double.random(in: 0...((codecs ? durationWithCodecs : duration) * 1.2), using: &rng)
        let force = i % 3 == 0 ? ["--force"] : []
        do {
          let r = try runCLIInterrupted(
            (codecs ? master : plain) + ["--reports", reports] + force, environment: ["TMPDIR": laneTmp], signals: [sig],
            afterSeconds: delay)
          outcomes.append(
            .init(run: r, temps: hiddenTempFiles(reports), runFolders: Self.runFolders(laneTmp), what: "lane \(lane) run \(i) \(sig) after \(delay) s"))
        } catch {
          outcomes.append(.init(run: nil, temps: [], runFolders: [], what: "lane \(lane) run \(i): \(error)"))
        }
      }
    }
    let all = outcomes.items
    #expect(all.count == lanes * runsPerLane)
    for o in all {
      guard let r = o.run else {
        Issue.record("\(o.what)")
        continue
      }
      // A signal in the first milliseconds (before main installs the handlers) takes its default action, with
      // the shell's code 130/143 and nothing written yet: the same codes, without the line. Any other signal is a crash.
      #expect(!r.timedOut && [0, 1, 130, 143].contains(r.status), "\(o.what): exit \(r.status)\n\(r.stderr)")
      if [130, 143].contains(r.status) && !r.killedBySignal { #expect(r.stderr.contains(Self.interruptLine), "\(o.what)") }
      #expect(o.temps.isEmpty && o.runFolders.isEmpty, "\(o.what): left \(o.temps) \(o.runFolders)")
    }
    #expect(all.contains { $0.run?.status == 130 } && all.contains { $0.run?.status == 143 })
    #expect(snapshot(album) == inputs)
    // Resume: the same masters and the same analysis.json as the uninterrupted run.
    for lane in 0..<lanes {
      let reports = root.file("R\(lane)")
      let resumed = try runCLIInterrupted(master + ["--reports", reports], environment: ["TMPDIR": tmp], signals: [], afterSeconds: 0)
      #expect([0, 1].contains(resumed.status), "\(resumed.stderr)")
      #expect(snapshot(reports + "/Short/masters") == snapshot(root.file("Clean/Short/masters")))
      #expect(snapshot(root.file("Clean/Short/masters")).count == 3)
      #expect(fileBytes(reports + "/Short/analysis.json") == fileBytes(root.file("Clean/Short/analysis.json")))
    }
    #expect(Self.runFolders(tmp).isEmpty)
  }

  @Test("A second signal while stopping exits at once with 128 + signal and leaves no temp file")
  func secondSignal() throws {
    let root = TempFolder("interrupt-twice")
    defer { root.remove() }
    let album = try Self.album(root)
    let tmp = root.file("tmp")
    try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
    for delay in [0.15, 0.3, 0.45] {
      let r = try runCLIInterrupted(
        ["master", album, "--preset", "spotify", "--quiet", "--reports", root.file("R")], environment: ["TMPDIR": tmp],
        signals: [SIGINT, SIGINT], afterSeconds: delay)
      #expect(!r.timedOut && [0, 1, 130].contains(r.status), "exit \(r.status): \(r.stderr)")
      #expect(hiddenTempFiles(root.file("R")).isEmpty)
      #expect(Self.runFolders(tmp).isEmpty)
    }
  }

  @Test("A later run removes what killed runs left in every folder it writes to: reports root, album folder, .cache, masters, $TMPDIR run folders")
  func staleSweep() throws {
    let root = TempFolder("interrupt-sweep")
    defer { root.remove() }
    let album = try Self.album(root)
    let tmp = root.file("tmp"), reports = root.file("R")
    // pid 2^22 + 1 is above Linux's largest pid: never alive. Our own pid is alive: its files stay.
    let dead = 4_194_305, alive = getpid()
    let stale = [
      "R/.index.html.\(dead).1.tmp", "R/Short/.analysis.json.\(dead).2.tmp", "R/Short/.cache/analysis/.x.json.\(dead).3.tmp",
      "R/Short/masters/.01 track.wav.\(dead).4.tmp", "tmp/albummaster-\(dead)-AbC123/codec-1.mp3",
    ]
    let kept = ["R/Short/.analysis.json.\(alive).5.tmp", "tmp/albummaster-\(alive)-XyZ789/codec-2.mp3", "tmp/albummaster-notes/x"]
    for f in stale + kept {
      let path = root.file(f)
      try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try "partial".write(toFile: path, atomically: false, encoding: .utf8)
    }
    let r = try runCLIInterrupted(
      ["master", album, "--preset", "spotify", "--quiet", "--reports", reports], environment: ["TMPDIR": tmp], signals: [], afterSeconds: 0)
    #expect([0, 1].contains(r.status), "\(r.stderr)")
    for f in stale { #expect(!FileManager.default.fileExists(atPath: root.file(f)), "\(f) is still there") }
    #expect(!FileManager.default.fileExists(atPath: root.file("tmp/albummaster-\(dead)-AbC123")))
    for f in kept { #expect(FileManager.default.fileExists(atPath: root.file(f)), "\(f) was removed") }
  }

  @Test("The codec round trip cannot run (TMPDIR is not a folder): check --preset fails with the reason in a codec row, never a silent pass")
  func codecWithoutTempSpace() throws {
    let root = TempFolder("interrupt-notmp")
    defer { root.remove() }
    let album = try Self.album(root)
    try "not a folder".write(toFile: root.file("tmpfile"), atomically: false, encoding: .utf8)
    let r = try runCLIInterrupted(
      ["check", album, "--preset", "spotify", "--quiet", "--reports", root.file("R")], environment: ["TMPDIR": root.file("tmpfile")],
      signals: [], afterSeconds: 0)
    #expect(r.status == 1, "\(r.stderr)")
    let csv = String(decoding: fileBytes(root.file("R/Short/qa.csv")), as: UTF8.self)
    for codec in ["codec-mp3", "codec-opus"] {
      for i in 1...3 {
        #expect(csv.contains("\(codec),0\(i) track.wav,fail,not measured: \(root.file("tmpfile")): cannot write: no temp folder for this run: Not a directory,"), "\(codec) \(i)\n\(csv)")
      }
    }
    #expect(hiddenTempFiles(root.file("R")).isEmpty)
  }

  @Test("stdout on a full device: exit 74 and one line on stderr, never a trap; the reports are written")
  func fullStdout() throws {
    let root = TempFolder("interrupt-full")
    defer { root.remove() }
    let album = try Self.album(root)
    for command in [["analyze", album], ["check", album, "--no-codec"], ["analyze", album, "--json", "-"]] {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: albummasterPath)
      p.arguments = command + ["--reports", root.file("R"), "--quiet"]
      p.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
      let err = Pipe()
      p.standardError = err
      try p.run()
      let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      p.waitUntilExit()
      #expect(p.terminationReason == .exit && p.terminationStatus == 74, "\(command): \(p.terminationStatus) \(text)")
      // With --json - the table goes to stderr; the error is the last line and the only one.
      #expect(text.hasSuffix("albummaster: error: standard output: No space left on device\n"), "\(command)")
      #expect(text.components(separatedBy: "error:").count == 2, "\(command)")
      #expect(FileManager.default.fileExists(atPath: root.file("R/Short/analysis.json")))
    }
  }
}

/// One interrupted run's outcome, gathered from the lanes.
struct InterruptOutcome: Sendable {
  var run: ProcessOutcome?
  var temps: [String]
  var runFolders: [String]
  var what: String
}

/// A list appended to from several threads.
final class LockedList: @unchecked Sendable {
  private let lock = NSLock()
  private var list: [InterruptOutcome] = []
  func append(_ o: InterruptOutcome) { lock.withLock { list.append(o) } }
  var items: [InterruptOutcome] { lock.withLock { list } }
}
