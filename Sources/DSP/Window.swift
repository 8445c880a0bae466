#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Analysis windows.
public enum Window {
  /// A periodic Hann window of `length` points (the DFT-even form used for Welch averaging).
  public static func hann(length: Int) -> [Float] {
    (0..<length).map { i in Float(0.5 - 0.5 * cos(2 * Double.pi * Double(i) / Double(length))) }
  }

  /// Σw²/N: the factor by which a window scales the power of a broadband signal (0.375 for Hann).
  public static func powerGain(_ w: [Float]) -> Double {
    w.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(w.count)
  }
}
