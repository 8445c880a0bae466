/// The stereo width of a track: side energy against mid energy, or one of the two cases where that ratio does
/// not exist. The one home of the side-only case: nothing outside this type reads the stored number as a width.
public enum StereoWidth: Sendable, Hashable {
  /// No side (one channel, or dual mono within rounding): nothing to widen or narrow.
  case mono
  /// No mid (L = −R): the ratio is infinite, so there is no width to move toward an album's.
  case sideOnly
  /// 10·log10(ΣS²/ΣM²), in dB.
  case db(Double)

  /// The number `analysis.json` (`stereo.widthDB`) holds for side only since schema version 1: a finite cap in
  /// place of +∞, which JSON cannot hold. A stored value at or above it reads back as `.sideOnly`.
  public static let sideOnlyStoredDB = 150.0

  /// From the stored number: `nil` is mono, `sideOnlyStoredDB` or more is side only, anything else a width.
  public init(storedDB: Double?) {
    guard let storedDB else {
      self = .mono
      return
    }
    self = storedDB >= Self.sideOnlyStoredDB ? .sideOnly : .db(storedDB)
  }

  /// The number stored in `analysis.json` and shown in tables: `nil` for mono, `sideOnlyStoredDB` for side only.
  public var storedDB: Double? {
    switch self {
    case .mono: nil
    case .sideOnly: Self.sideOnlyStoredDB
    case .db(let w): w
    }
  }

  /// The width where there is a mid to compare the side with: `nil` for mono and for side only.
  public var midSideDB: Double? {
    if case .db(let w) = self { return w }
    return nil
  }
}
