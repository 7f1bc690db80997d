// The preference benchmark with a hidden utility: pairs of each seed's Diff-Instruct generator
// samples are judged by a simulated Bradley–Terry annotator whose utility (stroke mass by
// default) the reward model never sees; a reward model is learned from the pairs
// (`dipp reward simulate`, `dipp reward train`); DI++ aligns the generator with it
// (`dipp align --reward rm:RUN`) at several α_rew. Reports the learned reward's held-out accuracy
// against the noise ceiling (the utility's own accuracy on the same held-out pairs) and, side by
// side, the learned reward and the hidden utility before and after alignment with FD-digits —
// beside DI++ with the utility itself as the reward (the oracle, `--reward utility:NAME`), a reward
// learned from few pairs and a misspecified one; flags reward hacking (learned reward up, hidden
// utility not).
//
//   swift build -c release && swift run -c release preferences           # fast mode (CI)
//   swift run -c release preferences --full                              # Documentation/Results/Preferences
//   options: --utility stroke-mass|crispness|centring|uprightness  --seeds N
import DIPPComponents
import DIPPDiffusion
import DIPPNN
import DIPPRuns
import DIPPTensor
import DiffInstruct
import ExampleSupport
import Foundation

let runs = ExampleRuns(name: "preferences", fullOutput: "Documentation/Results/Preferences")
let utility = CommandLine.arguments.firstIndex(of: "--utility").flatMap {
    $0 + 1 < CommandLine.arguments.count ? HiddenUtility(rawValue: CommandLine.arguments[$0 + 1]) : nil
} ?? .strokeMass
let annotator = SimulatedAnnotator(utility: utility, noise: 0.5)
let steps = runs.full ? 1000 : 100
let command = "swift run -c release preferences" + (runs.full ? " --full" : "") + (utility == .strokeMass ? "" : " --utility \(utility.rawValue)")

/// One alignment of the table: the reward (learned from `pairs` pairs, or the utility itself) and α_rew.
struct Setting {
    var pairs: Int
    var oracle = false
    /// A misspecified reward: learned from pairs judged by this other utility (the hacking check's positive control).
    var proxy: HiddenUtility? = nil
    var rewardScale: Float
    var label: String {
        if oracle { return "oracle: the hidden utility itself, α_rew \(rewardScale)" }
        if let proxy { return "misspecified: learned from \(pairs) pairs judged by \(proxy.rawValue), α_rew \(rewardScale)" }
        return "learned from \(pairs) pairs, α_rew \(rewardScale)"
    }
}

let settings: [Setting] = runs.full
    ? [Setting(pairs: 2000, rewardScale: 0.5), Setting(pairs: 2000, rewardScale: 0.7), Setting(pairs: 2000, rewardScale: 1),
       Setting(pairs: 2000, oracle: true, rewardScale: 0.7), Setting(pairs: 2000, oracle: true, rewardScale: 1), Setting(pairs: 100, rewardScale: 1),
       Setting(pairs: 2000, proxy: utility == .uprightness ? .centring : .uprightness, rewardScale: 1)]
    : [Setting(pairs: 600, rewardScale: 1)]

let components = Components.standard()
let hasOracle = HiddenUtilityReward.differentiable.contains(utility)

/// Hidden utility and learned reward over 1000 class-balanced samples (fixed latents) of a run.
@MainActor func measure(_ folder: URL, reward: LearnedReward) throws -> (utility: SeedSpread, reward: SeedSpread) {
    let run = try AlignmentRun.finished(runFolder: folder, components: components)
    var rng = RandomStream(seed: 0, .evaluationSamples)
    let labels = (0..<1000).map { $0 % run.train.classCount }
    let conditions = run.conditioner.conditions(labels: labels)
    let x = withoutGradients { run.generator(run.generator.sampleLatents(count: labels.count, rng: &rng), conditions: conditions) }
    let r = withoutGradients { reward.reward(x, conditions: conditions).storage }
    return (SeedSpread(utility.values(x.storage, shape: run.train.sampleShape).map(Double.init)), SeedSpread(r.map(Double.init)))
}

