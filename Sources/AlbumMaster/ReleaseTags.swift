import Analysis
import AudioIO
import DSP
import Foundation
import Matching

/// What a master's tags say: its loudness for players (ReplayGain 2.0, Opus R128, EBU Tech 3285 v2) and the
/// release's identifiers from album.yaml (`ReleaseMetadata`, `TrackMetadata`). The one home of the tag names,
/// references and formats; `TagStage` writes them.
public enum ReleaseTags {
  /// ReplayGain 2.0's reference loudness: a gain brings the track (or album) to -18 LUFS.
  public static let replayGainReferenceLUFS = -18.0
  /// Opus's reference (RFC 7845, EBU R 128): R128 gains bring the track (or album) to -23 LUFS.
  public static let r128ReferenceLUFS = -23.0

  /// The ReplayGain 2.0 tags (FLAC, Ogg Vorbis, MP3), as rsgain names them.
  public static let replayGainKeys = ["REPLAYGAIN_TRACK_GAIN", "REPLAYGAIN_TRACK_PEAK", "REPLAYGAIN_ALBUM_GAIN", "REPLAYGAIN_ALBUM_PEAK"]
  /// The Opus gain tags (RFC 7845 section 5.2.1).
  public static let r128Keys = ["R128_TRACK_GAIN", "R128_ALBUM_GAIN"]
  /// The text tags from album.yaml (TagLib's property names; ID3v2 maps them to TIT2, TPE1, TALB, TPE2, TSRC,
  /// TXXX:BARCODE and COMM).
  public static let textKeys = ["TITLE", "ARTIST", "ALBUM", "ALBUMARTIST", "ISRC", "BARCODE", "COMMENT"]
  /// Credits are joined into one COMMENT with this (ID3v2 allows one comment per language and description).
  public static let creditsSeparator = "; "

  /// A ReplayGain gain as rsgain and the RG2 specification write it: two decimals and " dB", e.g. "-4.52 dB".
  public static func replayGainText(gainDB: Double) -> String {
    Format.fixed((gainDB * 100).rounded() / 100 + 0.0, digits: 2) + " dB"  // + 0.0: never "-0.00"
  }

  /// A ReplayGain peak: the linear true peak (1.0 = full scale) with six decimals, e.g. "0.891251".
  public static func replayGainPeakText(truePeakDBTP: Double) -> String {
    Format.fixed(Decibels.amplitude(truePeakDBTP), digits: 6)
  }

  /// An R128 gain (RFC 7845): the gain to -23 LUFS in Q7.8 (1/256 dB steps), as a decimal integer in the
  /// signed 16-bit range, e.g. "-1157" for -4.52 dB.
  public static func r128Text(loudnessLUFS: Double) -> String {
    let q = ((r128ReferenceLUFS - loudnessLUFS) * 256).rounded()
    return String(Int(min(Double(Int16.max), max(Double(Int16.min), q))))
  }

  /// The loudness a set of tags describes: the track's and the album's.
  public struct Loudness: Sendable, Hashable {
    /// The master's integrated loudness (nil: unmeasured or silent).
    public var trackLUFS: Double?
    /// The master's true peak.
    public var trackTruePeakDBTP: Double?
    /// The album's integrated loudness over all its masters (`Planner.albumLoudness`).
    public var albumLUFS: Double?
    /// The highest true peak of the album's masters.
    public var albumTruePeakDBTP: Double?

    /// The four values (nil: not measured).
    public init(trackLUFS: Double?, trackTruePeakDBTP: Double?, albumLUFS: Double?, albumTruePeakDBTP: Double?) {
      self.trackLUFS = trackLUFS
      self.trackTruePeakDBTP = trackTruePeakDBTP
      self.albumLUFS = albumLUFS
      self.albumTruePeakDBTP = albumTruePeakDBTP
    }
  }

  /// The loudness of every master of one set (the main masters, or one variant's): each track's, with the
  /// album's from all of them (`Planner.albumLoudness`, BS.1770 gating over every track's blocks).
  public static func loudness(of masters: [TrackAnalysis]) -> [String: Loudness] {
    let albumLUFS = Planner.albumLoudness(masters)
    let albumPeak = masters.compactMap(\.loudness.truePeakDBTP).max()
    var out: [String: Loudness] = [:]
    for m in masters {
      // `broadcast(of:)` takes the same track figures.
      out[m.file] = Loudness(
        trackLUFS: m.loudness.integratedLUFS, trackTruePeakDBTP: m.loudness.truePeakDBTP, albumLUFS: albumLUFS,
        albumTruePeakDBTP: albumPeak)
    }
    return out
  }

