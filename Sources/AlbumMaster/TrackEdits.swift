import Rendering

extension MasterOptions {
  /// One track's render settings: `album` (the album's format, `RenderSettings.resolved(forAlbum:)`) with its
  /// fades and trims. Each edit comes from the track's album.yaml entry, else the flags, else album.yaml's
  /// album-wide value, else the default: a track's own entry wins, so a segue marked `fadeMS: 0` stays unfaded
  /// whatever `--fade-ms` says.
  public func renderSettings(for file: String, album: RenderSettings) -> RenderSettings {
    var s = album
    let own = config?.tracks[file]?.edits ?? EditSettings()
    s.edits = own.over(render.edits).over(config?.edits ?? EditSettings())
    return s
  }
}
