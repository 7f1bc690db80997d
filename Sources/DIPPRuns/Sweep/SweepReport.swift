import DIPPData
import DIPPNN
import Foundation

/// What a finished sweep found: per cell, each seed's metrics; the table (mean ± sd over seeds)
/// and the frontier plot made from them.
public struct SweepReport {
    public struct CellResult {
        public var cell: Sweep.Cell
        /// One dictionary of metrics per finished seed (``Sweep/metrics(_:prefix:)``).
        public var seeds: [[String: Double]]
        /// A name to mark the cell with (a paper preset), if any.
        public var mark: String?

        public init(cell: Sweep.Cell, seeds: [[String: Double]], mark: String? = nil) {
            (self.cell, self.seeds, self.mark) = (cell, seeds, mark)
        }

        public func spread(_ metric: String) -> SeedSpread? {
            let values = seeds.compactMap { $0[metric] }
            return values.isEmpty ? nil : SeedSpread(values)
        }
    }

    public var results: [CellResult]

    public init(results: [CellResult]) { self.results = results }

    /// The metrics a table shows by default, in this order, where the reports have them.
    public static let preferredMetrics = [
        "image.classAccuracy", "image.frechetDistance", "meanReward", "mode.mmd", "statistics.mmd",
        "iouSignedDistance", "chamfer", "fScore", "wallSeconds",
    ]

    /// The preferred metrics present in some cell's report.
    public var availableMetrics: [String] {
        let present = Set(results.flatMap { $0.seeds.flatMap(\.keys) })
        return Self.preferredMetrics.filter(present.contains)
    }

    /// One row per cell: its settings, its mark (when any cell has one), the number of finished
    /// seeds, then `mean ± sd` per metric.
    public func table(metrics: [String]) -> MarkdownTable {
        let keys = results.first?.cell.settings.map { String($0.path.split(separator: ".").last!) } ?? []
        let marked = results.contains { $0.mark != nil }
        let rows = results.map { r -> [String] in
            r.cell.settings.map { Sweep.text($0.value) } + (marked ? [r.mark ?? ""] : []) + ["\(r.seeds.count)"]
                + metrics.map { m in r.spread(m).map { $0.formatted(Self.digits(m)) } ?? "–" }
        }
        return MarkdownTable(header: keys + (marked ? ["preset"] : []) + ["seeds"] + metrics, rows: rows)
    }

    static func digits(_ metric: String) -> Int {
        switch metric {
        case "meanReward": 4
        case "image.classAccuracy", "fScore", "iouSignedDistance", "chamfer": 3
        case "wallSeconds": 1
        default: 2
        }
    }

    /// The cells no other cell beats on both axes: lower `x` and higher `y` are better
    /// (FD and reward). Sorted by `x`.
    public func frontier(x: String, y: String) -> [CellResult] {
        let points = results.compactMap { r -> (CellResult, Double, Double)? in
            guard let a = r.spread(x)?.mean, let b = r.spread(y)?.mean else { return nil }
            return (r, a, b)
        }
        return points.filter { p in !points.contains { q in q.1 <= p.1 && q.2 >= p.2 && (q.1 < p.1 || q.2 > p.2) } }
            .sorted { $0.1 < $1.1 }.map(\.0)
    }

