import DIPPData
import Foundation

/// A line plot written as SVG (no plotting library needed; every browser and editor shows it):
/// one line per series, with an optional shaded band (e.g. mean ± sd over seeds).
public struct LinePlot {
    public struct Series {
        public var name: String
        public var x: [Double]
        public var y: [Double]
        /// Half-width of a band around `y` (same count), or empty for none.
        public var band: [Double]

        public init(name: String, x: [Double], y: [Double], band: [Double] = []) {
            (self.name, self.x, self.y, self.band) = (name, x, y, band)
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logY: Bool
    public var series: [Series] = []

    public init(title: String, xLabel: String, yLabel: String, logY: Bool = false) {
        (self.title, self.xLabel, self.yLabel, self.logY) = (title, xLabel, yLabel, logY)
    }

    static let colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]

    /// The SVG document (640×400).
    public var svg: String {
        let (width, height, left, right, top, bottom) = (640.0, 400.0, 70.0, 170.0, 40.0, 50.0)
        func transform(_ v: Double) -> Double { logY ? log10(max(v, 1e-12)) : v }
        let xs = series.flatMap(\.x), ys = series.flatMap { s in
            s.y.indices.flatMap { i in s.band.isEmpty ? [s.y[i]] : [s.y[i] - s.band[i], s.y[i] + s.band[i]] }
        }.filter(\.isFinite).map(transform)
        let (x0, x1) = (xs.min() ?? 0, max(xs.max() ?? 1, (xs.min() ?? 0) + 1e-9))
        var (y0, y1) = (ys.min() ?? 0, ys.max() ?? 1)
        if y1 - y0 < 1e-9 { (y0, y1) = (y0 - 0.5, y1 + 0.5) }
        let pad = 0.05 * (y1 - y0)
        (y0, y1) = (y0 - pad, y1 + pad)
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * (width - left - right) }
        func py(_ y: Double) -> Double { height - bottom - (transform(y) - y0) / (y1 - y0) * (height - top - bottom) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func label(_ v: Double) -> String { String(format: abs(v) >= 1000 || (abs(v) < 0.01 && v != 0) ? "%.2g" : "%.3g", v) }
        var out = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">",
                   "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
                   "<text x=\"\(f(width / 2 - right / 2 + left / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">\(SVGText.escaped(title))</text>"]
        // Axes and ticks.
        out.append("<line x1=\"\(f(left))\" y1=\"\(f(height - bottom))\" x2=\"\(f(width - right))\" y2=\"\(f(height - bottom))\" stroke=\"black\"/>")
        out.append("<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(height - bottom))\" stroke=\"black\"/>")
        for k in 0...4 {
            let xv = x0 + Double(k) / 4 * (x1 - x0), tv = y0 + Double(k) / 4 * (y1 - y0)
            let yv = logY ? pow(10, tv) : tv
            out.append("<text x=\"\(f(px(xv)))\" y=\"\(f(height - bottom + 16))\" text-anchor=\"middle\">\(label(xv))</text>")
            out.append("<text x=\"\(f(left - 6))\" y=\"\(f(py(yv) + 4))\" text-anchor=\"end\">\(label(yv))</text>")
            out.append("<line x1=\"\(f(left))\" y1=\"\(f(py(yv)))\" x2=\"\(f(width - right))\" y2=\"\(f(py(yv)))\" stroke=\"#ddd\"/>")
        }
        out.append("<text x=\"\(f((left + width - right) / 2))\" y=\"\(f(height - 12))\" text-anchor=\"middle\">\(SVGText.escaped(xLabel))</text>")
        out.append("<text transform=\"translate(16 \(f((top + height - bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">"
                   + "\(SVGText.escaped(yLabel + (logY ? " (log scale)" : "")))</text>")
        for (i, s) in series.enumerated() {
            let colour = Self.colours[i % Self.colours.count]
            let points = s.x.indices.filter { s.y[$0].isFinite }
            if !s.band.isEmpty, !points.isEmpty {
                let upper = points.map { "\(f(px(s.x[$0]))),\(f(py(s.y[$0] + s.band[$0])))" }
                let lower = points.reversed().map { "\(f(px(s.x[$0]))),\(f(py(s.y[$0] - s.band[$0])))" }
                out.append("<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(colour)\" fill-opacity=\"0.15\" stroke=\"none\"/>")
            }
            let line = points.map { "\(f(px(s.x[$0]))),\(f(py(s.y[$0])))" }.joined(separator: " ")
            // The plotted values ride along as data attributes, so a reader (or a test) can check them.
            let values = points.map { String(format: "%g", s.y[$0]) }.joined(separator: " ")
            let steps = points.map { String(format: "%g", s.x[$0]) }.joined(separator: " ")
            out.append("<polyline points=\"\(line)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" "
                       + "data-series=\"\(SVGText.escaped(s.name))\" data-x=\"\(steps)\" data-y=\"\(values)\"/>")
            let ly = top + 10 + Double(i) * 18
            out.append("<line x1=\"\(f(width - right + 12))\" y1=\"\(f(ly))\" x2=\"\(f(width - right + 32))\" y2=\"\(f(ly))\" stroke=\"\(colour)\" stroke-width=\"2\"/>")
            out.append("<text x=\"\(f(width - right + 38))\" y=\"\(f(ly + 4))\">\(SVGText.escaped(s.name))</text>")
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }
}
