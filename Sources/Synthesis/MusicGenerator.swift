import DSP

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The character of one synthetic track.
public struct TrackStyle: Sendable, Hashable {
  /// Seeds the noise of the snare, hi-hat and texture: the same seed gives the same samples.
  public var seed: UInt64
  /// Tempo in beats per minute; the sequencer steps in sixteenth notes.
  public var tempoBPM: Double
  /// MIDI note of the key's root, e.g. 45 = A2.
  public var rootNote: Int
  /// Chord roots per bar, in semitones above the root (minor triads are built on them).
  public var progression: [Int]
  /// Gain on the part of the spectrum below ~700 Hz (linear).
  public var lowGain: Float
  /// Gain on the part above ~700 Hz (linear): < 1 sounds dark, > 1 bright.
  public var highGain: Float
  /// Side gain in M/S: 0 is mono, 1 as mixed, > 1 wider.
  public var width: Float
  /// Overall gain in dB.
  public var gainDB: Double
  /// If set, the output is hard-clipped at this level (linear), as an over-driven master would be.
  public var clipLevel: Float?

  /// A style; only the seed is required, the defaults are a balanced mix at unity gain.
  public init(
    seed: UInt64, tempoBPM: Double = 120, rootNote: Int = 45, progression: [Int] = [0, 8, 3, 10],
    lowGain: Float = 1, highGain: Float = 1, width: Float = 1, gainDB: Double = 0, clipLevel: Float? = nil
  ) {
    self.seed = seed
    self.tempoBPM = tempoBPM
    self.rootNote = rootNote
    self.progression = progression
    self.lowGain = lowGain
    self.highGain = highGain
    self.width = width
    self.gainDB = gainDB
    self.clipLevel = clipLevel
  }
}

/// Streams deterministic, music-like stereo audio: kick, snare, hi-hat, bass, a chord pad and a wide noise
/// texture over a four-bar progression. Everything is defined in seconds, so a style sounds the same at any rate.
/// Output is interleaved stereo `Float`, rendered block by block with constant memory.
public struct MusicGenerator {
  /// What it plays.
  public let style: TrackStyle
  /// Output sample rate in Hz.
  public let sampleRateHz: Double
  /// Total length; the last 2 s fade out and the first 50 ms fade in, so there is no click.
  public let durationFrames: Int
  private var rng: SplitMix64
  private var n = 0
  private let stepFrames: Int
  private let gain: Float
  // Voice state.
  private var kickAge = Int.max / 2, snareAge = Int.max / 2, hatAge = Int.max / 2
  private var kickPhase = 0.0, snarePhase = 0.0
  private var bassPhase = 0.0, bassFreq = 55.0, bassAge = 0
  private var chordPhases = [Double](repeating: 0, count: 6)
  private var chordFreqs = [Double](repeating: 110, count: 3)
  private var bassLP: Float = 0, chordLPL: Float = 0, chordLPR: Float = 0
  private var hatPrev: Float = 0, snarePrev: Float = 0
  private var texL: Float = 0, texR: Float = 0
  private var toneLPL: Float = 0, toneLPR: Float = 0
  private let aBass: Float, aChord: Float, aTex: Float, aTone: Float

  /// A generator for `durationSeconds` of `style` at `sampleRateHz`, starting at frame 0.
  public init(style: TrackStyle, sampleRateHz: Int, durationSeconds: Double) {
    self.style = style
    self.sampleRateHz = Double(sampleRateHz)
    durationFrames = Int(clamping: durationSeconds * Double(sampleRateHz))
    rng = SplitMix64(seed: style.seed)
    stepFrames = max(1, Int(clamping: (60 / style.tempoBPM / 4 * Double(sampleRateHz)).rounded()))
    gain = Float(pow(10, style.gainDB / 20))
    func onePole(_ hz: Double) -> Float { Float(1 - exp(-2 * Double.pi * hz / Double(sampleRateHz))) }
    aBass = onePole(350)
    aChord = onePole(2_500)
    aTex = onePole(4_000)
    aTone = onePole(700)
  }

  /// Frames left to render.
  public var remainingFrames: Int { durationFrames - n }

  private static func hz(_ midi: Double) -> Double { 440 * pow(2, (midi - 69) / 12) }

  private mutating func trigger(step: Int) {
    let s = step % 16
    let bar = step / 16
    if s == 0 || s == 8 || (s == 10 && bar % 2 == 1) {
      kickAge = 0
      kickPhase = 0
    }
    if s == 4 || s == 12 { snareAge = 0 }
    if s % 2 == 0 || (s == 15 && bar % 4 == 3) { hatAge = 0 }
    let chordRoot = Double(style.rootNote + style.progression[bar % style.progression.count])
    if s % 4 == 0 {
      bassFreq = Self.hz(chordRoot + (s == 12 ? 7 : 0))
      bassAge = 0
    }
    if s == 0 {
      // A minor triad an octave above the bass.
      chordFreqs = [Self.hz(chordRoot + 12), Self.hz(chordRoot + 15), Self.hz(chordRoot + 19)]
    }
  }

