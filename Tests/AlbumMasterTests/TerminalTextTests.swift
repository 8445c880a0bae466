import Foundation
import Reports
import Testing

/// The terminal text rules (plural, fit to width, did-you-mean, colour) in-process.
@Suite struct TerminalTextTests {
  @Test("Counts: 1 track, 2 tracks, 0 albums, an irregular plural")
  func plural() {
    #expect(TerminalText.count(1, "track") == "1 track")
    #expect(TerminalText.count(2, "track") == "2 tracks")
    #expect(TerminalText.count(0, "album") == "0 albums")
    #expect(TerminalText.count(2, "match", plural: "matches") == "2 matches")
  }

  @Test("fit keeps start and end around an ellipsis, never exceeds the width, counts wide characters twice")
  func fit() {
    #expect(TerminalText.fit("short.wav", columns: 20) == "short.wav")
    let long = "01 A Very Long Track Name (Extended Remix).wav"
    for columns in 1...long.count {
      let f = TerminalText.fit(long, columns: columns)
      #expect(TerminalText.displayWidth(f) <= columns, "\(columns): \(f)")
    }
    #expect(TerminalText.fit(long, columns: 20) == "01 A Very …emix).wav")
    #expect(TerminalText.fit(long, columns: 0) == "")
    #expect(TerminalText.displayWidth("日本語.wav") == 10)
    #expect(TerminalText.displayWidth(TerminalText.fit("日本語の長い曲名です.flac", columns: 9)) <= 9)
  }

  @Test("columns: COLUMNS first, then the window, else 80")
  func columns() {
    #expect(TerminalText.columns(environment: ["COLUMNS": "60"], windowColumns: 120) == 60)
    #expect(TerminalText.columns(environment: ["COLUMNS": "x"], windowColumns: 120) == 120)
    #expect(TerminalText.columns(environment: [:], windowColumns: nil) == 80)
  }

  @Test("Suggestions: nearest by edit distance, none when nothing is close")
  func suggestions() {
    let commands = ["demo", "analyze", "master", "render", "check", "report", "generate"]
    #expect(TerminalText.suggestion(for: "mastr", among: commands) == "master")
    #expect(TerminalText.suggestion(for: "analyse", among: commands) == "analyze")
    #expect(TerminalText.suggestion(for: "chek", among: commands) == "check")
    #expect(TerminalText.suggestion(for: "zzzzzz", among: commands) == nil)
    let check = ["reports", "jobs", "quiet", "json", "force", "all", "shard", "preset", "strict", "no-codec", "help"]
    #expect(TerminalText.suggestion(for: "format", among: check) == nil)
    #expect(TerminalText.suggestion(for: "jsn", among: check) == "json")
    #expect(TerminalText.suggestion(for: "presets", among: check) == "preset")
    #expect(TerminalText.editDistance("kitten", "sitting") == 3)
  }

  @Test("Colour: only on a terminal, never with NO_COLOR, TERM=dumb or JSON; only upper-case verdict words")
  func colour() {
    #expect(TerminalColour.enabled(isTerminal: true, environment: [:]))
    #expect(!TerminalColour.enabled(isTerminal: false, environment: [:]))
    #expect(!TerminalColour.enabled(isTerminal: true, environment: ["NO_COLOR": "1"]))
    #expect(TerminalColour.enabled(isTerminal: true, environment: ["NO_COLOR": ""]))  // no-color.org: present and not empty
    #expect(!TerminalColour.enabled(isTerminal: true, environment: ["TERM": "dumb"]))
    #expect(!TerminalColour.enabled(isTerminal: true, environment: [:], machineOutput: true))
    #expect(TerminalColour.highlight("QA: FAIL") == "QA: \u{1B}[31mFAIL\u{1B}[0m")
    #expect(TerminalColour.highlight("  WARN  dc pass.wav") == "  \u{1B}[33mWARN\u{1B}[0m  dc pass.wav")
    #expect(TerminalColour.highlight("FAILURE PASSING") == "FAILURE PASSING")
  }
}
