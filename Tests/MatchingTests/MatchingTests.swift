import Analysis
import DSP
import Foundation
import Matching
import Testing
import TestSupport

@Suite struct AlbumProfileTests {
  @Test("Median: odd, even, empty")
  func medians() {
    #expect(median([3, 1, 2]) == 2)
    #expect(median([4, 1, 3, 2]) == 2.5)
    #expect(median([]) == nil)
  }

  @Test("The profile is the per-band median of the tonal balance, and the median width; silent tracks do not count")
  func profileIsMedian() throws {
    let tracks = [
      fixtureTrack(file: "a", integratedLUFS: -10, levelsDB: { _ in -40 }, widthDB: -20),  // balance −30
      fixtureTrack(file: "b", integratedLUFS: -20, levelsDB: { _ in -40 }, widthDB: -10),  // balance −20
      fixtureTrack(file: "c", integratedLUFS: -14, levelsDB: { _ in -40 }, widthDB: -6),  // balance −26
      fixtureTrack(file: "silent", integratedLUFS: nil, levelsDB: { _ in nil }, widthDB: nil),
    ]
    let p = AlbumProfile(tracks: tracks)
    #expect(p.trackCount == 3)
    #expect(p.tonalBalanceDB.allSatisfy { $0 == -26 })
    #expect(p.widthDB == -10)
    #expect(p.bandCentersHz == tracks[0].spectrum.bandCentersHz)
  }

  @Test("Tracks at different rates share the bands they have; a low-rate track adds no upper bands of its own")
  func mixedRates() {
    let hi = fixtureTrack(file: "48k", levelsDB: { _ in -30 })
    let lo = fixtureTrack(file: "22k", levelsDB: { _ in -40 }, sampleRateHz: 22_050)
    let p = AlbumProfile(tracks: [hi, lo])
    #expect(p.bandCentersHz.count == hi.spectrum.bandCentersHz.count)
    // Shared bands: the mean of −16 and −26; upper bands: only the 48 kHz track's −16.
    #expect(p.tonalBalanceDB.first! == -21)
    #expect(p.tonalBalanceDB.last! == -16)
  }
}

@Suite struct TonalDeviationTests {
  static func bandsInRange(_ centers: [Double]) -> Int {
    centers.filter { $0 >= TonalShape.lowHz && $0 <= TonalShape.highHz }.count
  }

  @Test("A track equal to the profile, or offset by a constant, deviates 0 dB")
  func zeroForSameShape() throws {
    let shape: (Double) -> Double? = { f in -20 - 4 * log2(f / 1000) + 3 * sin(f / 300) }
    let t = fixtureTrack(file: "t", integratedLUFS: -14, levelsDB: shape)
    let louder = fixtureTrack(file: "u", integratedLUFS: -8, levelsDB: { shape($0).map { $0 + 6 } })
    let p = AlbumProfile(tracks: [t])
    #expect(try #require(TonalDeviation.deviationDB(track: t, profile: p)) < 1e-9)
    #expect(try #require(TonalDeviation.deviationDB(track: louder, profile: p)) < 1e-9)
  }

  @Test("A tilt of s dB per 1/6-octave band deviates s·√((n²−1)/12) dB, the RMS of a centred ramp", arguments: [0.25, 0.5, 1.0])
  func tiltDeviation(slopePerBand: Double) throws {
    let flat = fixtureTrack(file: "flat", levelsDB: { _ in -30 })
    // Linear in band index; 1/3-octave smoothing leaves a ramp unchanged wherever both neighbours exist.
    let tilted = fixtureTrack(file: "tilt", levelsDB: { f in -30 + slopePerBand * 6 * log2(f / 1000) })
    let p = AlbumProfile(tracks: [flat])
    let n = Double(Self.bandsInRange(flat.spectrum.bandCentersHz))
    let expected = slopePerBand * ((n * n - 1) / 12).squareRoot()
    let d = try #require(TonalDeviation.deviationDB(track: tilted, profile: p))
    #expect(abs(d - expected) < 1e-9, "\(d) vs \(expected)")
  }

  @Test("1/3-octave smoothing spreads a one-band spike over three bands")
  func smoothingSpreadsSpikes() {
    let centers = FractionalOctaveBands(sampleRateHz: 48_000).centersHz
    let k = centers.firstIndex { $0 >= 1000 }!
    let levels: [Double?] = centers.indices.map { $0 == k ? 9 : 0 }
    let s = TonalShape(centersHz: centers, levelsDB: levels).smoothedDB
    let idx = FractionalOctaveBands.nearestIndex(frequencyHz: 1000)
    #expect(s[idx] == 3 && s[idx - 1] == 3 && s[idx + 1] == 3 && s[idx + 2] == 0)
  }

  @Test("A silent track has no deviation")
  func silentTrack() {
    let p = AlbumProfile(tracks: [fixtureTrack(file: "a", levelsDB: { _ in -30 })])
    #expect(TonalDeviation.deviationDB(track: fixtureTrack(file: "s", integratedLUFS: nil, levelsDB: { _ in nil }), profile: p) == nil)
  }
}
