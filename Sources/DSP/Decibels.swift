#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Conversions between linear values and decibels. −∞ is represented as `nil`, never as a huge negative number.
public enum Decibels {
  /// 10·log10(power), or `nil` when the power is zero (or not finite).
  public static func fromPower(_ power: Double) -> Double? {
    guard power > 0, power.isFinite else { return nil }
    return 10 * log10(power)
  }

  /// 20·log10(|amplitude|), or `nil` when the amplitude is zero.
  public static func fromAmplitude(_ amplitude: Double) -> Double? {
    guard amplitude != 0, amplitude.isFinite else { return nil }
    return 20 * log10(abs(amplitude))
  }

  /// 10^(dB/20).
  public static func amplitude(_ db: Double) -> Double { pow(10, db / 20) }

  /// 10^(dB/10).
  public static func power(_ db: Double) -> Double { pow(10, db / 10) }
}
