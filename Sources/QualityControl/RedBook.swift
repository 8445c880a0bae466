import DSP

/// The audio CD's rules (Red Book, IEC 60908): the one home of its format, its limits and its QA rows.
public enum RedBook {
  /// 44.1 kHz.
  public static let sampleRateHz = 44_100
  /// 16-bit samples.
  public static let bits = 16
  /// Two channels (a mono master is written to both).
  public static let channels = 2
  /// Samples per channel in one CD frame (sector): 2352 bytes of 16-bit stereo.
  public static let samplesPerFrame = 588
  /// Frames per second: the FF of MM:SS:FF.
  public static let framesPerSecond = 75
  /// The silence before track 1: 2 s, fixed by the standard.
  public static let firstPregapFrames = 2 * framesPerSecond
  /// At most 99 tracks.
  public static let maxTracks = 99
  /// At most 79:57 in all (the image, track 1's pregap included), the customary limit of an 80-minute disc.
  public static let maxTotalFrames = (79 * 60 + 57) * framesPerSecond
  /// Every track at least 4 s (its own audio, gap not counted).
  public static let minTrackSeconds = 4.0

  /// `seconds` to whole CD frames, to the nearest.
  public static func frames(seconds: Double) -> Int { Int((seconds * Double(framesPerSecond)).rounded()) }

  /// Whole frames holding `samples` samples: the last one is padded with silence.
  public static func frames(samples: Int64) -> Int {
    Int((samples + Int64(samplesPerFrame) - 1) / Int64(samplesPerFrame))
  }

  /// `MM:SS:FF` (minutes may pass 99 only on an image that fails `maxTotalFrames` anyway).
  public static func msf(_ frames: Int) -> String {
    let f = max(0, frames)
    func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return "\(two(f / (60 * framesPerSecond))):\(two(f / framesPerSecond % 60)):\(two(f % framesPerSecond))"
  }

  /// The Red Book rows of a CD image: `cd-track-count`, `cd-total-length` (album) and `cd-track-length` (per
  /// track); each failure fails QA, as a disc that breaks them will not burn or play everywhere.
  /// - Parameters:
  ///   - tracks: each track's file and its length in samples at 44.1 kHz, in disc order.
  ///   - totalFrames: the whole image in CD frames, track 1's pregap and every gap included.
  public static func checks(tracks: [(file: String, samples: Int64)], totalFrames: Int) -> [QAFinding] {
    var rows = [
      QAFinding(
        check: "cd-track-count", track: nil, status: tracks.count > maxTracks ? .fail : .pass,
        value: "\(tracks.count) tracks", limit: "≤ \(maxTracks) tracks",
        message: "A CD holds at most \(maxTracks) tracks; split the album over two discs."),
      QAFinding(
        check: "cd-total-length", track: nil, status: totalFrames > maxTotalFrames ? .fail : .pass,
        value: msf(totalFrames), limit: "≤ \(msf(maxTotalFrames))",
        message: "An audio CD plays at most 79:57; shorten the gaps or split the album over two discs."),
    ]
    for t in tracks {
      let seconds = Double(t.samples) / Double(sampleRateHz)
      rows.append(
        QAFinding(
          check: "cd-track-length", track: t.file, status: seconds < minTrackSeconds ? .fail : .pass,
          value: "\(Format.fixed(seconds, digits: 2)) s", limit: "≥ \(Format.fixed(minTrackSeconds, digits: 2)) s",
          message: "Every CD track lasts at least \(Format.compact(minTrackSeconds)) s; join this one to its neighbour or leave it off the disc."))
    }
    return rows
  }
}

extension QAReport {
  /// The report with `more` findings after its own, the verdict taken over all of them.
  public func adding(_ more: [QAFinding]) -> QAReport {
    more.isEmpty ? self : QAReport(preset: preset, findings: findings + more)
  }
}
