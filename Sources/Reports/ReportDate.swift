import Foundation

/// The date a report page shows in its header.
public enum ReportDate {
  /// Today in UTC as `yyyy-MM-dd`; `SOURCE_DATE_EPOCH` (seconds since 1970, the reproducible-builds convention)
  /// fixes it, so that a page can be rebuilt byte for byte on another day.
  public static func today(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
    // Clamped to years 1970–9999: the value comes from the environment.
    let seconds = environment["SOURCE_DATE_EPOCH"].flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
      .map { min(max($0, 0), 253_402_300_799) }
    return format(seconds.map { Date(timeIntervalSince1970: TimeInterval($0)) } ?? Date())
  }

  /// `date` in UTC as `yyyy-MM-dd`.
  public static func format(_ date: Date) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
    let c = calendar.dateComponents([.year, .month, .day], from: date)
    return String(format: "%04d-%02d-%02d", c.year ?? 1970, c.month ?? 1, c.day ?? 1)
  }
}