  /// The `bext` loudness fields of a master: its loudness and true peak (`Loudness`'s track figures), and its
  /// range and largest momentary and short-term loudness from `analysis`.
  public static func broadcast(trackLUFS: Double?, trackTruePeakDBTP: Double?, analysis: TrackAnalysis?) -> BroadcastLoudness {
    BroadcastLoudness(
      loudnessValue: BroadcastLoudness.hundredths(trackLUFS),
      loudnessRange: BroadcastLoudness.hundredths(analysis?.loudness.rangeLU),
      maxTruePeakLevel: BroadcastLoudness.hundredths(trackTruePeakDBTP),
      maxMomentaryLoudness: BroadcastLoudness.hundredths(analysis?.loudness.momentaryMaxLUFS),
      maxShortTermLoudness: BroadcastLoudness.hundredths(analysis?.loudness.shortTermMaxLUFS))
  }

  /// The `bext` fields of a master measured as `master`, as the tag stage would write them
  /// (`loudness(of:)`'s track figures): what a render fills in before it closes the file.
  public static func broadcast(of master: TrackAnalysis) -> BroadcastLoudness {
    broadcast(trackLUFS: master.loudness.integratedLUFS, trackTruePeakDBTP: master.loudness.truePeakDBTP, analysis: master)
  }

  /// The tags of one master of `format`: loudness (`analysis` nil: none, and any old ones removed), and the text
  /// from album.yaml, falling back to the source's own title, artist and album (`source`) that the render copied.
  public static func tags(
    format: AudioFileFormat, loudness: Loudness?, analysis: TrackAnalysis?, release: ReleaseMetadata,
    track: TrackMetadata, source: AudioMetadata?
  ) -> AudioTags {
    var t = AudioTags()
    func set(_ key: String, _ value: String?) {
      t.managedKeys.insert(key)
      if let value { t.properties[key] = [value] }
    }
    // Text: album.yaml's values; the source's where album.yaml has none and the source is known.
    let title = track.title ?? source?.title
    let artist = track.artist ?? release.artist ?? source?.artist
    let album = release.title ?? source?.album
    for (key, value, known) in [
      ("TITLE", title, track.title != nil || source != nil), ("ARTIST", artist, artist != nil || source != nil),
      ("ALBUM", album, album != nil || source != nil),
    ] where known {
      set(key, value)
    }
    set("ALBUMARTIST", release.artist)
    set("ISRC", track.isrc)
    set("BARCODE", release.catalogEAN13)
    set("COMMENT", release.credits.isEmpty ? nil : release.credits.joined(separator: creditsSeparator))
    // Loudness: the tags of the format's own convention; the others' are removed.
    let opus = format.encoding == .opus
    let broadcast = AudioTagger.holdsBroadcast(format)
    for key in replayGainKeys {
      set(key, nil)
    }
    for key in r128Keys {
      set(key, nil)
    }
    guard let l = loudness else { return t }
    if broadcast {
      t.broadcast = ReleaseTags.broadcast(trackLUFS: l.trackLUFS, trackTruePeakDBTP: l.trackTruePeakDBTP, analysis: analysis)
    } else if opus {
      set("R128_TRACK_GAIN", l.trackLUFS.map { r128Text(loudnessLUFS: $0) })
      set("R128_ALBUM_GAIN", l.albumLUFS.map { r128Text(loudnessLUFS: $0) })
    } else {
      set("REPLAYGAIN_TRACK_GAIN", l.trackLUFS.map { replayGainText(gainDB: replayGainReferenceLUFS - $0) })
      set("REPLAYGAIN_TRACK_PEAK", l.trackTruePeakDBTP.map { replayGainPeakText(truePeakDBTP: $0) })
      set("REPLAYGAIN_ALBUM_GAIN", l.albumLUFS.map { replayGainText(gainDB: replayGainReferenceLUFS - $0) })
      set("REPLAYGAIN_ALBUM_PEAK", l.albumTruePeakDBTP.map { replayGainPeakText(truePeakDBTP: $0) })
    }
    return t
  }
}
