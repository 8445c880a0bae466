import AlbumMaster
import Foundation
import Testing
import TestSupport

/// The version has one home (`albumMasterVersion`), and scripts/install.sh (what `make install` runs) lays out
/// the binary, the man page and the completions from an already-built binary, without building anything.
@Suite struct InstallTests {
  /// The source tree: this file is Tests/AlbumMasterTests/InstallTests.swift.
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

  /// Runs a program with a minute's timeout (the install script and the binary's generators take a second).
  static func installRun(_ exe: String, _ args: [String]) throws -> ProcessOutcome {
    try ProcessRun(args, executable: exe).wait(timeoutSeconds: 60)
  }

  static let installedFiles = [
    "bin/albummaster", "share/man/man1/albummaster.1", "share/bash-completion/completions/albummaster",
    "share/zsh/site-functions/_albummaster", "share/fish/vendor_completions.d/albummaster.fish",
  ]

  @Test("albummaster --version prints the library's version and exits 0")
  func version() throws {
    let r = try runCLI(["--version"])
    #expect(r.status == 0)
    #expect(r.stdout == albumMasterVersion + "\n")
    #expect(r.stderr.isEmpty)
  }

  @Test("CHANGELOG.md's newest release is the library's version")
  func changelog() throws {
    let text = String(decoding: fileBytes(Self.repository + "/CHANGELOG.md"), as: UTF8.self)
    let releases = text.split(separator: "\n").filter { $0.hasPrefix("## [") && !$0.hasPrefix("## [Unreleased]") }
    let newest = try #require(releases.first, "CHANGELOG.md has no release heading")
    #expect(newest.hasPrefix("## [\(albumMasterVersion)] - "), "\(newest)")
  }

  @Test("install.sh installs the built binary, a man page naming every command, and bash/zsh/fish completions; --uninstall removes them")
  func installAndUninstall() throws {
    let root = TempFolder("install")
    defer { root.remove() }
    let prefix = root.file("dest/usr")  // as DESTDIR=<tmp>/dest PREFIX=/usr
    let script = Self.repository + "/scripts/install.sh"
    let r = try Self.installRun(script, [albummasterPath, prefix])
    #expect(!r.timedOut)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("Installed albummaster \(albumMasterVersion) under \(prefix)"))
    for f in Self.installedFiles {
      #expect(fileBytes(prefix + "/" + f).count > 100, "\(f) missing or nearly empty")
    }
    #expect(fileBytes(prefix + "/bin/albummaster") == fileBytes(albummasterPath))
    #expect(FileManager.default.isExecutableFile(atPath: prefix + "/bin/albummaster"))
    #expect(try Self.installRun(prefix + "/bin/albummaster", ["--version"]).stdout == albumMasterVersion + "\n")

    // The man page has a section for every command the parser knows, and the version in its title line.
    let man = String(decoding: fileBytes(prefix + "/share/man/man1/albummaster.1"), as: UTF8.self)
    #expect(man.hasPrefix(".TH \"ALBUMMASTER\" 1 \"\" \"albummaster \(albumMasterVersion)\""))
    let dump = try Self.installRun(albummasterPath, ["--experimental-dump-help"])
    let info = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
    let commands = try #require((info["command"] as? [String: Any])?["subcommands"] as? [[String: Any]])
    let names = commands.compactMap { $0["commandName"] as? String }
    #expect(names.contains("master") && names.contains("check"))
    for name in names { #expect(man.contains(".SS \"albummaster \(name)\""), "no man section for \(name)") }
    #expect(man.contains("\\-\\-target\\-lufs"))

    // The completions are the parser's own, and bash accepts its script.
    let bash = prefix + "/share/bash-completion/completions/albummaster"
    #expect(String(decoding: fileBytes(bash), as: UTF8.self).contains("master"))
    #expect(try Self.installRun("/bin/bash", ["-n", bash]).status == 0)
    #expect(String(decoding: fileBytes(prefix + "/share/zsh/site-functions/_albummaster"), as: UTF8.self).hasPrefix("#compdef albummaster"))

    let u = try Self.installRun(script, ["--uninstall", prefix])
    #expect(u.status == 0, "\(u.stderr)")
    for f in Self.installedFiles { #expect(!FileManager.default.fileExists(atPath: prefix + "/" + f), "\(f) left") }
  }

  @Test("install.sh refuses a binary that is not there, in one line, and installs nothing")
  func missingBinary() throws {
    let root = TempFolder("install")
    defer { root.remove() }
    let r = try Self.installRun(Self.repository + "/scripts/install.sh", [root.file("nothing/albummaster"), root.file("usr")])
    #expect(r.status == 66)
    #expect(r.stderr == "install.sh: \(root.file("nothing/albummaster")): not an executable (run make build first)\n")
    #expect(!FileManager.default.fileExists(atPath: root.file("usr")))
  }
}
