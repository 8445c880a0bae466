/// One track of the demo album: what it sounds like and how it is stored.
public struct DemoTrack: Sendable, Hashable {
  /// File name, with extension.
  public var fileName: String
  /// Title tag written into the file.
  public var title: String
  /// The music the generator makes for it.
  public var style: TrackStyle
  /// Sample rate of the file, in Hz.
  public var sampleRateHz: Int
  /// Length in seconds, fades included.
  public var durationSeconds: Double
  /// "WAV", "FLAC" or "AIFF".
  public var container: String
  /// Integer bit depth of the file (16 or 24).
  public var bits: Int
  /// The problem this track plants, in words.
  public var plantedProblem: String
}

/// The demo album: six short tracks that show every problem AlbumMaster exists for: a loudness spread over 8 LU,
/// a dark and a bright track, a narrow and a wide one, inter-sample overs on a clipped master, one track at
/// 44.1 kHz among 48 kHz, and three formats (24-bit WAV, FLAC, 16-bit AIFF).
public enum DemoAlbum {
  /// Album tag and folder name.
  public static let name = "Demo"
  /// Artist tag of every track.
  public static let artist = "AlbumMaster Demo Band"

  /// The tracks in album order.
  public static let tracks: [DemoTrack] = [
    DemoTrack(
      fileName: "01 Opening.wav", title: "Opening",
      style: TrackStyle(seed: 1, tempoBPM: 118, rootNote: 45, progression: [0, 8, 3, 10], gainDB: -8),
      sampleRateHz: 48_000, durationSeconds: 30, container: "WAV", bits: 24,
      plantedProblem: "the reference: balanced, normal width"),
    DemoTrack(
      fileName: "02 Dark Matter.flac", title: "Dark Matter",
      style: TrackStyle(
        seed: 2, tempoBPM: 96, rootNote: 43, progression: [0, 5, 3, 7], lowGain: 1.1, highGain: 0.22, gainDB: -7),
      sampleRateHz: 48_000, durationSeconds: 34, container: "FLAC", bits: 24,
      plantedProblem: "dark: the highs sit about 13 dB low"),
    DemoTrack(
      fileName: "03 Glass.aiff", title: "Glass",
      style: TrackStyle(
        seed: 3, tempoBPM: 128, rootNote: 48, progression: [0, 3, 8, 10], lowGain: 0.55, highGain: 2.2, gainDB: -9),
      sampleRateHz: 48_000, durationSeconds: 26, container: "AIFF", bits: 16,
      plantedProblem: "bright: thin lows and hard highs; 16-bit AIFF"),
    DemoTrack(
      fileName: "04 Mono Memory.wav", title: "Mono Memory",
      style: TrackStyle(seed: 4, tempoBPM: 84, rootNote: 40, progression: [0, 8, 5, 7], width: 0.08, gainDB: -15),
      sampleRateHz: 44_100, durationSeconds: 36, container: "WAV", bits: 24,
      plantedProblem: "narrow (almost mono), quiet, and at 44.1 kHz among 48 kHz tracks"),
    DemoTrack(
      fileName: "05 Wide Open.flac", title: "Wide Open",
      style: TrackStyle(seed: 5, tempoBPM: 110, rootNote: 47, progression: [0, 7, 9, 5], width: 2.6, gainDB: -11),
      sampleRateHz: 48_000, durationSeconds: 28, container: "FLAC", bits: 16,
      plantedProblem: "wide: side almost as loud as mid"),
    DemoTrack(
      fileName: "06 Hot Mix.wav", title: "Hot Mix",
      style: TrackStyle(
        seed: 6, tempoBPM: 140, rootNote: 42, progression: [0, 3, 10, 8], lowGain: 1, highGain: 1.8, gainDB: 2,
        clipLevel: 0.97),
      sampleRateHz: 48_000, durationSeconds: 24, container: "WAV", bits: 24,
      plantedProblem: "loud and clipped: true peak well over its sample peak"),
  ]
}
