// What α_rew means with reward normalisation: two rewards with different raw scales — the
// foreign-function `ink` (mean brightness in [0, 1], ∇ = 1/128 per value) and the C symmetry
// plugin (−mean squared left–right difference) — each aligned at α_rew = 0 (control), 1 and 10
// from each seed's Diff-Instruct generator (`dipp align --reward R --reward-scale α --steps 300`,
// the default reward normalisation), over several seeds. Reports the raw reward's change,
// class accuracy and FD-digits (mean ± sd).
//
//   swift build -c release && swift run -c release reward-scale          # fast mode (CI)
//   swift run -c release reward-scale --full                             # Documentation/Results/RewardScale
import DIPPComponents
import DIPPNN
import DIPPPlugins
import DIPPRuns
import DiffInstruct
import ExampleSupport
import Foundation

let runs = ExampleRuns(name: "reward-scale", fullOutput: "Documentation/Results/RewardScale")
let command = "swift run -c release reward-scale" + (runs.full ? " --full" : "")
let steps = runs.full ? 300 : 50
// The plugins are built next to this executable by `swift build -c release`.
let build = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
let rewards: [(name: String, spec: String)] = [
    ("ink", "ffi:\(build.appendingPathComponent("libForeignScore.so").path):float ink(const float *x, int64_t n);"
        + "grad=void ink_grad(const float *x, int64_t n, float *g)"),
    ("symmetry", build.appendingPathComponent("libSymmetryReward.so").path),
]
let scales: [Float] = [0, 1, 10]

/// The default normalisation, which the page measures.
let normalization = DIPPConfiguration().rewardNormalization

ExampleRuns.main {
    var rows: [[String]] = []
    for reward in rewards {
        for scale in scales {
            var change: [Double] = [], accuracy: [Double] = [], fd: [Double] = [], before: [Double] = []
            for seed in runs.seeds {
                let (_, distilled) = try runs.distilled(seed: seed)
                let (result, _) = try runs.run("\(reward.name)-alpha\(scale)-\(steps)-\(normalization.rawValue)", seed: seed, base: .alignDefaults,
                                               initialWeights: distilled.appendingPathComponent("generator.safetensors"),
                                               components: Components.standard().withPlugins()) { c in
                    c.reward = ComponentSpec(reward.spec)
                    c.algorithm.rewardScale = .constant(scale)
                    c.algorithm.steps = steps
                }
                let r = result.report
                let (start, end) = (r.initialMeanReward ?? .nan, r.meanReward ?? .nan)
                before.append(start)
                change.append(100 * (end - start) / abs(start))
                accuracy.append(100 * (r.image?.classAccuracy ?? .nan))
                fd.append(r.image?.frechetDistance ?? .nan)
            }
            rows.append([reward.name, String(format: "%g", scale), SeedSpread(before).formatted(4), SeedSpread(change).formatted(1),
                         SeedSpread(accuracy).formatted(1), SeedSpread(fd).formatted(2)])
        }
    }
    let table = MarkdownTable(header: ["reward", "α_rew", "raw reward before", "reward change (%)", "class accuracy (%)", "FD-digits"],
                              rows: rows)
    let page = """
    # α_rew with the default reward normalisation (\(runs.mode) mode)

    Made by `\(command)`. \(runs.seeds.count) seeds; each seed's teacher and Diff-Instruct generator as in
    `table1`. Each cell: `dipp align --init-from <the seed's generator> --reward R --reward-scale α
    --steps \(steps)` (generator learning rate 2e-5, `rewardNormalization: \(normalization.rawValue)`: the reward's
    gradient measured over the first \(DIPPConfiguration().rewardNormalizationWarmup) steps, then held; `rewardGradientTarget` 0.022),
    mean ± sd over seeds. Reward change: (after − before)/|before| of the
    raw mean reward on 1000 fixed samples. Class accuracy and FD-digits on 1000 class-balanced
    samples. The two rewards' raw gradients differ: `ink` is 1/128 per value everywhere; `symmetry`
    is proportional to each pixel's mirror difference.

    \(table.text)
    """
    try runs.publish(page)
}
