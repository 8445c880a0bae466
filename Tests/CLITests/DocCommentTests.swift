import Foundation
import Testing
import TestSupport

/// Every public declaration carries a `///` doc comment: `make check-docs` (scripts/check-doc-comments.py over
/// the Makefile's DOC_DIRS) must list none undocumented.
@Suite struct DocCommentTests {
  static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
  static let script = packageRoot + "/scripts/check-doc-comments.py"

  static func run(_ executable: String, _ arguments: [String]) throws -> ProcessOutcome {
    try ProcessRun(arguments, executable: executable).wait(timeoutSeconds: 120)
  }

  @Test("make check-docs: zero undocumented public declarations in every module, no function of the pipeline or CLI over 80 lines")
  func everyPublicDeclarationDocumented() throws {
    let r = try Self.run("/usr/bin/env", ["make", "--no-print-directory", "-C", Self.packageRoot, "check-docs"])
    let summaries = r.stdout.split(separator: "\n").filter { $0.contains(" undocumented of ") }
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    #expect(summaries.count >= 10, "one summary line per module: \(r.stdout)")
    for line in summaries { #expect(line.contains(": 0 undocumented of "), "\(line)") }
    #expect(r.stdout.contains("0 function(s) over 80 lines"), "\(r.stdout)")
  }

  @Test("The checker flags public declarations without ///, an enum's cases and a public extension's members")
  func checkerFlagsUndocumented() throws {
    let dir = TempFolder("doc-comments")
    defer { dir.remove() }
    let source = """
      /// Documented.
      public enum E {
        /// Documented case.
        case a
        case b
      }
      @inlinable public func f() {}
      /// Documented, with an attribute between.
      @inlinable
      public func g() { let s = "{ not a brace"; _ = s }
      public extension E {
        var x: Int { 0 }
        private var y: Int { 0 }
      }
      struct Internal { func h() {} }
      /// Documented wrapper.
      @NullCoded public var a: Int?
      public var b: Int

      """
    try source.write(toFile: dir.file("Sample.swift"), atomically: true, encoding: .utf8)
    let r = try Self.run("/usr/bin/env", ["python3", Self.script, dir.path])
    #expect(r.status == 1)
    let flagged = r.stdout.split(separator: "\n").filter { $0.hasPrefix(dir.file("Sample.swift")) }
      .map { $0.split(separator: ":").dropFirst().joined(separator: ":") }
    #expect(flagged == ["5: case b", "7: func f", "12: var x", "18: var b"])
    #expect(r.stdout.contains(": 4 undocumented of 8 public"))
  }
}
