import DIPPData
import DIPPDiffusion
import DIPPNN
import DIPPTensor
import Foundation

/// The report `dipp pretrain` and `dipp sample` print: metrics of a model's samples, with the
/// real-data floor beside them for images.
public struct EvaluationReport: Codable, Sendable {
    public var data: String
    public var sampler: String
    public var evaluationsPerSample: Int
    /// Which samples the metrics come from: the model (EMA weights or not), how many, and the
    /// random stream and seed that drew them.
    public var samples: String?
    public var mode: ModeReport?
    public var image: ImageReport?
    public var statistics: StatisticsReport?
    /// Classifier accuracy on the held-out real images.
    public var classifierTestAccuracy: Double?
    /// FD between the training half and the held-out half of the real data (the floor).
    public var realFrechetDistanceFloor: Double?
    /// Training time of the run that made the model (this invocation when resumed), its steps and rate.
    public var wallSeconds: Double?
    public var steps: Int?
    public var stepsPerSecond: Double?
    /// Every component with all its options (plugin hyper-parameters included), by role.
    public var components: [String: ComponentSpec]?
    /// The data's value range, and the fraction of sample values outside it by more than 5% of
    /// its width: PNGs clip those values, so a large fraction deserves a look.
    public var dataRange: [Float]?
    public var fractionOutsideDataRange: Double?
    /// For aligned generators: the reward, its mean before training and after.
    public var rewardName: String?
    public var initialMeanReward: Double?
    public var meanReward: Double?
    /// `α_rew` and the reward as the loss used it at the last step (`α_rew · r`, after any normalisation).
    public var rewardScale: String?
    public var rewardAsUsed: Double?
    /// Which samples `initialMeanReward` and `meanReward` come from (when not ``samples``).
    public var rewardSamples: String?

    /// An empty report for samples of `data` drawn with `sampler`; the evaluator fills in the metrics.
    public init(data: String, sampler: String, evaluationsPerSample: Int) {
        (self.data, self.sampler, self.evaluationsPerSample) = (data, sampler, evaluationsPerSample)
    }

    /// A few human-readable lines.
    public var summary: String {
        var lines = ["data \(data), sampler \(sampler) (\(evaluationsPerSample) evaluations/sample)"]
        if let samples { lines.append("samples: \(samples)") }
        if let m = mode {
            lines.append(String(format: "within 3σ of own mode: %.1f%%, every mode covered: %@, spread %.3f (data 0.300), MMD² to data: %.4f",
                                100 * m.fractionNearOwnMode, m.everyModeCovered ? "yes" : "no", m.withinModeStd, m.mmd))
            lines.append("per-mode fraction: " + m.perModeFraction.map { String(format: "%.2f", $0) }.joined(separator: " "))
        }
        if let i = image {
            lines.append(String(format: "class accuracy (in-project classifier): %.1f%%   FD-%@: %.2f (real halves: %.2f)",
                                100 * i.classAccuracy, data, i.frechetDistance, realFrechetDistanceFloor ?? .nan))
            if let a = classifierTestAccuracy { lines.append(String(format: "classifier accuracy on held-out real data: %.1f%%", 100 * a)) }
        }
        if let s = statistics {
            lines.append(String(format: "mean gap to held-out data: %.4f (rms over dimensions), std ratio %.3f, MMD² to data: %.4f",
                                s.meanGap, s.standardDeviationRatio, s.mmd))
        }
        if let outside = fractionOutsideDataRange, outside > 0.01, let r = dataRange {
            lines.append(String(format: "note: %.1f%% of the sample values leave the data range [%g, %g] by more than 5%% of its width "
                                + "(PNGs clip them; for a generator, generatorOutput clamp or tanh keeps it inside)", 100 * outside, r[0], r[1]))
        }
        if let name = rewardName, let after = meanReward {
            lines.append((initialMeanReward.map { String(format: "mean reward (%@): %.4f → %.4f", name, $0, after) }
                          ?? String(format: "mean reward (%@): %.4f", name, after))
                         + (rewardScale.map { " raw; α_rew \($0)" } ?? "")
                         + (rewardAsUsed.map { String(format: ", as used in the loss %.4g", $0) } ?? "")
                         + (rewardSamples.map { "; on \($0)" } ?? ""))
        }
        if let components {
            lines.append("components: " + components.keys.sorted().map { "\($0) \(components[$0]!)" }.joined(separator: "; "))
        }
        if let seconds = wallSeconds {
            lines.append(String(format: "training: %.1f s", seconds) + (steps.map { " for \($0) steps" } ?? "")
                         + (stepsPerSecond.map { String(format: " (%.1f steps/s)", $0) } ?? ""))
        }
        return lines.joined(separator: "\n")
    }
}

/// What an evaluator compares samples with: the training data, the held-out data, and where
/// the in-project classifiers are cached.
public struct EvaluationContext {
    public let train: LabeledDataset
    public let heldOut: LabeledDataset
    public let classifierFolder: URL

