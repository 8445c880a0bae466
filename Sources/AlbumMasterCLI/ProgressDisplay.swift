#if canImport(Glibc)
import Glibc
#endif
import AlbumMaster
import AudioIO
import DSP
import Foundation
import Reports

/// Progress on stderr. On a terminal: a live line per track at work (stage and percent) and a bar with the
/// steps done and an ETA, redrawn in place, every line fitted to the window (`TerminalText.fit`) so none wraps
/// and the redraw erases exactly what it drew. Otherwise (a pipe, a log file): one plain line per stage of an
/// album (`  analysing`, `  codec round trip`), not per track. Every other stderr line goes through `print`,
/// so it lands above the live area instead of through it.
final class ProgressDisplay: @unchecked Sendable {
  static let shared = ProgressDisplay()

  private let lock = NSLock()
  private var enabled = true
  private var tty = false
  private var order: [String] = []
  private var state: [String: (stage: String, fraction: Double)] = [:]
  private var done = 0, total = 0
  private var started = Date()
  private var drawnLines = 0
  private var lastDraw = Date.distantPast
  /// The stages of the current album already announced (piped output).
  private var announced: Set<String> = []

  /// `quiet` silences progress; the terminal test is on stderr.
  func configure(quiet: Bool) {
    lock.withLock {
      enabled = !quiet
      tty = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }
  }

  /// Starts counting `units` (tracks × stages of work).
  func begin(units: Int) {
    lock.withLock {
      total += units
      if done == 0 { started = Date() }
      announced.removeAll()
    }
  }

  func handle(_ e: TrackEvent) {
    lock.withLock {
      guard enabled else { return }
      switch e {
      case .started(let file):
        if state[file] == nil { order.append(file) }
        state[file] = ("starting", 0)
      case .progress(let file, let stage, let fraction):
        if state[file] == nil { order.append(file) }
        state[file] = (stage, fraction)
        if !tty && announced.insert(stage).inserted { write("  \(stage)\n") }
      case .finished(let file):
        finish(file)
      case .failed(let f):
        finish(f.file)
      }
      if tty { redraw(force: false) }
    }
  }

  private func finish(_ file: String) {
    state[file] = nil
    order.removeAll { $0 == file }
    done += 1
  }

  /// Prints a line (an error, a message) without tearing the live area.
  func print(_ line: String, always: Bool = false) {
    lock.withLock {
      guard enabled || always else { return }
      if tty { erase() }
      write(line.hasSuffix("\n") ? line : line + "\n")
      if tty { redraw(force: true) }
    }
  }

  /// Clears the live area before something goes to stdout (on a shared terminal a redraw would erase it).
  func clearLiveArea() {
    lock.withLock { if tty { erase() } }
  }

  /// Clears the live area for good.
  func end() {
    lock.withLock {
      if tty { erase() }
      order.removeAll()
      state.removeAll()
    }
  }

  private func write(_ s: String) { StandardStreams.err(s) }

  private func erase() {
    if drawnLines > 0 { write(String(repeating: "\u{1B}[1A\u{1B}[2K", count: drawnLines)) }
    drawnLines = 0
  }

  private func redraw(force: Bool) {
    guard enabled, force || Date().timeIntervalSince(lastDraw) >= 0.1 else { return }
    lastDraw = Date()
    erase()
    // One column spare: a line that fills the last column wraps on some terminals.
    let columns = TerminalText.columns(environment: ProcessInfo.processInfo.environment, windowColumns: windowColumns()) - 1
    var lines = order.compactMap { f -> String? in
      guard let s = state[f] else { return nil }
      let suffix = "  \(s.stage) \(Int(s.fraction * 100))%"
      let room = columns - 2 - TerminalText.displayWidth(suffix)
      return room >= 4 ? "  " + TerminalText.fit(f.escapedForTerminal, columns: room) + suffix : TerminalText.fit(suffix, columns: columns)
    }
    if total > 0 && (done < total || !order.isEmpty) { lines.append(bar(columns: columns)) }  // a full bar is news no more
    for l in lines { write(l + "\n") }
    drawnLines = lines.count
  }

  /// "[####------] 3/12  ETA 0:05", the bar as wide as the window allows (at most 30).
  private func bar(columns: Int) -> String {
    let share = min(1, Double(done) / Double(total))
    let elapsed = Date().timeIntervalSince(started)
    let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
    let etaText = done > 0 ? "ETA " + Format.minutesSeconds(Int(clamping: Int64(eta.isFinite ? eta : 0))) : "ETA –"
    let counts = " \(done)/\(total) steps  \(etaText)"
    let width = min(30, columns - 2 - TerminalText.displayWidth(counts))
    guard width >= 5 else { return TerminalText.fit(counts.trimmingCharacters(in: .whitespaces), columns: columns) }
    let filled = Int(share * Double(width))
    return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]" + counts
  }

  /// The window's width in columns (TIOCGWINSZ on stderr), nil when it cannot be asked.
  private func windowColumns() -> Int? {
    #if canImport(Glibc)
    var size = winsize()
    guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
    return Int(size.ws_col)
    #else
    return nil
    #endif
  }
}
