import AlbumMaster
import AudioIO
import DSP
import Foundation

/// Progress on stderr. On a terminal: a live line per track at work (stage and percent) and a bar with the
/// tracks done and an ETA, redrawn in place. Otherwise (a pipe, a log file): one plain line per stage change.
/// Every other stderr line goes through `print`, so it lands above the live area instead of through it.
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
    }
  }

  func handle(_ e: TrackEvent) {
    lock.withLock {
      guard enabled else { return }
      switch e {
      case .started(let file):
        if state[file] == nil { order.append(file) }
        state[file] = ("starting", 0)
        if !tty { write("\(file.escapedForTerminal): started\n") }
      case .progress(let file, let stage, let fraction):
        if state[file] == nil { order.append(file) }
        let changed = state[file]?.stage != stage
        state[file] = (stage, fraction)
        if !tty && changed { write("\(file.escapedForTerminal): \(stage)\n") }
      case .finished(let file):
        finish(file)
        if !tty { write("\(file.escapedForTerminal): done\n") }
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
    var lines = order.map { f -> String in
      let s = state[f]!
      let shown = f.escapedForTerminal
      let name = shown.count > 48 ? String(shown.prefix(45)) + "…" : shown
      return "  \(name)  \(s.stage) \(Int(s.fraction * 100))%"
    }
    if total > 0 {
      let share = min(1, Double(done) / Double(total))
      let width = 30, filled = Int(share * Double(width))
      let elapsed = Date().timeIntervalSince(started)
      let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
      let etaText = done > 0 ? "ETA " + Format.minutesSeconds(Int(clamping: Int64(eta.isFinite ? eta : 0))) : "ETA –"
      lines.append("[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] \(done)/\(total)  \(etaText)")
    }
    for l in lines { write(l + "\n") }
    drawnLines = lines.count
  }
}