  /// Renders up to `frames` stereo frames into `out` (interleaved L, R); returns how many were written.
  public mutating func render(into out: UnsafeMutablePointer<Float>, frames: Int) -> Int {
    let count = min(frames, remainingFrames)
    let fs = sampleRateHz
    let twoPi = 2 * Double.pi
    let fadeIn = Int(0.05 * fs), fadeOut = Int(2.0 * fs)
    for i in 0..<count {
      if n % stepFrames == 0 { trigger(step: n / stepFrames) }
      let tk = Double(kickAge) / fs, ts = Double(snareAge) / fs, th = Double(hatAge) / fs
      let tb = Double(bassAge) / fs

      // Kick: a sine falling from 125 to 45 Hz.
      kickPhase += twoPi * (45 + 80 * exp(-tk / 0.03)) / fs
      let kick = Float(sin(kickPhase) * exp(-tk / 0.28)) * 0.9
      // Snare: a 185 Hz body and a noise burst (first difference: brighter).
      snarePhase += twoPi * 185 / fs
      let sn = rng.nextBipolar()
      let snare = Float(sin(snarePhase) * exp(-ts / 0.05)) * 0.35 + (sn - 0.5 * snarePrev) * Float(exp(-ts / 0.11)) * 0.35
      snarePrev = sn
      // Hi-hat: second-differenced noise, short.
      let hn = rng.nextBipolar()
      let hat = (hn - hatPrev) * Float(exp(-th / 0.025)) * 0.18
      hatPrev = hn
      // Bass: a low-passed saw.
      bassPhase += bassFreq / fs
      bassPhase -= bassPhase.rounded(.down)
      bassLP += aBass * (Float(2 * bassPhase - 1) - bassLP)
      let bass = bassLP * Float(min(1, tb / 0.005) * (0.55 + 0.45 * exp(-tb / 0.2))) * 0.55
      // Chord pad: three saws per side, detuned in opposite directions so the sides differ.
      var padL: Float = 0, padR: Float = 0
      for v in 0..<3 {
        chordPhases[v] += chordFreqs[v] * 0.9985 / fs
        chordPhases[v] -= chordPhases[v].rounded(.down)
        chordPhases[v + 3] += chordFreqs[v] * 1.0015 / fs
        chordPhases[v + 3] -= chordPhases[v + 3].rounded(.down)
        padL += Float(2 * chordPhases[v] - 1)
        padR += Float(2 * chordPhases[v + 3] - 1)
      }
      chordLPL += aChord * (padL - chordLPL)
      chordLPR += aChord * (padR - chordLPR)
      let swell = Float(0.75 + 0.25 * sin(twoPi * Double(n) / fs / 8))
      // Texture: independent low-passed noise per side, slowly breathing.
      texL += aTex * (rng.nextBipolar() - texL)
      texR += aTex * (rng.nextBipolar() - texR)
      let breath = Float(0.5 + 0.5 * sin(twoPi * Double(n) / fs / 5.3))

      var l = kick + snare + bass + 0.6 * hat + 0.11 * swell * chordLPL + 0.25 * breath * texL
      var r = kick + snare + bass + 1.0 * hat + 0.11 * swell * chordLPR + 0.25 * breath * texR

      // Tone: split at ~700 Hz and weight the halves.
      toneLPL += aTone * (l - toneLPL)
      toneLPR += aTone * (r - toneLPR)
      l = style.lowGain * toneLPL + style.highGain * (l - toneLPL)
      r = style.lowGain * toneLPR + style.highGain * (r - toneLPR)
      // Width in M/S.
      let m = 0.5 * (l + r), s = 0.5 * (l - r) * style.width
      l = m + s
      r = m - s
      // Level, fades, then the optional hard clip.
      var g = gain
      if n < fadeIn { g *= Float(n) / Float(fadeIn) }
      let left = durationFrames - n
      if left < fadeOut { g *= Float(left) / Float(fadeOut) }
      l *= g
      r *= g
      if let c = style.clipLevel {
        l = min(c, max(-c, l))
        r = min(c, max(-c, r))
      }
      out[2 * i] = l
      out[2 * i + 1] = r
      n += 1
      kickAge += 1
      snareAge += 1
      hatAge += 1
      bassAge += 1
    }
    return count
  }
}