/// The seed's pairs file with `count` judged pairs and the reward learned from it, cached.
@MainActor func learnedReward(seed: UInt64, count: Int, judgedBy judge: HiddenUtility = utility,
                              generator: URL) throws -> (reward: LearnedReward, folder: URL, report: RewardTraining.Report, ceiling: Double) {
    let annotator = SimulatedAnnotator(utility: judge, noise: annotator.noise)
    let folder = runs.seedFolder(seed).appendingPathComponent("preferences-\(judge.rawValue)-\(count)")
    let pairsFile = folder.appendingPathComponent("pairs.jsonl")
    if !FileManager.default.fileExists(atPath: pairsFile.path) {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let pairs = SimulatedAnnotator.pairs(from: try PairSource(runFolder: generator), annotator: annotator, count: count, seed: seed)
        for pair in pairs { try PreferencePairs.append(pair, to: pairsFile) }
    }
    let rewardFolder = folder.appendingPathComponent("reward")
    let saved = try? (LearnedReward.load(from: rewardFolder),
                      JSONDecoder().decode(RewardTraining.Report.self, from: Data(contentsOf: rewardFolder.appendingPathComponent("report.json"))))
    let (reward, report) = try saved
        ?? RewardRun.train(pairsFile: pairsFile, folder: rewardFolder, configure: { $0.training.seed = seed }, log: { _ in })
    let pairs = try PreferencePairs.read(pairsFile)
    return (reward, rewardFolder, report, SimulatedAnnotator.utilityAccuracy(judge, pairs: report.heldOut.map { pairs[$0] }))
}

