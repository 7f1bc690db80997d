// Trains the same generator with each divergence — IKL (unit, l2, dmd weighting), SiD (α = 1.0
// and 1.2, on SiD's own σ schedules; and α = 1.2 with its TA on the generator's ramp) and SDS (no TA) — over several seeds with the same step
// budget, on the 2-D mixture (exact teacher, unconditional) and on the bundled digits, and
// writes a markdown table (mean ± sd over seeds) and a plot of the logged quality metric
// against the step for each.
//
//   swift run -c release compare-divergences            # fast mode (CI): short runs, 3 seeds
//   swift run -c release compare-divergences --full     # full mode: Documentation/Results/CompareDivergences
//   options: --seeds N (default 3), --out DIR
import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPNN
import DIPPRuns
import DIPPTensor
import DiffInstruct
import ExampleSupport
import Foundation

/// One divergence under comparison, with the generator learning rate it is stable at
/// (SiD differentiates through both networks; its gradient is larger, hence 3e-5).
struct Contender {
    let name: String
    let divergence: ComponentSpec
    let learningRate: Float
}

let contenders = [
    Contender(name: "ikl-unit", divergence: ComponentSpec("ikl", options: ["weighting": .string("unit")]), learningRate: 1e-4),
    Contender(name: "ikl-l2", divergence: ComponentSpec("ikl", options: ["weighting": .string("l2")]), learningRate: 1e-4),
    Contender(name: "ikl-dmd", divergence: ComponentSpec("ikl", options: ["weighting": .string("dmd")]), learningRate: 1e-4),
    Contender(name: "sid-1.0", divergence: ComponentSpec("sid", options: ["alpha": .number(1.0)]), learningRate: 3e-5),
    Contender(name: "sid-1.2", divergence: ComponentSpec("sid", options: ["alpha": .number(1.2)]), learningRate: 3e-5),
    // SiD with its TA trained on the generator's ramp instead of EDM's log-normal (DIPP's default before it followed SiD's code).
    Contender(name: "sid-1.2-ramp-ta", divergence: ComponentSpec("sid", options: ["alpha": .number(1.2),
                                                                                  "assistantNoise": try! JSONValue(encoding: NoiseDistribution.sid)]),
              learningRate: 3e-5),
    Contender(name: "sds", divergence: "sds", learningRate: 1e-4),
]

let runs = ExampleRuns(name: "compare-divergences", fullOutput: "Documentation/Results/CompareDivergences")
let command = "swift run -c release compare-divergences" + (runs.full ? " --full" : "")

// MARK: - 2-D mixture: the exact teacher

/// A 2-D setting: class-conditional (the DI++ toy: class k is mode k) or unconditional (one
/// generator for the whole mixture), with its learning rates.
struct Setting {
    let title: String
    let classes: Int
    /// Multiplies each divergence's generator learning rate.
    let learningRateScale: Float
    let assistantLearningRate: Float
    let plotFile: String
}

