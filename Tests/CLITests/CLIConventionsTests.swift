import Foundation
import Testing
import TestSupport

/// Command-line conventions: short flags for the common options, clean help text.
@Suite struct CLIConventionsTests {
  @Test("-q and -j are --quiet and --jobs; help shows one default and named placeholders")
  func shortFlagsAndHelp() throws {
    let root = TempFolder("conventions")
    defer { root.remove() }
    let demo = try runCLI(["demo", root.file("Demo"), "--quiet"])
    #expect(demo.status == 0)
    let r = try runCLI(["analyze", root.file("Demo"), "--reports", root.file("R"), "-q", "-j", "1"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.isEmpty, "-q silences progress: \(r.stderr)")
    let zero = try runCLI(["analyze", root.file("Demo"), "--reports", root.file("R"), "-j", "0"])
    #expect(zero.status == 64 && zero.stderr.contains("--jobs: expected 1 or more, found 0"), "\(zero.stderr)")
    let help = try runCLI(["master", "--help"])
    #expect(help.stdout.contains("-j, --jobs <N>") && help.stdout.contains("-q, --quiet"), "\(help.stdout)")
    #expect(!help.stdout.contains("(default: 2)") && !help.stdout.contains("<all>"), "\(help.stdout)")
  }
}
