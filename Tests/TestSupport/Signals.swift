import DSP
import AudioIO
import Foundation
import Synthesis

/// Test signals whose answers are known from physics or from the standards.
public enum Signals {
  /// A sine of `amplitude` (peak, linear) on every channel of `channelAmplitudes` (nil: use `amplitude` on
  /// `channels` channels), phase-continuous, interleaved.
  public static func sine(
    frequencyHz: Double, amplitude: Double = 1, phaseDegrees: Double = 0, seconds: Double, sampleRateHz: Int,
    channels: Int = 2, channelAmplitudes: [Double]? = nil
  ) -> [Float] {
    let amps = channelAmplitudes ?? Array(repeating: amplitude, count: channels)
    let frames = Int((seconds * Double(sampleRateHz)).rounded())
    var out = [Float](repeating: 0, count: frames * amps.count)
    let w = 2 * Double.pi * frequencyHz / Double(sampleRateHz), p0 = phaseDegrees * .pi / 180
    for i in 0..<frames {
      let s = sin(w * Double(i) + p0)
      for (c, a) in amps.enumerated() { out[i * amps.count + c] = Float(a * s) }
    }
    return out
  }

  /// Concatenated sine segments of one frequency at the given dBFS levels and durations, phase-continuous
  /// (EBU Tech 3341 case 2, Tech 3342 LRA cases).
  public static func sineSegments(
    frequencyHz: Double, segments: [(dBFS: Double, seconds: Double)], sampleRateHz: Int, channels: Int = 2
  ) -> [Float] {
    var out: [Float] = []
    let w = 2 * Double.pi * frequencyHz / Double(sampleRateHz)
    var i = 0
    for seg in segments {
      let a = pow(10, seg.dBFS / 20)
      let frames = Int((seg.seconds * Double(sampleRateHz)).rounded())
      for _ in 0..<frames {
        let s = Float(a * sin(w * Double(i)))
        for _ in 0..<channels { out.append(s) }
        i += 1
      }
    }
    return out
  }

  /// Uniform white noise in [−amplitude, amplitude), independent per channel, seeded.
  public static func whiteNoise(
    amplitude: Float = 0.5, seconds: Double, sampleRateHz: Int, channels: Int = 2, seed: UInt64 = 7
  ) -> [Float] {
    var rng = SplitMix64(seed: seed)
    let n = Int(seconds * Double(sampleRateHz)) * channels
    return (0..<n).map { _ in amplitude * rng.nextBipolar() }
  }

  /// Linear fades in and out over `seconds` at each end (Tech 3341 true-peak cases use 100 ms).
  public static func faded(_ x: [Float], channels: Int, seconds: Double, sampleRateHz: Int) -> [Float] {
    var y = x
    let frames = x.count / channels
    let n = Int(seconds * Double(sampleRateHz))
    for i in 0..<min(n, frames) {
      let g = Float(i) / Float(n)
      for c in 0..<channels {
        y[i * channels + c] *= g
        y[(frames - 1 - i) * channels + c] *= g
      }
    }
    return y
  }
}

/// A fresh folder under the system temp folder, removed by `remove()`.
public struct TempFolder: Sendable {
  public let path: String

  public init(_ label: String = "albummaster-test") {
    let base = NSTemporaryDirectory() + "\(label)-\(getpid())-\(UUID().uuidString.prefix(8))"
    try! FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    path = base
  }

  /// The path of `name` inside the folder.
  public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

  public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Writes interleaved samples to a file (32-bit float WAV unless told otherwise) and returns its path.
@discardableResult
public func writeAudio(
  _ samples: [Float], channels: Int, sampleRateHz: Int, to path: String,
  format: AudioFileFormat = AudioFileFormat(container: .wav, encoding: .float32), metadata: AudioMetadata = .init()
) throws -> String {
  var w = try AudioFileWriter(
    path: path, format: format, sampleRateHz: sampleRateHz, channels: channels, metadata: metadata)
  try w.write(samples)
  try w.finish()
  return path
}

/// SHA-256-free content fingerprint for "did this file change" checks: the bytes themselves.
public func fileBytes(_ path: String) -> Data { FileManager.default.contents(atPath: path) ?? Data() }

/// The sample rates that the analysis tests run at.
public let testSampleRates = [44_100, 48_000, 96_000]

import Analysis

/// Writes `samples` to a temp float WAV, analyses it and removes the file.
public func analyzeSignal(_ samples: [Float], channels: Int, sampleRateHz: Int) throws -> TrackAnalysis {
  let dir = TempFolder("analysis")
  defer { dir.remove() }
  let path = try writeAudio(samples, channels: channels, sampleRateHz: sampleRateHz, to: dir.file("signal.wav"))
  return try TrackAnalyzer.analyze(path: path, file: "signal.wav")
}

extension TempFolder {
  /// Treats an existing folder as a TempFolder (its owner removes it).
  public init(wrapping path: String) { self.path = path }
}
