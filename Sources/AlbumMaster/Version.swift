/// AlbumMaster's release version, the one place it is written: `albummaster --version` prints it, and
/// CHANGELOG.md's newest release heading must match it (a test checks). Semantic versioning; bump it with a
/// CHANGELOG entry.
public let albumMasterVersion = "0.3.0"
