import Reports

/// AlbumMaster's release version: forwards to `AlbumMasterRelease.version` (module Reports), its one home,
/// so that the report, `--version` and the JSON print the same string.
public let albumMasterVersion = AlbumMasterRelease.version
