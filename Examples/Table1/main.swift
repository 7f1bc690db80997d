// The paper's Table 1 on the bundled digits: per seed, the teacher (`dipp pretrain --data
// digits --seed k`), its Diff-Instruct generator (`dipp distill --steps 2000`), and the five
// (α_cfg, α_rew) configurations (`dipp align --init-from … --preset P --reward classifier
// --learning-rate 2e-5 --steps 1000`); a table of means ± sd with 95% confidence intervals.
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

ExampleRuns.main {
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
            let (aligned, _) = try runs.run("\(preset.rawValue)-\(alignSteps)", seed: seed, base: .alignDefaults,
                                            initialWeights: distillFolder.appendingPathComponent("generator.safetensors")) { c in
                preset.apply(to: &c)
                c.algorithm.steps = alignSteps
                c.algorithm.generatorLearningRate = 2e-5
            }
            presets[i].add(aligned.report, seconds: aligned.seconds)
            if i == 0, let before = aligned.report.initialMeanReward { distilled.reward.append(before) }
        }
    }
    let table = MarkdownTable(header: ["model", "class accuracy (%)", "95% CI", "FD-digits", "95% CI", "mean reward", "95% CI", "wall (s)"],
                              rows: ([teacher, distilled] + presets).map(\.cells))
    let page = """
    # Table 1 on digits (\(runs.mode) mode)

    Made by `\(command)`. \(runs.seeds.count) seeds (k = \(runs.seeds.map(String.init).joined(separator: ", "))); each seed
    has its own teacher, Diff-Instruct generator and aligned generators. Cells: mean ± sd over seeds,
    and the 95% confidence interval of the mean (Student's t, \(runs.seeds.count - 1) degrees of freedom).
    Metrics on 1000 class-balanced samples: class accuracy by the in-project classifier, FD-digits
    against the held-out half (real-data floor \(SeedSpread(floors).formatted(2))), mean reward = mean
    `log p(c|x)` of the classifier (0 is the maximum; the Diff-Instruct row's is the aligned runs'
    starting value). Presets: `dipp align --preset P --reward classifier --learning-rate 2e-5
    --steps \(alignSteps)` from the seed's Diff-Instruct generator. Wall: training and evaluation of
    that run alone. A text-prompt version waits for text-conditioned teachers (issue 11).

    \(table.text)
    """
    try runs.publish(page)
}
