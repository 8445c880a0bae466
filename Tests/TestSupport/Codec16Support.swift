import AudioIO
import DSP
import Foundation
import Matching
import Rendering

/// Runs ffmpeg with `arguments` (quiet, overwriting); throws with its stderr when it fails.
public func codec16FFmpeg(_ arguments: [String]) throws {
  let p = Process()
  p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
  p.arguments = ["-v", "error", "-nostdin", "-y"] + arguments
  let err = Pipe()
  p.standardError = err
  p.standardOutput = FileHandle.nullDevice
  try p.run()
  let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  p.waitUntilExit()
  guard p.terminationStatus == 0 else {
    throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "ffmpeg \(arguments): \(text)"])
  }
}

/// `path` decoded by ffmpeg to interleaved 32-bit floats (its native rate and channels).
public func codec16FFmpegDecode(_ path: String, channels: Int = 2) throws -> [Float] {
  let raw = NSTemporaryDirectory() + "codec16-\(getpid())-\(UUID().uuidString.prefix(8)).f32"
  defer { try? FileManager.default.removeItem(atPath: raw) }
  try codec16FFmpeg(["-i", path, "-ac", "\(channels)", "-f", "f32le", "-c:a", "pcm_f32le", raw])
  let data = FileManager.default.contents(atPath: raw) ?? Data()
  return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
}

/// An independent true peak, dBTP: 16× oversampling by a 128-tap Kaiser-windowed sinc (β 9) per phase,
/// evaluated around every sample within 9 dB of the channel's sample peak (where an inter-sample peak can be).
public func codec16TruePeak16x(_ x: [Float], channels: Int) -> Double {
  let half = 64, phases = 16
  func bessel0(_ v: Double) -> Double {
    var sum = 1.0, term = 1.0
    for k in 1..<40 {
      term *= (v / 2 / Double(k)) * (v / 2 / Double(k))
      sum += term
    }
    return sum
  }
  // taps[p][j]: the weight of x[i + j - half + 1] for the value at i + p/16.
  let beta = 9.0
  var taps = [[Double]](repeating: [], count: phases)
  for p in 0..<phases {
    taps[p] = (0..<(2 * half)).map { j in
      let t = Double(j - half + 1) - Double(p) / Double(phases)
      let sinc = t == 0 ? 1 : sin(Double.pi * t) / (Double.pi * t)
      let r = t / Double(half)
      let w = abs(r) >= 1 ? 0 : bessel0(beta * (1 - r * r).squareRoot()) / bessel0(beta)
      return sinc * w
    }
  }
  let frames = x.count / channels
  var peak = 0.0
  for c in 0..<channels {
    var samplePeak: Float = 0
    for i in 0..<frames { samplePeak = max(samplePeak, abs(x[i * channels + c])) }
    let floor = samplePeak * 0.35
    for i in 0..<frames where abs(x[i * channels + c]) >= floor || (i + 1 < frames && abs(x[(i + 1) * channels + c]) >= floor) {
      peak = max(peak, Double(abs(x[i * channels + c])))
      for p in 1..<phases {
        var v = 0.0
        for j in 0..<(2 * half) {
          let k = i + j - half + 1
          if k >= 0 && k < frames { v += Double(x[k * channels + c]) * taps[p][j] }
        }
        peak = max(peak, abs(v))
      }
    }
  }
  return 20 * log10(max(peak, 1e-20))
}

/// The planted codec-overshoot track: dense, saturated synthetic music at 48 kHz, 24-bit, with 50 ms fades,
/// driven `driveDB` into the true-peak limiter at `ceilingDBTP` (just under −1 dBTP): within −1 dBTP as a file,
/// over it once libopus at 128 kb/s has coded it.
public func codec16PlantedTrack(to path: String, seconds: Double = 10, driveDB: Double = 14, ceilingDBTP: Double = -1.1) throws {
  let dir = TempFolder("codec16-source")
  defer { dir.remove() }
  let x = Signals.faded(music(seed: 16, seconds: seconds, clip: 0.3), channels: 2, seconds: 0.05, sampleRateHz: 48_000)
  try writeAudio(x, channels: 2, sampleRateHz: 48_000, to: dir.file("src.wav"))
  var settings = RenderSettings()
  settings.bits = .pcm24
  _ = try TrackRenderer.render(
    source: dir.file("src.wav"),
    plan: TrackPlan(
      file: (path as NSString).lastPathComponent, eq: .flat, gainDB: driveDB, widthDB: 0, sourceLUFS: nil, targetLUFS: nil,
      ceilingDBTP: ceilingDBTP, limiter: true, reasons: []),
    settings: settings, to: path)
}
