/// Text rules for a terminal: counts with the right plural, lines fitted to the window, did-you-mean
/// suggestions. Pure functions: the CLI only measures the window and prints.
public enum TerminalText {
  /// "1 track", "2 tracks", "0 tracks"; `plural` for nouns that do not take an "s" ("1 match", "2 matches").
  public static func count(_ n: Int, _ noun: String, plural: String? = nil) -> String {
    "\(n) \(n == 1 ? noun : plural ?? noun + "s")"
  }

  /// Columns `text` takes on a terminal: East Asian wide characters and most emoji take two, combining marks
  /// ride on the character before them (one `Character` in Swift).
  public static func displayWidth(_ text: String) -> Int {
    text.reduce(0) { $0 + width(of: $1) }
  }

  /// `text` in at most `columns` columns: a longer text keeps its start and its end (where a file name keeps its
  /// number and its extension) around a "…". Never longer than `columns`; empty when `columns` < 1.
  public static func fit(_ text: String, columns: Int) -> String {
    guard columns > 0 else { return "" }
    if displayWidth(text) <= columns { return text }
    if columns == 1 { return "…" }
    let chars = Array(text)
    let budget = columns - 1  // the "…"
    var head = "", tail: [Character] = [], headWidth = 0, tailWidth = 0
    var i = 0, j = chars.count - 1
    // Alternate: the head gets the extra column when the budget is odd.
    while i <= j {
      let takeHead = headWidth <= tailWidth
      let c = takeHead ? chars[i] : chars[j]
      let w = width(of: c)
      if headWidth + tailWidth + w > budget { break }
      if takeHead {
        head.append(c)
        headWidth += w
        i += 1
      } else {
        tail.append(c)
        tailWidth += w
        j -= 1
      }
    }
    return head + "…" + String(tail.reversed())
  }

  /// The terminal width to lay out for: `COLUMNS` when it is a positive number (the user's or the shell's word),
  /// else the window's width as the terminal reports it, else 80.
  public static func columns(environment: [String: String], windowColumns: Int?) -> Int {
    if let c = environment["COLUMNS"].flatMap({ Int($0) }), c > 0 { return c }
    if let w = windowColumns, w > 0 { return w }
    return 80
  }

  /// The candidate nearest to `typed` by edit distance, when it is close enough to be a typo: at most one edit
  /// per three characters typed (at least one). Ties go to the earlier candidate; `typed` itself is never
  /// suggested. `check --format` thus gets nothing (`--force` is three edits from `format`), `mastr` gets
  /// `master`.
  public static func suggestion(for typed: String, among candidates: [String]) -> String? {
    let limit = max(1, typed.count / 3)
    var best: (name: String, distance: Int)?
    for c in candidates where c != typed {
      let d = editDistance(typed, c)
      if d <= limit && d < (best?.distance ?? Int.max) { best = (c, d) }
    }
    return best?.name
  }

  /// Levenshtein distance over characters (insertions, deletions, substitutions each count one).
  public static func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty || y.isEmpty { return max(x.count, y.count) }
    var previous = Array(0...y.count)
    var current = previous
    for i in 1...x.count {
      current[0] = i
      for k in 1...y.count {
        current[k] = min(previous[k] + 1, current[k - 1] + 1, previous[k - 1] + (x[i - 1] == y[k - 1] ? 0 : 1))
      }
      swap(&previous, &current)
    }
    return previous[y.count]
  }

  private static func width(of c: Character) -> Int {
    guard let v = c.unicodeScalars.first?.value else { return 0 }
    if v < 0x1100 { return 1 }
    return wideRanges.contains { $0.contains(v) } ? 2 : 1
  }

  /// Code points a terminal draws two columns wide (Hangul, CJK, full-width forms, most emoji).
  private static let wideRanges: [ClosedRange<UInt32>] = [
    0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
    0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
    0x1F900...0x1F9FF, 0x20000...0x3FFFD,
  ]
}

/// Colour for a terminal: verdict words painted (PASS green, FAIL and ERROR red, WARN yellow), only where the
/// reader is a person: a terminal, no `NO_COLOR` (https://no-color.org), no `TERM=dumb`.
public enum TerminalColour {
  /// Whether to colour output going to a stream: `isTerminal` is that stream's isatty, `machineOutput` a run
  /// that also writes JSON (its output stays plain throughout).
  public static func enabled(isTerminal: Bool, environment: [String: String], machineOutput: Bool = false) -> Bool {
    guard isTerminal, !machineOutput, environment["TERM"] != "dumb" else { return false }
    return (environment["NO_COLOR"] ?? "").isEmpty
  }

  /// The ANSI colour of each verdict word.
  public static let palette: [String: String] = [
    "PASS": "\u{1B}[32m", "OK": "\u{1B}[32m", "FAIL": "\u{1B}[31m", "ERROR": "\u{1B}[31m", "MISSED": "\u{1B}[31m",
    "WARN": "\u{1B}[33m",
  ]

  /// `text` with every whole upper-case verdict word of `palette` painted; everything else unchanged (file
  /// names in lower or mixed case are never painted).
  public static func highlight(_ text: String) -> String {
    var out = "", word = ""
    func flush() {
      if let code = palette[word] { out += code + word + "\u{1B}[0m" } else { out += word }
      word = ""
    }
    for c in text {
      if c.isLetter || c.isNumber || c == "_" {
        word.append(c)
      } else {
        flush()
        out.append(c)
      }
    }
    flush()
    return out
  }
}
