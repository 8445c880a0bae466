import AlbumMaster
import ArgumentParser
import Foundation
import Matching
import Synthesis

struct Demo: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Synthesize the demo album: six tracks with every problem AlbumMaster fixes.",
    discussion: "The files are byte-identical on every run. Existing files of the same names are replaced.")

  @Argument(help: "Where to write the album.")
  var folder: String = "Albums/Demo"

  @Flag(name: .long, help: "Print nothing but errors.")
  var quiet = false

  func run() async throws {
    try await Interruption.run { try body() }
  }

  private func body() throws {
    let paths = try SynthesisWriter.writeDemoAlbum(to: folder)
    if !quiet {
      for (path, track) in zip(paths, DemoAlbum.tracks) { StandardStreams.out("\(path)  (\(track.plantedProblem))\n") }
    }
  }
}

struct Generate: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write one synthetic, music-like stereo track of any length (benchmark and test material).",
    discussion: "The format follows the extension: .wav, .flac or .aiff. Memory stays flat whatever the length.")

  @Argument(help: "The file to write.")
  var file: String

  @Option(parsing: .unconditional, help: "Length in seconds.")
  var seconds: Double = 600

  @Option(name: .customLong("sample-rate"), parsing: .unconditional, help: "Sample rate in Hz.")
  var sampleRate: Int = 48_000

  @Option(help: "Bits per sample: 16 or 24.")
  var bits: Int = 24

  @Option(help: "Seed of the synthesis; the same seed gives the same file.")
  var seed: UInt64 = 1

  func validate() throws {
    do throws(InputError) { try SynthesisWriter.validateTrack(seconds: seconds, sampleRateHz: sampleRate, bits: bits) } catch { throw usageError(error) }
    guard ["wav", "flac", "aiff", "aif"].contains((file as NSString).pathExtension.lowercased()) else {
      throw ValidationError("the file must end in .wav, .flac or .aiff")
    }
  }

  func run() async throws {
    try await Interruption.run { try body() }
  }

  private func body() throws {
    let ext = (file as NSString).pathExtension.lowercased()
    let container: AudioContainerName = ext == "flac" ? .flac : ext.hasPrefix("aif") ? .aiff : .wav
    try SynthesisWriter.writeTrack(
      style: TrackStyle(seed: seed, gainDB: -4), seconds: seconds, sampleRateHz: sampleRate, to: file,
      container: container, bits: bits)
  }
}
