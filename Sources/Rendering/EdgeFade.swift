import Analysis
import Foundation
import Matching

/// The edits at the ends of a track: fades and trims. `nil` fields are not set (a default, or a setting
/// from further down the precedence, applies).
public struct EditSettings: Sendable, Hashable, Codable {
  /// Length of the fade at an edge that starts or ends at level, ms; `nil` = `EdgeFade.defaultFadeMS`, 0 = off.
  public var fadeMS: Double?
  /// Silence kept before the music, ms: longer leading silence is trimmed to it; `nil` = no trim.
  public var trimStartMS: Double?
  /// Silence kept after the music, ms: longer trailing silence is trimmed to it; `nil` = no trim.
  public var trimEndMS: Double?

  /// Nothing set.
  public init() {}

  /// Each field of `self`, or `other`'s where `self` sets none.
  public func over(_ other: EditSettings) -> EditSettings {
    var e = self
    for o in EditLimits.options where e[keyPath: o.setting] == nil { e[keyPath: o.setting] = other[keyPath: o.setting] }
    return e
  }

  /// Checks the values given on the command line; the error names the flag.
  public func validateFlags() throws(InputError) {
    for e in EditLimits.options {
      if let v = self[keyPath: e.setting], let p = e.limits.problem(v) { throw InputError(subject: e.limits.flag ?? e.limits.key, problem: p) }
    }
  }

  /// Frames of each fade at `rateHz` (0: no fades).
  public func fadeFrames(rateHz: Int) -> Int {
    Int(((fadeMS ?? EdgeFade.defaultFadeMS) * Double(rateHz) / 1000).rounded())
  }
}

/// The ranges of the edit settings: album.yaml and the flags check against these.
public enum EditLimits {
  /// `fadeMS` / `--fade-ms`.
  public static let fadeMS = OptionRange(key: "fadeMS", flag: "--fade-ms", range: 0...1000)
  /// `trimStartMS` / `--trim-start-ms`.
  public static let trimStartMS = OptionRange(key: "trimStartMS", flag: "--trim-start-ms", range: 0...600_000)
  /// `trimEndMS` / `--trim-end-ms`.
  public static let trimEndMS = OptionRange(key: "trimEndMS", flag: "--trim-end-ms", range: 0...600_000)

  /// Every edit setting with the field that holds it.
  public static var options: [(limits: OptionRange, setting: WritableKeyPath<EditSettings, Double?>)] {
    [
      (fadeMS, \.fadeMS), (trimStartMS, \.trimStartMS), (trimEndMS, \.trimEndMS),
    ]
  }
}

/// A short raised-cosine fade at an edge of a track that starts or ends at level (`DefectThresholds.isClick`
/// on its first or last frame, the `click` check's condition), so that it does not click.
///
/// Streaming: the first `fadeFrames` frames are held until the fade-in is decided, and the last `fadeFrames`
/// are always held back until the end, where the fade-out is decided. Frames pass through in order and
/// unchanged outside the fades: the frame count and every other sample stay exactly as without it. The fade-in
/// gain of frame i (0-based) is ½ − ½·cos(π·i/n), 0 at the first frame; the fade-out mirrors it, 0 at the last.
/// A track shorter than one fade is faded over its whole length.
public struct EdgeFade {
  /// The default fade length, ms: short enough that nothing musical changes.
  public static let defaultFadeMS = 5.0

  /// Interleaved channels per frame.
  public let channels: Int
  /// Frames of each fade.
  public let fadeFrames: Int
  /// Whether the fade-in and the fade-out were applied.
  public private(set) var fadedIn = false, fadedOut = false
  private var head: [Float] = []
  private var headDone = false
  private var tail: [Float] = []

  /// A fade of `fadeFrames` frames (≥ 1) on a stream of `channels` channels.
  public init(channels: Int, fadeFrames: Int) {
    self.channels = channels
    self.fadeFrames = max(1, fadeFrames)
  }

  /// The next block: what can be passed on now (the frames held back come later).
  public mutating func process(_ block: [Float]) -> [Float] {
    var x = block
    if !headDone {
      head += x
      guard head.count >= fadeFrames * channels else { return [] }
      x = head
      head = []
      fadeIn(&x)
    }
    let keep = fadeFrames * channels
    if x.count >= keep {
      let out = tail + x[..<(x.count - keep)]
      tail = Array(x[(x.count - keep)...])
      return out
    }
    tail += x
    let over = tail.count - keep
    guard over > 0 else { return [] }
    let out = Array(tail[..<over])
    tail.removeFirst(over)
    return out
  }

  /// The frames held back, faded out when the track ends at level.
  public mutating func finish() -> [Float] {
    var x = tail
    tail = []
    if !headDone {
      var h = head
      head = []
      fadeIn(&h)
      x += h
    }
    let frames = x.count / channels
    guard frames > 0, DefectThresholds.standard.isClick(framePeak: Self.peak(x, frame: frames - 1, channels: channels)) else { return x }
    fadedOut = true
    for i in 0..<frames {
      let g = Float(0.5 + 0.5 * cos(Double.pi * Double(i + 1) / Double(frames)))
      for c in 0..<channels { x[i * channels + c] *= g }
    }
    return x
  }

  /// Fades in the first frames of `x` (the whole of it when shorter) when its first frame is at level.
  private mutating func fadeIn(_ x: inout [Float]) {
    headDone = true
    let frames = min(fadeFrames, x.count / channels)
    guard frames > 0, DefectThresholds.standard.isClick(framePeak: Self.peak(x, frame: 0, channels: channels)) else { return }
    fadedIn = true
    for i in 0..<frames {
      let g = Float(0.5 - 0.5 * cos(Double.pi * Double(i) / Double(frames)))
      for c in 0..<channels { x[i * channels + c] *= g }
    }
  }

  /// The largest |x| of one frame.
  private static func peak(_ x: [Float], frame: Int, channels: Int) -> Float {
    (0..<channels).reduce(Float(0)) { max($0, abs(x[frame * channels + $1])) }
  }
}
