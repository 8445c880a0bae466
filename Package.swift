// swift-tools-version: 6.0
import PackageDescription

// The layout follows the pipeline: C shims → AudioIO/DSP → Analysis → Matching → Reports → AlbumMaster → CLI.
// Only the wrapper targets (AudioIO, DSP, Analysis) import the C modules.
let package = Package(
  name: "AlbumMaster",
  products: [
    .executable(name: "albummaster", targets: ["AlbumMasterCLI"]),
    .library(name: "AlbumMaster", targets: ["AlbumMaster"]),
    .executable(name: "embed-example", targets: ["EmbedExample"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.0"),
    .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
  ],
  targets: [
    .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
    .systemLibrary(name: "CFFTW3", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
    .systemLibrary(name: "CEBUR128", pkgConfig: "libebur128", providers: [.apt(["libebur128-dev"])]),
    .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"])]),
    .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
    // TagLib (Debian libtag1-dev) behind a C++ shim with extern "C" functions: libsndfile cannot write ID3 TXXX
    // frames, Opus tags or Vorbis comments beyond its string set, and TagLib's C API has no property map.
    .target(name: "CTagLib", linkerSettings: [.linkedLibrary("tag")]),

    // Infrastructure apart from the domain: block queues, background threads, job slots, FNV-1a. No C, no audio.
    .target(name: "Infrastructure"),
    .target(name: "AudioIO", dependencies: ["CSndFile", "CTagLib", "DSP", "Infrastructure"]),
    .target(name: "DSP", dependencies: ["CFFTW3", "CSoxr", "CCrypto"]),
    .target(name: "Synthesis", dependencies: ["DSP"]),
    .target(name: "Analysis", dependencies: ["AudioIO", "DSP", "CEBUR128", "Infrastructure"]),
    .target(name: "Matching", dependencies: ["AudioIO", "Analysis", "DSP"]),
    .target(name: "Rendering", dependencies: ["AudioIO", "Analysis", "DSP", "Matching", "Infrastructure"]),
    .target(name: "QualityControl", dependencies: ["Analysis", "DSP", "Matching"]),
    .target(name: "Reports", dependencies: ["AudioIO", "DSP", "Analysis", "Matching", "Rendering", "QualityControl", .product(name: "CSV", package: "CSV.swift"), .product(name: "Mustache", package: "swift-mustache")]),
    .target(
      name: "AlbumMaster",
      dependencies: ["AudioIO", "Analysis", "DSP", "Infrastructure", "Matching", "QualityControl", "Rendering", "Reports", "Synthesis", "Yams"]),
    .executableTarget(
      name: "AlbumMasterCLI",
      dependencies: ["AlbumMaster", "AudioIO", "DSP", "Matching", "QualityControl", "Rendering", "Reports", "Synthesis", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    // Masters an album through the library alone (docs/architecture.md, "Embedding").
    .executableTarget(name: "EmbedExample", dependencies: ["AlbumMaster"], path: "Examples/Embed"),

    .target(name: "TestSupport", dependencies: ["AudioIO", "Analysis", "Matching", "Rendering", "Synthesis"], path: "Tests/TestSupport"),
    .testTarget(name: "AudioIOTests", dependencies: ["AudioIO", "Infrastructure", "TestSupport"]),
    .testTarget(name: "DSPTests", dependencies: ["DSP", "TestSupport"]),
    .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "AudioIO", "CEBUR128", "TestSupport"]),
    .testTarget(name: "MatchingTests", dependencies: ["Matching", "Analysis", "TestSupport"]),
    .testTarget(name: "RenderingTests", dependencies: ["Rendering", "Matching", "Analysis", "AudioIO", "DSP", "TestSupport"]),
    .testTarget(name: "AlbumMasterTests", dependencies: ["AlbumMaster", "QualityControl", "Reports", "TestSupport"]),
    .testTarget(name: "CLITests", dependencies: ["AudioIO", "TestSupport"]),
  ]
)
