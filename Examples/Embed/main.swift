// Masters an album through the library, as `albummaster master ALBUM --reports REPORTS [--preset PRESET]` does:
// the same request type, so the preset and the album's album.yaml are resolved the same way, and the masters
// are byte-identical to the CLI's.
//
//   swift run -c release embed-example ALBUM REPORTS [PRESET]
import AlbumMaster
import Foundation  // exit(3) and String(format:) only

let arguments = CommandLine.arguments
guard arguments.count == 3 || arguments.count == 4 else {
  print("usage: embed-example ALBUM REPORTS [PRESET]")
  exit(64)
}
var request = MasterRequest(albums: [arguments[1]])
request.reportsFolder = arguments[2]
request.presetName = arguments.count == 4 ? arguments[3] : nil

do {
  let outcome = try await AlbumBatch.master(request) { event in
    if event.isError { print("error: \(event.message)") }
  }
  for run in outcome.albums {
    guard let mastered = run.outcome else { continue }
    let options: MatchingOptions = mastered.plan.options
    print("\(mastered.plan.album): target \(options.targetLUFS) LUFS, ceiling \(options.ceilingDBTP) dBTP")
    for master: MasterResult in mastered.masters {
      let lufs = master.analysis?.loudness.integratedLUFS.map { String(format: "%.2f", $0) } ?? "-"
      print("  \(master.master): \(lufs) LUFS, \(master.verdict.rawValue)")
    }
    if let qa: QAReport = mastered.qa { print("  QA: \(qa.verdict.rawValue)") }
  }
  exit(outcome.status.rawValue)
} catch {
  print("error: \(error)")
  exit(64)
}