/// The 2-D part: the analytic 8-mode mixture is the teacher (conditional on class k it is mode
/// k; under `∅` the whole mixture); the one-step generator and the TA start from an MLP
/// pre-trained on the mixture.
@MainActor func compareOnMixture(_ setting: Setting) throws -> String {
    let steps = runs.full ? 2000 : 300, every = runs.full ? 100 : 50
    let folder = URL(fileURLWithPath: "runs/examples/gmm2d-\(runs.mode)/mlp-teacher")
    if (try? EDMDenoiser.load(runFolder: folder)) == nil {
        var c = TeacherTrainingConfiguration()
        c.data = "gmm2d"
        c.steps = 1500
        c.emaHalfLifeSamples = 20_000
        c.checkpointEvery = 1500
        print("2-D: pre-training the MLP that initialises the generator and the TA (1500 steps)")
        _ = try TeacherTrainer(configuration: c, folder: folder).run(progress: false)
    }
    let teacherRun = try TeacherRun(folder: folder)
    let mixture = GaussianMixture2D()
    let exact = GaussianMixtureDenoiser(means: (0..<mixture.modes).map { [mixture.mean($0).0, mixture.mean($0).1] },
                                        standardDeviations: [Float](repeating: mixture.standardDeviation, count: mixture.modes))
    let probe = try QualityProbe(train: teacherRun.train, heldOut: teacherRun.heldOut, classifierFolder: teacherRun.classifierFolder,
                                 sampleCount: 500, classCount: setting.classes)
    let reference = Array(teacherRun.heldOut.values.prefix(4000))
    func labels(_ count: Int) -> [Int] {
        setting.classes == 0 ? [Int](repeating: Conditions.nullLabel, count: count) : (0..<count).map { $0 % setting.classes }
    }
    var rows: [[String]] = [], series: [LinePlot.Series] = []
    for contender in contenders {
        let learningRate = contender.learningRate * setting.learningRateScale
        var modes: [Double] = [], spreads: [Double] = [], mmds: [Double] = [], seconds: [Double] = []
        var curves: [[(step: Int, value: Double)]] = []
        for seed in runs.seeds {
            var c = DIPPConfiguration()
            c.steps = steps
            c.generatorLearningRate = .constant(learningRate)
            c.assistantLearningRate = .constant(setting.assistantLearningRate)
            c.emaDecay = 0   // EDM's adaptive EMA, as `dipp distill`
            c.seed = seed
            let context = RunContext(teacher: teacherRun.teacher, train: teacherRun.train, seed: seed, classifierFolder: teacherRun.classifierFolder)
            let generator = OneStepGenerator(teacher: teacherRun.teacher)
            let trainer = DIPPTrainer(configuration: c, teacher: exact, generator: generator, assistant: .learned(teacherRun.teacher.copy()),
                                      divergence: try Components.standard().divergences.make(contender.divergence, context: context, path: "divergence"),
                                      conditions: UniformLabels(classCount: setting.classes),
                                      assistantObjective: EDMAssistantObjective(sigmaData: teacherRun.teacher.configuration.sigmaData))
            let average = OneStepGenerator(teacher: teacherRun.teacher)
            func emaSamples(_ count: Int, stream: StreamIdentifier) -> Tensor {
                trainer.writeAverage(into: average)
                var rng = RandomStream(seed: seed, stream)
                return withoutGradients { average.sample(conditions: Conditions(labels: labels(count)), rng: &rng) }
            }
            var curve: [(step: Int, value: Double)] = []
            let start = Date()
            while trainer.step < steps {
                try trainer.trainStep()
                if trainer.step % every == 0 {
                    let metrics = probe(emaSamples(probe.labels.count, stream: .qualityProbe))
                    curve.append((trainer.step, Double(metrics.first { $0.0 == "quality/mmd" }!.1)))
                }
            }
            seconds.append(Date().timeIntervalSince(start))
            let samples = emaSamples(1000, stream: .evaluationSamples)
            if setting.classes > 0 {
                let r = PointCloudMetrics.evaluate(samples: samples.storage, labels: labels(1000), mixture: mixture, reference: reference)
                modes.append(Double(r.perModeFraction.filter { $0 >= 0.5 }.count))
                spreads.append(r.withinModeStd)
            } else {
                let found = PointCloudMetrics.unconditional(samples: samples.storage, mixture: mixture)
                modes.append(Double(found.modesCovered))
                spreads.append(found.spread)
            }
            mmds.append(PointCloudMetrics.mmd(samples.storage, reference, dimension: 2, bandwidth: 1))
            curves.append(curve)
            print(String(format: "2-D %@ %@ seed %llu: %.0f modes, spread %.3f, MMD² %.4f", setting.title, contender.name, seed,
                         modes.last!, spreads.last!, mmds.last!))
        }
        rows.append([contender.name, String(format: "%g", learningRate), SeedSpread(modes).formatted(1),
                     SeedSpread(spreads).formatted(3), SeedSpread(mmds.map { $0 * 1000 }).formatted(2),
                     SeedSpread(seconds.map { Double(steps) / $0 }).formatted(0), SeedSpread(seconds).formatted(1)])
        series.append(ExampleRuns.meanCurve(curves, name: contender.name))
    }
    var plot = LinePlot(title: "2-D mixture, \(setting.title): MMD² to the data (500 samples)", xLabel: "generator step",
                        yLabel: "MMD² (EMA generator)", logY: true)
    plot.series = series.map { s in   // the unbiased MMD² dips below 0 at noise level: plot its floor
        LinePlot.Series(name: s.name, x: s.x, y: s.y.map { max($0, 1e-4) }, band: [])
    }
    try runs.write(plot.svg, to: setting.plotFile)
    let table = MarkdownTable(header: ["divergence", "generator lr", "modes covered (of 8)", "spread (data 0.300)", "MMD² ×10³",
                                       "steps/s", "wall (s)"], rows: rows)
    let covered = setting.classes > 0
        ? "modes whose own class puts at least half of its samples within 3σ of them"
        : "modes holding at least half their share of all samples within 3σ"
    return """
    ## 2-D mixture, \(setting.title) (exact teacher)

    \(steps) generator steps at batch 256, TA learning rate \(String(format: "%g", setting.assistantLearningRate)), \(runs.seeds.count) seeds
    (mean ± sd). Metrics on 1000 samples of the EMA generator: \(covered); the spread around the
    mode (√(mean ‖x − μ‖²/2) within 3σ); MMD² to 2000 held-out points (bandwidth 1; unbiased, so
    it scatters around 0 at noise level). Plot: `\(setting.plotFile)`.

    \(table.text)
    """
}

