extension Int {
  /// `value` rounded toward zero and clamped to Int's range, NaN as 0: a Double read from a document (an edited
  /// analysis.json) can hold any finite value, and `Int(_:)` traps beyond Int's range.
  public init(clamping value: Double) {
    if value.isNaN {
      self = 0
    } else if value >= 9.2e18 {
      self = .max
    } else if value <= -9.2e18 {
      self = .min
    } else {
      self = Int(value)
    }
  }
}
