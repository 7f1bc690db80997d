// The paper's Table 1 on the bundled digits: per seed, the teacher (`dipp pretrain --data
// digits --seed k`), its Diff-Instruct generator (`dipp distill --steps 2000`), and the five
// (α_cfg, α_rew) configurations (`dipp align --init-from … --preset P --reward classifier
// --learning-rate 2e-5 --steps 1000`); a table of means ± sd with 95% confidence intervals;
// then the presets with α_rew > 0 under each reward normalisation (none, frozen, gradient).
//
//   swift run -c release table1            # fast mode (CI): short runs, 3 seeds
//   swift run -c release table1 --full     # full mode: Documentation/Results/Table1
//   options: --seeds N (default 3), --out DIR
import DIPPEvaluation
import DIPPNN
import DIPPRuns
import DiffInstruct
import ExampleSupport
import Foundation

let runs = ExampleRuns(name: "table1", fullOutput: "Documentation/Results/Table1")
let command = "swift run -c release table1" + (runs.full ? " --full" : "")
let (distillSteps, alignSteps) = runs.full ? (2000, 1000) : (200, 100)

/// One row's per-seed values.
struct Row {
    var name: String
    var accuracy: [Double] = [], fd: [Double] = [], reward: [Double] = [], seconds: [Double] = []

    mutating func add(_ report: EvaluationReport, seconds: Double?) {
        accuracy.append(100 * (report.image?.classAccuracy ?? .nan))
        fd.append(report.image?.frechetDistance ?? .nan)
        if let r = report.meanReward { reward.append(r) }
        if let s = seconds { self.seconds.append(s) }
    }

    var cells: [String] {
        let a = SeedSpread(accuracy), f = SeedSpread(fd), r = SeedSpread(reward)
        return [name, a.formatted(1), a.interval(1), f.formatted(2), f.interval(2),
                reward.isEmpty ? "–" : r.formatted(4), reward.isEmpty ? "–" : r.interval(4),
                seconds.isEmpty ? "–" : SeedSpread(seconds).formatted(1)]
    }
}

/// The aligned run of `preset` under `normalization` from the seed's Diff-Instruct generator.
@MainActor func aligned(_ preset: Preset, _ normalization: RewardNormalization, seed: UInt64, from distilled: URL) throws -> ExampleRuns.Result {
    try runs.run("\(preset.rawValue)-\(alignSteps)-\(normalization.rawValue)", seed: seed, base: .alignDefaults,
                 initialWeights: distilled.appendingPathComponent("generator.safetensors")) { c in
        preset.apply(to: &c)
        c.algorithm.steps = alignSteps
        c.algorithm.generatorLearningRate = 2e-5
        c.algorithm.rewardNormalization = normalization
    }.result
}

ExampleRuns.main {
    let normalizations = RewardNormalization.allCases.filter { $0 != DIPPConfiguration().rewardNormalization }
    let rewarded = Preset.allCases.filter { $0.rewardScale > 0 }
    var compared = rewarded.flatMap { preset in normalizations.map { (preset, $0) } }
        .map { (preset: $0.0, normalization: $0.1, row: Row(name: "`\($0.0.rawValue)`, \($0.1.rawValue)")) }
    var teacher = Row(name: "teacher, Heun 18 steps (35 evaluations)")
    var distilled = Row(name: "Diff-Instruct (IKL unit), \(distillSteps) steps")
    var presets = Preset.allCases.map { Row(name: "`\($0.rawValue)` (α_cfg \($0.teacherGuidance), α_rew \($0.rewardScale))") }
    var floors: [Double] = []
    for seed in runs.seeds {
        let teacherReport = try runs.teacherReport(seed: seed)
        teacher.add(teacherReport, seconds: nil)
        floors.append(teacherReport.realFrechetDistanceFloor ?? .nan)
        // The same run as compare-divergences' ikl-unit: shared when both examples ran.
        let (result, distillFolder) = try runs.distilled(seed: seed)
        distilled.add(result.report, seconds: result.seconds)
        for (i, preset) in Preset.allCases.enumerated() {
            let result = try aligned(preset, DIPPConfiguration().rewardNormalization, seed: seed, from: distillFolder)
            presets[i].add(result.report, seconds: result.seconds)
            if i == 0, let before = result.report.initialMeanReward { distilled.reward.append(before) }
        }
        for i in compared.indices {
            let result = try aligned(compared[i].preset, compared[i].normalization, seed: seed, from: distillFolder)
            compared[i].row.add(result.report, seconds: result.seconds)
        }
    }
    let table = MarkdownTable(header: ["model", "class accuracy (%)", "95% CI", "FD-digits", "95% CI", "mean reward", "95% CI", "wall (s)"],
                              rows: ([teacher, distilled] + presets).map(\.cells))
    /// Per rewarded preset: its row above (the default normalisation), then the other normalisations'.
    let normalizationRows = rewarded.flatMap { preset -> [Row] in
        var standard = presets[Preset.allCases.firstIndex(of: preset)!]
        standard.name = "`\(preset.rawValue)`, \(DIPPConfiguration().rewardNormalization.rawValue) (default)"
        return [standard] + compared.filter { $0.preset == preset }.map(\.row)
    }
    let normalizationTable = MarkdownTable(header: ["preset, reward normalisation", "class accuracy (%)", "95% CI", "FD-digits", "95% CI",
                                                    "mean reward", "95% CI", "wall (s)"], rows: normalizationRows.map(\.cells))
    let page = """
    # Table 1 on digits (\(runs.mode) mode)

    Made by `\(command)`. \(runs.seeds.count) seeds (k = \(runs.seeds.map(String.init).joined(separator: ", "))); each seed
    has its own teacher, Diff-Instruct generator and aligned generators. Cells: mean ± sd over seeds,
    and the 95% confidence interval of the mean (Student's t, \(runs.seeds.count - 1) degrees of freedom).
    Metrics on 1000 class-balanced samples: class accuracy by the in-project classifier, FD-digits
    against the held-out half (real-data floor \(SeedSpread(floors).formatted(2))), mean reward = mean
    `log p(c|x)` of the classifier (0 is the maximum; the Diff-Instruct row's is the aligned runs'
    starting value). Presets: `dipp align --preset P --reward classifier --learning-rate 2e-5
    --steps \(alignSteps)` from the seed's Diff-Instruct generator, with the default reward normalisation
    (`\(DIPPConfiguration().rewardNormalization.rawValue)`: the reward's gradient measured over the first
    \(DIPPConfiguration().rewardNormalizationWarmup) steps, then held). Accuracy and FD are of the EMA generator's 1000 samples
    (100 per class, evaluation stream, the run's seed); the mean reward of 1000 samples of the reward-probe stream (seed 99,
    the same latents before and after training). Wall: training and evaluation of that run alone. The text-prompt
    counterpart is `Examples/TextPrompts`.

    \(table.text)

    ## The reward normalisation

    The presets with α_rew > 0 again, under each `--reward-normalization`: `none` (α_rew multiplies the raw
    `log p(c|x)`, as eq. 3.10 writes it), `frozen` (the default) and `gradient` (the reward's gradient
    re-measured every step, so its push never fades as the reward saturates). Same seeds, teachers and
    starting generators as above.

    \(normalizationTable.text)
    """
    try runs.publish(page)
}
