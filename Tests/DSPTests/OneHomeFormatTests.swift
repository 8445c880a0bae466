import DSP
import Testing

/// Number formatting has one home (`Format`); the limiter's margin is one named constant.
@Suite struct OneHomeFormatTests {
  @Test("Fixed decimals round as printf does; the sign is shown only on a positive figure that is not zero")
  func fixed() {
    #expect(Format.fixed(-14.04) == "-14.0")
    #expect(Format.fixed(-14.06, digits: 2) == "-14.06")
    #expect(Format.fixed(0.25) == "0.2" && Format.fixed(0.75) == "0.8")  // exact binary ties go to even
    #expect(Format.fixed(1.234, digits: 0) == "1" && Format.fixed(0.123456, digits: 4) == "0.1235")
    #expect(Format.fixed(2.26, sign: true) == "+2.3")
    #expect(Format.fixed(0.04, sign: true) == "0.0" && Format.fixed(-0.04, sign: true) == "-0.0")
    #expect(Format.fixed(-3, sign: true) == "-3.0")
  }

  @Test("A missing or non-finite figure prints as the caller's placeholder; a level without one is −∞")
  func missing() {
    #expect(Format.fixed(nil, missing: "–") == "–")
    #expect(Format.fixed(Double.nan, digits: 2, missing: "") == "")
    #expect(Format.fixed(Double.infinity, missing: "-") == "-")
    #expect(Format.fixed(-1.5 as Double?, digits: 2, missing: "") == "-1.50")
    #expect(Format.level(nil, unit: "dBFS") == "−∞ dBFS" && Format.level(-59.94, unit: "dBFS") == "-59.9 dBFS")
  }

  @Test("Durations as m:ss; round limits in their shortest form")
  func durationsAndLimits() {
    #expect(Format.minutesSeconds(0) == "0:00" && Format.minutesSeconds(125) == "2:05" && Format.minutesSeconds(3600) == "60:00")
    #expect(Format.compact(0) == "0" && Format.compact(-0.5) == "-0.5" && Format.compact(1.5) == "1.5")
  }

  @Test("Values quoted back in messages read as typed: whole numbers without a point, the rest in Swift's shortest form")
  func plain() {
    #expect(Format.plain(-70) == "-70" && Format.plain(0.25) == "0.25" && Format.plain(12) == "12")
    #expect(Format.plain(.nan) == "nan" && Format.plain(.infinity) == "inf" && Format.plain(1e308) == "1e+308")
  }

  @Test("The limiter's margin under the ceiling is the one documented constant, 0.1 dB")
  func limiterMargin() {
    #expect(TruePeakLimiter.marginDB == 0.1)
    #expect(LimiterSettings(ceilingDBTP: -1).marginDB == TruePeakLimiter.marginDB)
  }
}
