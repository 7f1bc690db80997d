import DIPPComponents
import DIPPNN
import Foundation

/// The folder `dipp reward train --pairs PAIRS.jsonl --out RUN` writes:
/// `reward.safetensors` + `reward.json` (the model, what `--reward rm:RUN` loads), `report.json`,
/// `report.md` (held-out accuracy, calibration table), `loss-curve.svg` and `pairs.source`
/// (the pairs file it was trained on).
public enum RewardRun {
    /// Trains on `pairsFile` into `folder`; `configure` may change the defaults chosen from the
    /// pairs (network, training options).
    @discardableResult
    public static func train(pairsFile: URL, folder: URL, textEncoder: String = "all-MiniLM-L6-v2", components: Components = .standard(),
                             configure: (inout LearnedRewardConfiguration) -> Void = { _ in },
                             log: (String) -> Void = { print($0) }) throws -> (reward: LearnedReward, report: RewardTraining.Report) {
        let pairs = try PreferencePairs.read(pairsFile)
        var configuration = try RewardTraining.configuration(for: pairs, textEncoder: textEncoder, components: components)
        configure(&configuration)
        log("\(pairs.count) pairs (\(pairs.filter { $0.choice == .tie }.count) ties), conditioning: \(configuration.conditioning.rawValue)")
        let (reward, report) = try RewardTraining.train(pairs: pairs, configuration: configuration, components: components, log: log)
        try reward.save(to: folder)
        try ConfigurationFile.write(report, to: folder.appendingPathComponent("report.json"))
        try Data(markdown(report, pairsFile: pairsFile).utf8).write(to: folder.appendingPathComponent("report.md"), options: .atomic)
        try Data(lossCurve(report).svg.utf8).write(to: folder.appendingPathComponent("loss-curve.svg"), options: .atomic)
        try Data((pairsFile.path + "\n").utf8).write(to: folder.appendingPathComponent("pairs.source"), options: .atomic)
        log(String(format: "held-out accuracy %.3f on %d pairs (%d ties excluded), ECE %.3f — wrote %@",
                   report.heldOutAccuracy, report.heldOut.count, report.heldOutTies, report.expectedCalibrationError, folder.path))
        return (reward, report)
    }

    static func lossCurve(_ report: RewardTraining.Report) -> LinePlot {
        var plot = LinePlot(title: "Bradley–Terry loss", xLabel: "epoch", yLabel: "loss")
        let epochs = report.curve.map { Double($0.epoch) }
        plot.series = [.init(name: "train", x: epochs, y: report.curve.map(\.trainLoss)),
                       .init(name: "held-out", x: epochs, y: report.curve.map(\.heldOutLoss))]
        let validation = report.curve.compactMap(\.validationLoss)
        if validation.count == epochs.count { plot.series.insert(.init(name: "validation", x: epochs, y: validation), at: 1) }
        return plot
    }

    static func markdown(_ r: RewardTraining.Report, pairsFile: URL) -> String {
        let bins = MarkdownTable(header: ["predicted P(left ≻ right)", "pairs", "mean predicted", "observed"],
                                 rows: r.calibration.map { [String(format: "%.1f–%.1f", $0.lower, $0.upper), "\($0.count)",
                                                            String(format: "%.3f", $0.meanPredicted), String(format: "%.3f", $0.observed)] })
        return """
        # Learned reward

        Trained on `\(pairsFile.relativePath)`: \(r.pairs) pairs, \(r.trainPairs) for training, \(r.validationPairs) to pick the epoch \
        (kept: epoch \(r.bestEpoch) of \(r.curve.count)), \(r.heldOut.count) held out (\(r.heldOutTies) of them ties). \
        \(String(format: "%.1f", r.seconds)) s.

        | | |
        |---|---|
        | held-out pairwise accuracy (ties excluded) | \(String(format: "%.3f", r.heldOutAccuracy)) |
        | held-out Bradley–Terry loss | \(String(format: "%.4f", r.heldOutLoss)) |
        | training accuracy | \(r.trainAccuracy.map { String(format: "%.3f", $0) } ?? "– (every training pair is a tie)") |
        | expected calibration error | \(String(format: "%.3f", r.expectedCalibrationError)) |

        Calibration on the held-out pairs (observed: the share where left was chosen, a tie counting ½):

        \(bins.text)

        ![loss curve](loss-curve.svg)
        """
    }
}
