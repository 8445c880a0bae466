import DSP
import Foundation
import Testing
import TestSupport

/// The compressor's look-ahead: the gain leads the audio by `latencyFrames`, and `processAligned` keeps the stream
/// aligned with its input, whatever the block sizes.
@Suite struct CompressorLookaheadTests {
  static let cases = CompressorTests.cases

  /// Runs `x` through a fresh compressor with `processAligned` in blocks cycling through `blocks`, then the flush.
  static func aligned(_ x: [Float], settings: CompressorSettings, channels: Int, rate: Int, blocks: [Int]) throws -> (out: [Float], stats: CompressorStats) {
    var c = try Compressor(settings: settings, channels: channels, sampleRateHz: rate)
    var drop = c.latencyFrames
    var out = DynamicsReference.stream(x, channels: channels, blocks: blocks) { block, _ in
      c.processAligned(&block, dropFrames: &drop, final: false)
    }
    var tail: [Float] = []
    c.processAligned(&tail, dropFrames: &drop, final: true)
    out += tail
    return (out, c.stats)
  }

  static func settings(lookaheadMS: Double?) -> CompressorSettings {
    var s = CompressorSettings(thresholdDBFS: -30)
    s.attackMS = 10
    s.lookaheadMS = lookaheadMS
    return s
  }

  @Test("Latency is the look-ahead in frames; aligned, a signal under the knee comes out bit for bit, for every block size", arguments: cases)
  func alignedAndTransparent(rate: Int, channels: Int) throws {
    let s = Self.settings(lookaheadMS: 10)
    #expect(try Compressor(settings: s, channels: channels, sampleRateHz: rate).latencyFrames == Int((0.01 * Double(rate)).rounded()))
    let quiet = Signals.whiteNoise(amplitude: 0.001, seconds: 0.3, sampleRateHz: rate, channels: channels)
    for blocks in DynamicsReference.blockCases {
      let out = try Self.aligned(quiet, settings: s, channels: channels, rate: rate, blocks: blocks).out
      #expect(DynamicsReference.bits(out) == DynamicsReference.bits(quiet), "blocks \(blocks.prefix(3))")
    }
    let loud = Signals.whiteNoise(amplitude: 0.5, seconds: 0.3, sampleRateHz: rate, channels: channels)
    let stats = try DynamicsReference.expectSameForEveryBlockSize { blocks in
      try Self.aligned(loud, settings: s, channels: channels, rate: rate, blocks: blocks)
    }
    #expect(stats.maxGainReductionDB > 5)
  }

  @Test("A +20 dB step meets a gain already falling: at the step, ≥ 3 dB of reduction with a 10 ms look-ahead, < 0.5 dB without", arguments: cases)
  func leadsTheStep(rate: Int, channels: Int) throws {
    let x = Signals.sineSegments(frequencyHz: 1000, segments: [(-40, 0.3), (-10, 0.3)], sampleRateHz: rate, channels: channels)
    let step = Int(0.3 * Double(rate))
    func reductionAtStepDB(_ lookaheadMS: Double?) throws -> Double {
      let y = try Self.aligned(x, settings: Self.settings(lookaheadMS: lookaheadMS), channels: channels, rate: rate, blocks: [4096]).out
      #expect(y.count == x.count)
      // The first millisecond after the step: output over input energy.
      return -DynamicsReference.gainDB(y, over: x, channels: channels, frames: step..<(step + rate / 1000))
    }
    let ahead = try reductionAtStepDB(10)
    let none = try reductionAtStepDB(nil)
    #expect(ahead >= 3, "with look-ahead: \(ahead) dB")
    #expect(none < 0.5, "without: \(none) dB")
  }
}
