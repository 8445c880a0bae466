import Foundation

/// The one home of number formatting for everything a person reads: reports, tables, plan reasons, QA findings.
/// Fixed decimals with a dot, rounded as C's `printf` rounds (the exact binary value, ties to even), in any locale.
/// It sits in DSP, the lowest module, so that Matching and QualityControl use it as well as Reports.
public enum Format {
  /// `value` with `digits` decimals; with `sign`, a `+` before a positive value that does not print as zero.
  public static func fixed(_ value: Double, digits: Int = 1, sign: Bool = false) -> String {
    let text = String(format: "%.\(min(17, max(0, digits)))f", value)
    return sign && value > 0 && text.contains(where: { "123456789".contains($0) }) ? "+" + text : text
  }

  /// `value` with `digits` decimals, or `missing` when there is no value or it is not finite.
  public static func fixed(_ value: Double?, digits: Int = 1, sign: Bool = false, missing: String) -> String {
    guard let value, value.isFinite else { return missing }
    return fixed(value, digits: digits, sign: sign)
  }

  /// The shortest plain form of a round figure such as a limit: `0`, `-0.5`, `1.5` (C's `%g`).
  public static func compact(_ value: Double) -> String { String(format: "%g", value) }

  /// A value as a person would type it, for messages that quote an input or a range: whole numbers without a
  /// decimal point (`-70`, not `-70.0`), the rest as Swift prints them (`0.25`, `nan`, `1e+308`).
  public static func plain(_ value: Double) -> String {
    value.isFinite && value == value.rounded() && abs(value) < 1e15 ? "\(Int(value))" : "\(value)"
  }

  /// A level with its unit, one decimal: `-59.9 dBFS`; `−∞ dBFS` when there is none (digital silence).
  public static func level(_ value: Double?, unit: String) -> String {
    "\(value.map { fixed($0) } ?? "−∞") \(unit)"
  }

  /// A duration in whole seconds as minutes and seconds, `m:ss`.
  public static func minutesSeconds(_ seconds: Int) -> String {
    String(format: "%d:%02d", seconds / 60, seconds % 60)
  }
}
