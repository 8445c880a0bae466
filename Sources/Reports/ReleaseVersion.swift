/// AlbumMaster's release version, the one place it is written. It lives here, below the CLI and the pipeline,
/// so that the report can print it; `albumMasterVersion` (module AlbumMaster) forwards to it.
/// `albummaster --version` prints it, and CHANGELOG.md's newest release heading must match it (a test checks).
/// Semantic versioning; bump it with a CHANGELOG entry.
public enum AlbumMasterRelease {
  /// The version, e.g. "0.3.0".
  public static let version = "0.3.0"
}