    /// The frontier plot as SVG: one point per cell at its means, bars of ± one sd on both axes,
    /// labelled with its settings (and its mark); the non-dominated cells joined by a line.
    public func frontierPlot(x: String, y: String, title: String) -> String {
        let points = results.compactMap { r -> (CellResult, SeedSpread, SeedSpread)? in
            guard let a = r.spread(x), let b = r.spread(y) else { return nil }
            return (r, a, b)
        }
        let (width, height, left, right, top, bottom) = (720.0, 480.0, 80.0, 30.0, 40.0, 50.0)
        func bounds(_ lows: [Double], _ highs: [Double]) -> (Double, Double) {
            var (a, b) = (lows.min() ?? 0, highs.max() ?? 1)
            if b - a < 1e-12 { (a, b) = (a - 0.5, b + 0.5) }
            let pad = 0.08 * (b - a)
            return (a - pad, b + pad)
        }
        let (x0, x1) = bounds(points.map { $0.1.mean - $0.1.standardDeviation }, points.map { $0.1.mean + $0.1.standardDeviation })
        let (y0, y1) = bounds(points.map { $0.2.mean - $0.2.standardDeviation }, points.map { $0.2.mean + $0.2.standardDeviation })
        func px(_ v: Double) -> Double { left + (v - x0) / (x1 - x0) * (width - left - right) }
        func py(_ v: Double) -> Double { height - bottom - (v - y0) / (y1 - y0) * (height - top - bottom) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func tick(_ v: Double) -> String { String(format: abs(v) >= 1000 || (abs(v) < 0.01 && v != 0) ? "%.2g" : "%.3g", v) }
        var out = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">",
                   "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
                   "<text x=\"\(f(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">\(SVGText.escaped(title))</text>",
                   "<line x1=\"\(f(left))\" y1=\"\(f(height - bottom))\" x2=\"\(f(width - right))\" y2=\"\(f(height - bottom))\" stroke=\"black\"/>",
                   "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(height - bottom))\" stroke=\"black\"/>"]
        for k in 0...4 {
            let xv = x0 + Double(k) / 4 * (x1 - x0), yv = y0 + Double(k) / 4 * (y1 - y0)
            out.append("<text x=\"\(f(px(xv)))\" y=\"\(f(height - bottom + 16))\" text-anchor=\"middle\">\(tick(xv))</text>")
            out.append("<text x=\"\(f(left - 6))\" y=\"\(f(py(yv) + 4))\" text-anchor=\"end\">\(tick(yv))</text>")
            out.append("<line x1=\"\(f(left))\" y1=\"\(f(py(yv)))\" x2=\"\(f(width - right))\" y2=\"\(f(py(yv)))\" stroke=\"#eee\"/>")
        }
        out.append("<text x=\"\(f((left + width - right) / 2))\" y=\"\(f(height - 12))\" text-anchor=\"middle\">\(SVGText.escaped(x)) (lower is better)</text>")
        out.append("<text transform=\"translate(16 \(f((top + height - bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">"
                   + "\(SVGText.escaped(y)) (higher is better)</text>")
        let front = frontier(x: x, y: y).compactMap { r in points.first { $0.0.cell == r.cell } }
        if front.count > 1 {
            out.append("<polyline points=\"\(front.map { "\(f(px($0.1.mean))),\(f(py($0.2.mean)))" }.joined(separator: " "))\" "
                       + "fill=\"none\" stroke=\"#999\" stroke-dasharray=\"4 3\" data-role=\"frontier\"/>")
        }
        for (r, a, b) in points {
            let colour = r.mark == nil ? "#1f77b4" : "#d62728"
            let (cx, cy) = (px(a.mean), py(b.mean))
            out.append("<line x1=\"\(f(px(a.mean - a.standardDeviation)))\" y1=\"\(f(cy))\" x2=\"\(f(px(a.mean + a.standardDeviation)))\" y2=\"\(f(cy))\" stroke=\"\(colour)\"/>")
            out.append("<line x1=\"\(f(cx))\" y1=\"\(f(py(b.mean - b.standardDeviation)))\" x2=\"\(f(cx))\" y2=\"\(f(py(b.mean + b.standardDeviation)))\" stroke=\"\(colour)\"/>")
            // The plotted values ride along as data attributes, so a reader (or a test) can check them.
            out.append("<circle cx=\"\(f(cx))\" cy=\"\(f(cy))\" r=\"4\" fill=\"\(colour)\" data-cell=\"\(SVGText.escaped(r.cell.label))\" "
                       + "data-x=\"\(String(format: "%g", a.mean))\" data-y=\"\(String(format: "%g", b.mean))\"/>")
            out.append("<text x=\"\(f(cx + 6))\" y=\"\(f(cy - 6))\" fill=\"\(colour)\">\(SVGText.escaped(r.cell.label + (r.mark.map { " (\($0))" } ?? "")))</text>")
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }
}
