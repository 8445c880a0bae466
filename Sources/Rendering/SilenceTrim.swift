import Analysis
import AudioIO

/// The optional trim of silence at the ends of a track: leading silence longer than `trimStartMS` is cut to
/// it, trailing silence longer than `trimEndMS` likewise. Silence is what the `leading-silence` and
/// `trailing-silence` checks count: frames with every sample under `SampleStats.silenceLevel` (−60 dBFS), on
/// the source. The cut is made on the source's frames, before any processing; a track that is silent
/// throughout is not trimmed.
public enum SilenceTrim {
  /// The source frames a master of `source` keeps; `nil` when `settings` trims neither end.
  public static func keptFrames(source: String, settings: RenderSettings) throws(AudioIOError) -> Range<Int64>? {
    guard settings.edits.trimStartMS != nil || settings.edits.trimEndMS != nil else { return nil }
    var reader = try AudioFileReader(path: source)
    let channels = reader.info.channels, rate = Double(reader.info.sampleRate)
    let blockFrames = 32768
    let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: blockFrames * channels)
    defer { buffer.deallocate() }
    var position: Int64 = 0
    var firstLoud: Int64? = nil, lastLoud: Int64 = -1
    while true {
      let got = try reader.read(into: buffer, maxFrames: blockFrames)
      if got == 0 { break }
      for f in 0..<got {
        var loud = false
        for c in 0..<channels where abs(buffer[f * channels + c]) >= SampleStats.silenceLevel { loud = true }
        if loud {
          if firstLoud == nil { firstLoud = position + Int64(f) }
          lastLoud = position + Int64(f)
        }
      }
      position += Int64(got)
    }
    guard let firstLoud else { return 0..<position }
    let start = settings.edits.trimStartMS.map { max(0, firstLoud - Int64(($0 * rate / 1000).rounded())) } ?? 0
    let end = settings.edits.trimEndMS.map { min(position, lastLoud + 1 + Int64(($0 * rate / 1000).rounded())) } ?? position
    return start..<end
  }
}

/// Passes on only the frames of a stream inside `kept`, block by block.
struct TrimWindow {
  /// The frames kept.
  let kept: Range<Int64>
  /// Interleaved channels per frame.
  let channels: Int
  /// Frames seen so far.
  private(set) var position: Int64 = 0

  /// A window keeping `kept` of a stream of `channels` channels.
  init(kept: Range<Int64>, channels: Int) {
    self.kept = kept
    self.channels = channels
  }

  /// Whether every kept frame has been passed on.
  var isPast: Bool { position >= kept.upperBound }

  /// The part of the next block inside the window.
  mutating func clip(_ block: [Float]) -> [Float] {
    let frames = Int64(block.count / channels)
    defer { position += frames }
    let lo = max(kept.lowerBound, position), hi = min(kept.upperBound, position + frames)
    guard lo < hi else { return [] }
    if lo == position && hi == position + frames { return block }
    return Array(block[Int(lo - position) * channels..<Int(hi - position) * channels])
  }
}