ExampleRuns.main {
    struct Row { var rise: [Double] = [], rewardRise: [Double] = [], fdRatio: [Double] = [], utility: [Double] = [], reward: [Double] = [], hacked = 0 }
    var rows = [Row](repeating: Row(), count: settings.count)
    var accuracy: [Int: [(Double, Double)]] = [:]
    var distilledUtility: [Double] = [], distilledSD: [Double] = [], distilledFD: [Double] = []
    for seed in runs.seeds {
        let (distilled, distilledFolder) = try runs.distilled(seed: seed)
        let fd0 = distilled.report.image?.frechetDistance ?? .nan
        distilledFD.append(fd0)
        for (k, setting) in settings.enumerated() where !setting.oracle || hasOracle {
            let learned = try learnedReward(seed: seed, count: setting.pairs, judgedBy: setting.proxy ?? utility, generator: distilledFolder)
            if !setting.oracle && setting.proxy == nil && setting.rewardScale == 1 { accuracy[setting.pairs, default: []].append((learned.report.heldOutAccuracy, learned.ceiling)) }
            let reward = setting.oracle ? "oracle" : setting.proxy.map { "rm\(setting.pairs)-\($0.rawValue)" } ?? "rm\(setting.pairs)"
            let name = "preferences-\(utility.rawValue)-\(reward)-alpha\(setting.rewardScale)-\(steps)"
            let (aligned, alignedFolder) = try runs.run(name, seed: seed, base: .alignDefaults,
                                                        initialWeights: distilledFolder.appendingPathComponent("generator.safetensors"),
                                                        components: components) { c in
                c.reward = ComponentSpec(setting.oracle ? "utility:\(utility.rawValue)" : "rm:\(learned.folder.path)")
                c.algorithm.rewardScale = .constant(setting.rewardScale)
                c.algorithm.rewardNormalization = .gradient   // the running normaliser its Results page was measured with
                c.algorithm.steps = steps
            }
            let before = try measure(distilledFolder, reward: learned.reward), after = try measure(alignedFolder, reward: learned.reward)
            if k == 0 { distilledUtility.append(before.utility.mean); distilledSD.append(before.utility.standardDeviation) }
            let rise = (after.utility.mean - before.utility.mean) / before.utility.standardDeviation
            let rewardRise = (after.reward.mean - before.reward.mean) / before.reward.standardDeviation
            rows[k].rise.append(rise); rows[k].rewardRise.append(rewardRise); rows[k].utility.append(after.utility.mean)
            rows[k].reward.append(after.reward.mean)
            rows[k].fdRatio.append((aligned.report.image?.frechetDistance ?? .nan) / fd0)
            if rewardRise >= 0.5 && rise < 0.25 { rows[k].hacked += 1 }
        }
    }
    // Seed 0's samples (the reports' fixed latents) before and after alignment with the first learned reward at α_rew 1,
    // and that reward's loss curve and calibration.
    let seed0 = runs.seedFolder(runs.seeds[0])
    let shown = settings.first { !$0.oracle && $0.rewardScale == 1 }!
    try FileManager.default.createDirectory(at: runs.output, withIntermediateDirectories: true)
    for (from, to) in [("\(try runs.distilled(seed: runs.seeds[0]).folder.lastPathComponent)/samples-generator.png", "samples-distilled.png"),
                       ("preferences-\(utility.rawValue)-rm\(shown.pairs)-alpha\(shown.rewardScale)-\(steps)/samples-generator.png", "samples-aligned.png"),
                       ("preferences-\(utility.rawValue)-\(shown.pairs)/reward/loss-curve.svg", "loss-curve.svg"),
                       ("preferences-\(utility.rawValue)-\(shown.pairs)/reward/report.md", "reward-report.md")] {
        let target = runs.output.appendingPathComponent(to)
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.copyItem(at: seed0.appendingPathComponent(from), to: target)
    }
    let accuracyTable = MarkdownTable(header: ["pairs", "held-out accuracy", "noise ceiling (the utility's own accuracy)", "accuracy / ceiling"],
                                      rows: accuracy.keys.sorted(by: >).map { n in
        let a = accuracy[n]!
        return ["\(n)", SeedSpread(a.map(\.0)).formatted(3), SeedSpread(a.map(\.1)).formatted(3), SeedSpread(a.map { $0.0 / $0.1 }).formatted(3)]
    })
    let alignTable = MarkdownTable(header: ["reward", "learned reward rise (sd)", "hidden utility after", "hidden utility rise (sd)",
                                            "FD-digits aligned / distilled", "hacking flagged"],
                                   rows: zip(settings, rows).filter { !$0.0.oracle || hasOracle }.map { setting, row in
        [setting.label, SeedSpread(row.rewardRise).formatted(2), SeedSpread(row.utility).formatted(4), SeedSpread(row.rise).formatted(2),
         SeedSpread(row.fdRatio).formatted(2), "\(row.hacked) of \(runs.seeds.count)"]
    })
    let page = """
    # Preferences with a hidden utility (\(runs.mode) mode)

    Made by `\(command)`; \(runs.seeds.count) seeds, mean ± sd over seeds. Per seed: the seed's Diff-Instruct generator
    (as in `table1`) draws pairs (a uniform class, two samples of it); a simulated annotator judges them by the hidden
    utility **\(utility.rawValue)** with Bradley–Terry noise (τ = \(annotator.noise) sd of the utility; a tie when the
    utilities differ by less than \(annotator.tieMargin) sd) — `dipp reward simulate`. A label-conditioned reward model
    learns from them (`dipp reward train`: 20% held out, 10% of the rest picks the epoch).

    \(accuracyTable.text)

    DI++ then aligns the generator with the learned reward: `dipp align --init-from <generator> --reward rm:<reward>
    --reward-scale α --steps \(steps)` (IKL, learning rate 2e-5, gradient normalisation). Under the distilled generator the
    hidden utility is \(SeedSpread(distilledUtility).formatted(4)) with a per-sample sd of \(SeedSpread(distilledSD).formatted(4)),
    and FD-digits is \(SeedSpread(distilledFD).formatted(2)). Rises are in per-sample sd under the distilled generator;
    utilities and learned rewards over 1000 class-balanced samples with fixed latents; FD-digits from the runs' reports
    (1000 samples). Hacking is flagged when the learned reward rises by ≥ 0.5 sd while the hidden utility rises by < 0.25 sd;
    the last row is its positive control, a reward learned from pairs an annotator judged by another utility.

    \(alignTable.text)

    Seed \(runs.seeds[0]), the same latents: the distilled generator, then aligned with the reward learned from
    \(shown.pairs) pairs at α_rew \(shown.rewardScale) (rows are classes 0–9):

    ![distilled](samples-distilled.png) ![aligned](samples-aligned.png)

    That reward's training ([report](reward-report.md)): ![loss curve](loss-curve.svg)
    """
    try runs.publish(page)
}
