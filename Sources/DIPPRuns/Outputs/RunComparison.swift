import DIPPEvaluation
import DIPPNN
import DIPPTensor
import Foundation

/// `dipp compare RUN…`: runs side by side — the settings in which their `config.json` differ,
/// their final reports, and one SVG plot per logged metric (`metrics.jsonl`) with a line per run.
public struct RunComparison {
    public struct Run {
        public let name: String
        public let folder: URL
        /// Dotted keys of `config.json` → values.
        public let settings: [String: String]
        public let report: EvaluationReport?
        /// Metric → `(step, value)` from `metrics.jsonl`.
        public let curves: [String: [(step: Int, value: Double)]]
    }

    public let runs: [Run]

    /// Reads each run folder (a `dipp pretrain`, `distill` or `align` run).
    public init(folders: [URL]) throws {
        let names = folders.map(\.lastPathComponent)
        runs = try folders.enumerated().map { i, folder in
            let config = folder.appendingPathComponent("config.json")
            guard let data = FileManager.default.contents(atPath: config.path) else {
                throw ConfigurationError(location: folder.path, what: "no config.json: not a run folder",
                                         hint: "pass the --out folders of dipp pretrain, distill or align runs")
            }
            let settings = ConfigurationProvenance.leaves(ofJSON: data)
            let reportFile = ["report-generator.json", "report-teacher.json"].map(folder.appendingPathComponent)
                .first { FileManager.default.fileExists(atPath: $0.path) }
            let decoder = JSONDecoder(), n = ConfigurationFile.nonFiniteNumbers
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: n.positiveInfinity, negativeInfinity: n.negativeInfinity, nan: n.nan)
            let report = try reportFile.map { try decoder.decode(EvaluationReport.self, from: Data(contentsOf: $0)) }
            // Two folders with the same last component are told apart by their parent.
            let name = names.filter { $0 == names[i] }.count > 1
                ? folder.deletingLastPathComponent().lastPathComponent + "/" + names[i] : names[i]
            return Run(name: name, folder: folder, settings: settings, report: report, curves: Self.curves(folder))
        }
    }

    /// Every numeric metric of a run folder's `metrics.jsonl`, in step order.
    public static func curves(_ folder: URL) -> [String: [(step: Int, value: Double)]] {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent("metrics.jsonl").path) else { return [:] }
        var out: [String: [(step: Int, value: Double)]] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let step = object["step"] as? Int else { continue }
            for (key, value) in object where key != "step" {
                if let v = value as? Double { out[key, default: []].append((step, v)) }
            }
        }
        return out
    }

    /// The settings whose values differ between the runs (missing = `–`).
    public var differences: MarkdownTable {
        let keys = Set(runs.flatMap(\.settings.keys)).sorted().filter { key in Set(runs.map { $0.settings[key] ?? "–" }).count > 1 }
        return MarkdownTable(header: ["setting"] + runs.map(\.name), rows: keys.map { key in [key] + runs.map { $0.settings[key] ?? "–" } })
    }

    /// Final metrics of each run's report.
    public var results: MarkdownTable {
        func f(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "–" }
        return MarkdownTable(header: ["run", "class accuracy (%)", "FD", "modes within 3σ (%)", "MMD²", "mean reward (before → after)",
                                      "steps", "wall (s)", "steps/s"],
                             rows: runs.map { run in
            let r = run.report
            let reward = r?.meanReward.map { String(format: "%.4f → %.4f", r?.initialMeanReward ?? .nan, $0) } ?? "–"
            return [run.name, f(r?.image.map { 100 * $0.classAccuracy }, "%.1f"), f(r?.image?.frechetDistance, "%.2f"),
                    f(r?.mode.map { 100 * $0.fractionNearOwnMode }, "%.1f"), f(r?.mode?.mmd, "%.4f"), reward,
                    r?.steps.map(String.init) ?? "–", f(r?.wallSeconds, "%.1f"), f(r?.stepsPerSecond, "%.1f")]
        })
    }

    /// The metrics some run logged, sorted.
    public var metrics: [String] { Set(runs.flatMap(\.curves.keys)).sorted() }

    /// The plot of one metric: a line per run that logged it.
    public func plot(_ metric: String) -> LinePlot {
        var plot = LinePlot(title: metric, xLabel: "step", yLabel: metric)
        plot.series = runs.compactMap { run in
            run.curves[metric].map { LinePlot.Series(name: run.name, x: $0.map { Double($0.step) }, y: $0.map(\.value)) }
        }
        return plot
    }

    /// The file name of a metric's plot (`quality/fd` → `quality-fd.svg`).
    public static func plotFile(_ metric: String) -> String {
        String(metric.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "-" }) + ".svg"
    }

    /// Writes `compare.md` (both tables, links to the plots) and one SVG per metric into `folder`.
    @discardableResult
    public func write(to folder: URL) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for metric in metrics {
            try Data(plot(metric).svg.utf8).write(to: folder.appendingPathComponent(Self.plotFile(metric)), options: .atomic)
        }
        let page = "# Runs compared\n\n" + runs.map { "- `\($0.name)`: \($0.folder.path)" }.joined(separator: "\n")
            + "\n\n## Settings that differ\n\n" + (differences.rows.isEmpty ? "None.\n" : differences.text)
            + "\n## Results\n\n" + results.text
            + "\n## Curves\n\n" + metrics.map { "- \($0): [\(Self.plotFile($0))](\(Self.plotFile($0)))" }.joined(separator: "\n") + "\n"
        let file = folder.appendingPathComponent("compare.md")
        try Data(page.utf8).write(to: file, options: .atomic)
        return file
    }
}
