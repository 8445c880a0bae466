import DSP
import Foundation

/// Escapes text for XML and HTML (element content and quoted attributes).
func xmlEscape(_ s: String) -> String {
  var out = ""
  out.reserveCapacity(s.count)
  for c in s {
    switch c {
    case "&": out += "&amp;"
    case "<": out += "&lt;"
    case ">": out += "&gt;"
    case "\"": out += "&quot;"
    case "'": out += "&#39;"
    default: out.append(c)
    }
  }
  return out
}

/// A small inline-SVG chart: axes with ticks and units, series drawn with CSS classes (so light and dark mode
/// both read), and a legend. Every text it draws is escaped.
struct SVGChart {
  var width = 860.0, height = 300.0
  var left = 64.0, right = 16.0, top = 48.0, bottom = 44.0
  var title: String
  var xLabel: String, yLabel: String
  var xRange: ClosedRange<Double>, yRange: ClosedRange<Double>
  var logX = false
  private var body = ""
  private var legend: [(String, String)] = []

  init(title: String, xLabel: String, yLabel: String, x: ClosedRange<Double>, y: ClosedRange<Double>, logX: Bool = false) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    xRange = x
    yRange = y
    self.logX = logX
  }

  func px(_ x: Double) -> Double {
    let t = logX ? log10(x / xRange.lowerBound) / log10(xRange.upperBound / xRange.lowerBound)
      : (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound)
    return left + max(0, min(1, t)) * (width - left - right)
  }

  func py(_ y: Double) -> Double {
    let t = (y - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound)
    return top + (1 - max(0, min(1, t))) * (height - top - bottom)
  }

  static func f(_ v: Double) -> String { Format.fixed(v) }

  /// A polyline through the points; `nil` values break it.
  mutating func line(_ points: [(Double, Double?)], cls: String, label: String? = nil) {
    var segments: [[String]] = [[]]
    for (x, y) in points {
      if let y { segments[segments.count - 1].append("\(Self.f(px(x))),\(Self.f(py(y)))") } else { segments.append([]) }
    }
    for s in segments where s.count > 1 { body += "<polyline class=\"\(cls)\" fill=\"none\" points=\"\(s.joined(separator: " "))\"/>" }
    if let label { legend.append((cls, label)) }
  }

  mutating func rect(x0: Double, x1: Double, y0: Double, y1: Double, cls: String, label: String? = nil, tooltip: String? = nil) {
    let xa = min(px(x0), px(x1)), ya = min(py(y0), py(y1))
    body += "<rect class=\"\(cls)\" x=\"\(Self.f(xa))\" y=\"\(Self.f(ya))\" width=\"\(Self.f(abs(px(x1) - px(x0))))\" height=\"\(Self.f(abs(py(y1) - py(y0))))\">"
    if let tooltip { body += "<title>\(xmlEscape(tooltip))</title>" }
    body += "</rect>"
    if let label, !legend.contains(where: { $0.1 == label }) { legend.append((cls, label)) }
  }

  mutating func marker(x: Double, y: Double, cls: String, label: String? = nil, tooltip: String? = nil) {
    let cx = px(x), cy = py(y)
    body += "<path class=\"\(cls)\" d=\"M\(Self.f(cx - 6)),\(Self.f(cy)) L\(Self.f(cx + 6)),\(Self.f(cy)) L\(Self.f(cx)),\(Self.f(cy + 7)) Z\">"
    if let tooltip { body += "<title>\(xmlEscape(tooltip))</title>" }
    body += "</path>"
    if let label, !legend.contains(where: { $0.1 == label }) { legend.append((cls, label)) }
  }

  /// Whether the legend already has `label`.
  func hasLegend(_ label: String) -> Bool { legend.contains { $0.1 == label } }

  mutating func vline(x: Double, cls: String) {
    body += "<line class=\"\(cls)\" x1=\"\(Self.f(px(x)))\" x2=\"\(Self.f(px(x)))\" y1=\"\(Self.f(top))\" y2=\"\(Self.f(height - bottom))\"/>"
  }

  mutating func text(x: Double, y: Double, _ s: String, anchor: String = "middle") {
    body += "<text x=\"\(Self.f(px(x)))\" y=\"\(Self.f(py(y)))\" text-anchor=\"\(anchor)\" class=\"small\">\(xmlEscape(s))</text>"
  }

  /// The finished SVG, with grid, ticks at `xTicks`/`yTicks` (value, label), axis labels and legend.
  func render(xTicks: [(Double, String)], yTicks: [(Double, String)]) -> String {
    var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(xmlEscape(title))\">"
    s += "<text x=\"\(Self.f(left))\" y=\"18\" class=\"title\">\(xmlEscape(title))</text>"
    for (v, l) in yTicks {
      s += "<line class=\"grid\" x1=\"\(Self.f(left))\" x2=\"\(Self.f(width - right))\" y1=\"\(Self.f(py(v)))\" y2=\"\(Self.f(py(v)))\"/>"
      s += "<text x=\"\(Self.f(left - 6))\" y=\"\(Self.f(py(v) + 4))\" text-anchor=\"end\" class=\"small\">\(xmlEscape(l))</text>"
    }
    for (v, l) in xTicks {
      s += "<line class=\"grid\" x1=\"\(Self.f(px(v)))\" x2=\"\(Self.f(px(v)))\" y1=\"\(Self.f(top))\" y2=\"\(Self.f(height - bottom))\"/>"
      s += "<text x=\"\(Self.f(px(v)))\" y=\"\(Self.f(height - bottom + 16))\" text-anchor=\"middle\" class=\"small\">\(xmlEscape(l))</text>"
    }
    s += "<rect class=\"frame\" x=\"\(Self.f(left))\" y=\"\(Self.f(top))\" width=\"\(Self.f(width - left - right))\" height=\"\(Self.f(height - top - bottom))\" fill=\"none\"/>"
    s += body
    s += "<text x=\"\(Self.f((left + width - right) / 2))\" y=\"\(Self.f(height - 8))\" text-anchor=\"middle\" class=\"small\">\(xmlEscape(xLabel))</text>"
    s += "<text transform=\"translate(14 \(Self.f((top + height - bottom) / 2))) rotate(-90)\" text-anchor=\"middle\" class=\"small\">\(xmlEscape(yLabel))</text>"
    // The legend gets its own row under the title, left to right.
    var lx = left
    for (cls, label) in legend {
      s += "<rect class=\"\(cls) swatch\" x=\"\(Self.f(lx))\" y=\"27\" width=\"12\" height=\"8\"/>"
      s += "<text x=\"\(Self.f(lx + 16))\" y=\"35\" class=\"small\">\(xmlEscape(label))</text>"
      lx += Double(label.count) * 7.2 + 28
    }
    return s + "</svg>"
  }

  static func frequencyTicks(upTo top: Double) -> [(Double, String)] {
    [(31.25, "31"), (62.5, "63"), (125, "125"), (250, "250"), (500, "500"), (1000, "1k"), (2000, "2k"), (4000, "4k"),
     (8000, "8k"), (16000, "16k")].filter { $0.0 <= top }
  }

  /// A range that holds every value, padded and rounded out to `step`, within `limit`.
  static func range(_ values: [Double], step: Double, limit: ClosedRange<Double>, minimum: ClosedRange<Double>) -> ClosedRange<Double> {
    let lo = min(minimum.lowerBound, ((values.min() ?? minimum.lowerBound) / step).rounded(.down) * step)
    let hi = max(minimum.upperBound, ((values.max() ?? minimum.upperBound) / step).rounded(.up) * step)
    return max(limit.lowerBound, lo)...min(limit.upperBound, hi)
  }

  /// The most ticks an axis gets: an edited document can hold absurd values (-1e9 LUFS, 1e300 s), and a tick
  /// per `step` over such a range would never finish.
  static let maxTicks = 40.0

  static func ticks(_ r: ClosedRange<Double>, step: Double) -> [(Double, String)] {
    guard (r.upperBound - r.lowerBound).isFinite, step > 0 else { return [] }
    var step = step
    while (r.upperBound - r.lowerBound) / step > maxTicks { step *= 10 }
    return stride(from: (r.lowerBound / step).rounded(.up) * step, through: r.upperBound, by: step).map { ($0, Format.fixed($0, digits: 0)) }
  }
}
