import Foundation
import Testing
import TestSupport

/// Dynamics through the binary: a dynamic outlier is compressed toward the album and says so, the settled plan
/// renders the same masters, `--dynamics-amount 0` and album.yaml's `dynamics: off` compress nothing, and a bad
/// amount is a usage error.
@Suite struct DynamicsCLITests {
  /// Each run takes a few seconds; a hang fails its test instead of stalling the suite.
  static let timeoutSeconds = 60.0

  /// Three dense tracks and one sparse, percussive one (bursts over a quiet bed: a high short-term PSR).
  static func album(_ dir: TempFolder) throws -> String {
    let album = dir.file("Dyn")
    try FileManager.default.createDirectory(atPath: album, withIntermediateDirectories: true)
    for i in 1...3 {
      try writeAudio(music(seed: UInt64(i), seconds: 12), channels: 2, sampleRateHz: 48_000, to: album + "/0\(i) dense.wav",
                     format: .init(container: .wav, encoding: .pcm24))
    }
    var x = music(seed: 9, seconds: 12, gainDB: -26)
    for hit in stride(from: 0.5, to: 12, by: 0.75) {
      let start = Int(hit * 48_000)
      for n in 0..<2400 where start + n < x.count / 2 {
        let v = Float(0.5 * exp(-Double(n) / 400) * sin(2 * Double.pi * 90 * Double(n) / 48_000))
        x[2 * (start + n)] += v
        x[2 * (start + n) + 1] += v
      }
    }
    try writeAudio(x, channels: 2, sampleRateHz: 48_000, to: album + "/04 sparse.wav", format: .init(container: .wav, encoding: .pcm24))
    return album
  }

  static func json(_ path: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
  }

  static func dynamics(_ plan: [String: Any]) -> [String: [String: Any]] {
    var out: [String: [String: Any]] = [:]
    for t in plan["tracks"] as? [[String: Any]] ?? [] { out[t["file"] as? String ?? ""] = t["dynamics"] as? [String: Any] ?? [:] }
    return out
  }

  @Test("The outlier gets a compressor with a reason; every master verified; render --plan of the settled plan is byte-identical")
  func outlierIsCompressed() throws {
    let dir = TempFolder("dyncli")
    defer { dir.remove() }
    let album = try Self.album(dir)
    let r = try #require(try runCLI(["master", album, "--reports", dir.file("R"), "--quiet"], timeoutSeconds: Self.timeoutSeconds))
    #expect(r.status == 0, "\(r.stderr)")
    let plan = try Self.json(dir.file("R/Dyn/plan.json"))
    let d = Self.dynamics(plan)
    #expect(d["04 sparse.wav"]?["compressor"] is [String: Any])
    #expect(d["01 dense.wav"]?["compressor"] is NSNull)
    let reasons = (plan["tracks"] as? [[String: Any]])?.last?["reasons"] as? [String] ?? []
    #expect(reasons.contains { $0.contains("compressed 2:1") })
    let masters = try Self.json(dir.file("R/Dyn/analysis.json"))["masters"] as? [[String: Any]] ?? []
    #expect(masters.count == 4 && masters.allSatisfy { $0["verdict"] as? String == "ok" })
    let again = try #require(try runCLI(["render", album, "--plan", dir.file("R/Dyn/plan.json"), "--reports", dir.file("P"), "--quiet"], timeoutSeconds: Self.timeoutSeconds))
    #expect(again.status == 0, "\(again.stderr)")
    for f in ["01 dense.wav", "04 sparse.wav"] {
      let mismatch = fileByteMismatch(dir.file("R/Dyn/masters/\(f)"), dir.file("P/Dyn/masters/\(f)"))
      #expect(mismatch == nil, "\(mismatch ?? "")")
    }
  }

  @Test("The defaults plan a compressor for the outlier only; --dynamics-amount 0 and album.yaml dynamics: off plan none; a bad value is a usage error naming the flag")
  func amountZeroAndOff() throws {
    let dir = TempFolder("dyncli0")
    defer { dir.remove() }
    let album = try Self.album(dir)
    let before = snapshot(album)
    let d = try #require(try runCLI(["master", album, "--reports", dir.file("D"), "--quiet", "--plan-only"], timeoutSeconds: Self.timeoutSeconds))
    #expect(d.status == 0, "\(d.stderr)")
    let planned = Self.dynamics(try Self.json(dir.file("D/Dyn/plan.json")))
    #expect(planned["04 sparse.wav"]?["compressor"] is [String: Any])
    #expect(["01 dense.wav", "02 dense.wav", "03 dense.wav"].allSatisfy { planned[$0]?["compressor"] is NSNull })
    let r = try #require(try runCLI(["master", album, "--reports", dir.file("Z"), "--quiet", "--plan-only", "--dynamics-amount", "0"], timeoutSeconds: Self.timeoutSeconds))
    #expect(r.status == 0)
    #expect(Self.dynamics(try Self.json(dir.file("Z/Dyn/plan.json")))["04 sparse.wav"]?["compressor"] is NSNull)
    try "tracks:\n  \"04 sparse.wav\": { dynamics: off }\n".write(toFile: album + "/album.yaml", atomically: true, encoding: .utf8)
    let off = try #require(try runCLI(["master", album, "--reports", dir.file("O"), "--quiet", "--plan-only"], timeoutSeconds: Self.timeoutSeconds))
    #expect(off.status == 0)
    let plan = try Self.json(dir.file("O/Dyn/plan.json"))
    #expect(Self.dynamics(plan)["04 sparse.wav"]?.isEmpty == true)  // null: no dynamics at all
    let sparse = (plan["tracks"] as? [[String: Any]])?.first { $0["file"] as? String == "04 sparse.wav" }
    let reasons = sparse?["reasons"] as? [String] ?? []
    // One sentence about its dynamics, the true one: the planner's "Short-term PSR … compressed" is gone.
    #expect(reasons.contains { $0.hasPrefix("Dynamics off (album.yaml)") } && !reasons.contains { $0.hasPrefix("Short-term PSR") }, "\(reasons)")
    let bad = try #require(try runCLI(["master", album, "--reports", dir.file("B"), "--dynamics-amount", "2"], timeoutSeconds: Self.timeoutSeconds))
    #expect(bad.status == 64 && bad.stderr.contains("--dynamics-amount: expected a number from 0 to 1, found 2"))
    var after = snapshot(album)
    after["album.yaml"] = nil
    #expect(after == before && hiddenTempFiles(dir.file("")).isEmpty)
  }
}