// MARK: - Digits: the pre-trained teacher of each seed

@MainActor func compareOnDigits() throws -> String {
    let steps = runs.full ? 2000 : 200
    var rows: [[String]] = [], series: [LinePlot.Series] = []
    // The teachers' reports first: they train the seeds' classifiers, which would otherwise count
    // in the first run's wall time.
    let floor = SeedSpread(try runs.seeds.map { try runs.teacherReport(seed: $0).realFrechetDistanceFloor ?? .nan })
    for contender in contenders {
        var accuracy: [Double] = [], fd: [Double] = [], rates: [Double] = [], seconds: [Double] = [], curves: [[(step: Int, value: Double)]] = []
        for seed in runs.seeds {
            let (result, folder) = try runs.run("\(contender.name)-\(steps)", seed: seed, base: .distillDefaults) { c in
                c.divergence = contender.divergence
                c.algorithm.steps = steps
                c.algorithm.generatorLearningRate = .constant(contender.learningRate)
                c.progressEvery = runs.full ? 100 : 50
                c.progressSamples = 500
            }
            accuracy.append(100 * (result.report.image?.classAccuracy ?? .nan))
            fd.append(result.report.image?.frechetDistance ?? .nan)
            if let s = result.seconds { (seconds, rates) = (seconds + [s], rates + [result.stepsPerSecond!]) }
            curves.append(ExampleRuns.curve(folder, metric: "quality/fd"))
        }
        rows.append([contender.name, String(format: "%g", contender.learningRate), SeedSpread(accuracy).formatted(1),
                     SeedSpread(fd).formatted(2), rates.isEmpty ? "–" : SeedSpread(rates).formatted(1),
                     seconds.isEmpty ? "–" : SeedSpread(seconds).formatted(1)])
        series.append(ExampleRuns.meanCurve(curves, name: contender.name))
    }
    var plot = LinePlot(title: "Digits: FD-digits of the EMA generator (500 samples)", xLabel: "generator step", yLabel: "FD-digits", logY: true)
    plot.series = series
    try runs.write(plot.svg, to: "quality-digits.svg")
    let table = MarkdownTable(header: ["divergence", "generator lr", "class accuracy (%)", "FD-digits (1000 samples)", "steps/s", "wall (s)"],
                              rows: rows)
    return """
    ## Digits (teacher: `dipp pretrain --data digits --seed k`, one per seed)

    `dipp distill` with each divergence: the one-step generator initialised from the teacher, \(steps)
    steps at batch 256, EDM's adaptive EMA, \(runs.seeds.count) seeds (mean ± sd). Class accuracy by the
    in-project classifier and FD-digits against the held-out half, on 1000 class-balanced samples
    (real-data floor at this count: \(floor.formatted(2))). Wall time includes the final
    evaluation and the logged quality probe. Plot: `quality-digits.svg` (the `quality/fd` metric every run logs).

    \(table.text)
    """
}

ExampleRuns.main {
    let only = CommandLine.arguments.firstIndex(of: "--only").map { CommandLine.arguments[$0 + 1] }
    var sections: [String] = []
    if only == nil || only == "2d" {
        sections.append(try compareOnMixture(Setting(title: "class-conditional", classes: 8, learningRateScale: 1,
                                                      assistantLearningRate: 1e-4, plotFile: "quality-2d-conditional.svg")))
        // One generator for all eight modes is a harder map from z: larger steps for both networks.
        sections.append(try compareOnMixture(Setting(title: "unconditional", classes: 0, learningRateScale: 3,
                                                      assistantLearningRate: 1e-3, plotFile: "quality-2d-unconditional.svg")))
    }
    if only == nil || only == "digits" { sections.append(try compareOnDigits()) }
    let page = "# Divergences compared (\(runs.mode) mode)\n\nMade by `\(command)`. SiD draws the generator's σ from its capped Karras ramp and "
        + "trains its TA on EDM's log-normal (−1.2, 1.2), as SiD's code does; `sid-1.2-ramp-ta` trains the TA on the ramp too.\n\n"
        + sections.joined(separator: "\n")
    try runs.publish(page)
}