    public init(train: LabeledDataset, heldOut: LabeledDataset, classifierFolder: URL) {
        (self.train, self.heldOut, self.classifierFolder) = (train, heldOut, classifierFolder)
    }
}

/// Adds metrics of `samples` (generated for `labels`) to a report.
public protocol SampleEvaluator {
    func evaluate(samples: Tensor, labels: [Int], into report: inout EvaluationReport) throws
}

/// Evaluates samples of a conditional model on its data set.
public enum ModelEvaluation {
    /// Balanced labels: `perClass` of each class, class-major (one PNG row per class); for data
    /// without classes, `perClass` unconditional (`∅`) samples.
    public static func balancedLabels(classes: Int, perClass: Int) -> [Int] {
        guard classes > 0 else { return [Int](repeating: Conditions.nullLabel, count: perClass) }
        return (0..<classes).flatMap { [Int](repeating: $0, count: perClass) }
    }

    /// Evaluates `samples` (generated for `labels`) with `evaluator` (the data set's own,
    /// ``DIPPData/LabeledDataset/evaluator``, unless the user names another), and adds the
    /// fraction of values outside the data's range.
    public static func evaluate(samples: Tensor, labels: [Int], train: LabeledDataset, sampler: String, evaluations: Int,
                                evaluator: any SampleEvaluator) throws -> EvaluationReport {
        var report = EvaluationReport(data: train.name, sampler: sampler, evaluationsPerSample: evaluations)
        try evaluator.evaluate(samples: samples, labels: labels, into: &report)
        let range = train.valueRange, slack = 0.05 * (range.high - range.low)
        report.dataRange = [range.low, range.high]
        report.fractionOutsideDataRange = Double(samples.storage.filter { $0 < range.low - slack || $0 > range.high + slack }.count)
            / Double(max(samples.count, 1))
        return report
    }

    /// The grid PNG at `png` with a label per row (the class, or a prompt), as `<name>.svg` beside
    /// it: the PNG embedded as is, the labels as SVG text.
    public static func writeLabelledGrid(png: String, rowLabels: [String], cellHeight: Int) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: png))
        guard data.count > 24 else { return }
        let bytes = [UInt8](data)   // IHDR: width and height, big-endian, at bytes 16–23
        let width = bytes[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = bytes[20..<24].reduce(0) { $0 << 8 | Int($1) }
        let margin = 12 + 7 * (rowLabels.map(\.count).max() ?? 0)
        var svg = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(margin + width)\" height=\"\(height)\" font-family=\"sans-serif\" font-size=\"12\">",
                   "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
                   "<image x=\"\(margin)\" y=\"0\" width=\"\(width)\" height=\"\(height)\" href=\"data:image/png;base64,\(data.base64EncodedString())\"/>"]
        for (row, label) in rowLabels.enumerated() {
            svg.append("<text x=\"\(margin - 6)\" y=\"\(1 + row * cellHeight + cellHeight / 2 + 4)\" text-anchor=\"end\">\(SVGText.escaped(label))</text>")
        }
        svg.append("</svg>")
        let url = URL(fileURLWithPath: png).deletingPathExtension().appendingPathExtension("svg")
        try Data((svg.joined(separator: "\n") + "\n").utf8).write(to: url, options: .atomic)
    }

    /// Writes a PNG of `samples`: a grid with one row per class for images (and the same grid with
    /// each row labelled by its class as an SVG beside it), a scatter for 2-D.
    public static func writePicture(samples: Tensor, labels: [Int], data: LabeledDataset, perClass: Int, to path: String) throws {
        if let (h, w) = data.imageSize {
            let d = data.dimension, channels = d / (h * w)
            let columns = min(perClass, 16)
            let rowLabels = data.classCount > 0 ? data.classNames : ["samples"]   // without classes: one row
            var images: [[Float]] = []
            for c in 0..<rowLabels.count {
                let rows = labels.indices.filter { data.classCount == 0 || labels[$0] == c }.prefix(columns)
                images += rows.map { Array(samples.storage[($0 * d)..<(($0 + 1) * d)]) }
            }
            let scale = h <= 8 ? 6 : h <= 16 ? 4 : 2
            try ImageGrid.writeGrid(images, rows: rowLabels.count, columns: columns, height: h, width: w, channels: channels,
                                    scale: scale, to: path)
            try writeLabelledGrid(png: path, rowLabels: rowLabels, cellHeight: h * scale + 1)
        } else if data.dimension == 2 {   // points in the plane; the modes marked where the data is the 2-D toy
            let mixture = GaussianMixture2D()
            let marks = data.evaluator == "mode-coverage" ? (0..<mixture.modes).map(mixture.mean) : []
            try ImageGrid.writeScatter(samples.storage, labels: labels, marks: marks, to: path)
        }
    }
}
