import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPNN
import DIPPTensor
import DiffInstruct
import Foundation

/// A run context the catalogue's entries are built in: a data set (at most a few hundred samples
/// of it), a small untrained teacher of its shape, and conditions for a batch of its samples.
public struct ConformanceProbe {
    public let name: String
    public let context: RunContext
    public let heldOut: LabeledDataset
    /// Four samples of the data, mapped by `0.95·x + 0.025`, and their conditions (labels, and
    /// cameras for rendered views). The map moves quantised pixel values off the kinks of
    /// piecewise rewards (a clamp at ±1, `|2·ink − 1|` at 0) by more than the gradient check's
    /// step, as generator samples are: a central difference straddling a kink measures neither side.
    public let samples: Tensor
    public let conditions: Conditions

    /// `data` (its first `limit` samples, split in halves) with a seeded MLP teacher of its shape.
    public init(_ data: LabeledDataset, components: Components, classifierFolder: URL, limit: Int = 400) throws {
        let (train, heldOut) = Self.halves(data, limit: limit)
        name = data.name
        context = RunContext(teacher: try Self.smallTeacher(of: train, architecture: "mlp", components: components), train: train, seed: 0,
                             classifierFolder: classifierFolder)
        self.heldOut = heldOut
        let batch = Self.batch(of: train, count: 4)
        (samples, conditions) = (batch.samples * 0.95 + 0.025, batch.conditions)
    }

    /// The first `limit` samples of `data`, split in halves (train, held out).
    static func halves(_ data: LabeledDataset, limit: Int) -> (LabeledDataset, LabeledDataset) {
        data.subset(Array(0..<Swift.min(limit, data.count))).split(fraction: 0.5, seed: 0)
    }

    /// A seeded, untrained teacher of `data`'s shape and classes (hidden [32], U-Net widths 8),
    /// label-conditioned.
    static func smallTeacher(of data: LabeledDataset, architecture: String, components: Components) throws -> EDMDenoiser {
        var teacher = TeacherTrainingConfiguration()
        (teacher.architecture, teacher.hidden, teacher.channels) = (architecture, [32], [8, 8, 8])
        var rng = RandomStream(seed: 4)
        return try components.denoiser(TeacherTrainer.denoiserConfiguration(teacher, data: data), rng: &rng)
    }

    /// The first `count` samples of `data` with their conditions (labels, and cameras for rendered views).
    static func batch(of data: LabeledDataset, count: Int) -> (samples: Tensor, conditions: Conditions) {
        let rows = Array(0..<Swift.min(count, data.count)), batch = data.batch(rows)
        return (batch.samples, Conditions(count: rows.count, labels: batch.labels,
                                          camera: data.cameras.map { CameraPose(dimension: $0.dimension, values: $0.rows(rows).values) }))
    }

    /// The four kinds of data DIPP has, from `components`' data sets: 2-D points (`gmm2d`),
    /// images with classes (`digits`), captioned images (`digits-text`), rendered views (`shapes3d`).
    public static func standard(_ components: Components, classifierFolder: URL) throws -> [ConformanceProbe] {
        try ["gmm2d", "digits", "digits-text", "shapes3d"].map { try ConformanceProbe(components.loadData($0), components: components, classifierFolder: classifierFolder) }
    }
}

/// The conformance of one registered entry: the checks of every probe it was built in, and the
/// probes that refused it (with a ``ConfigurationError``, as they should for data it is not for).
public struct EntryConformance: CustomStringConvertible {
    public let kind: String
    public let name: String
    public var results: [(probe: String, results: [ConformanceResult])] = []
    public var refusals: [(probe: String, reason: String)] = []

    /// Built in at least one probe, and every check there passed.
    public var passed: Bool { !results.isEmpty && results.allSatisfy { $0.results.allPassed } }

    public var description: String {
        var lines = ["\(kind) '\(name)': \(passed ? "conforms" : "FAILS")"]
        for (probe, r) in results { lines += r.map { "  [\(probe)] \($0)" } }
        for (probe, reason) in refusals { lines.append("  [\(probe)] refused: \(reason)") }
        if results.isEmpty { lines.append("  built in no probe") }
        return lines.joined(separator: "\n")
    }
}

extension Conformance {
    /// Every registered entry of the kinds with a contract — generators, divergences, rewards,
    /// guidance, samplers, evaluators, data sets and architectures — built with its default
    /// options in each probe and checked by its kind's checker, and each resolver's examples
    /// (`utility:stroke-mass`, `linear:1,-2`). Resolvers of files (plugin paths, `rm:RUN`) have no
    /// example; `dipp plugin validate` checks plugins.
    ///
    /// An entry that throws anything but a ``ConfigurationError`` fails; one built in no probe
    /// fails. A divergence's, reward's or TA objective's `name` must be its registered name.
    /// `kinds` and `names` limit the check (`nil`: all); `probes` must not be empty.
    public static func checkCatalogue(_ components: Components, probes: [ConformanceProbe],
                                      kinds: Set<String>? = nil, names: Set<String>? = nil) -> [EntryConformance] {
        precondition(!probes.isEmpty, "checkCatalogue needs at least one probe (ConformanceProbe.standard)")
        var out: [EntryConformance] = []
        func each<P, C>(_ registry: ComponentRegistry<P, C>, _ body: (String, inout EntryConformance) -> Void) {
            guard kinds?.contains(registry.kind) ?? true else { return }
            let catalogue = registry.catalogue
            for name in catalogue.entries.map(\.name) + catalogue.resolvers.flatMap(\.examples) where names?.contains(name) ?? true {
                var conformance = EntryConformance(kind: registry.kind, name: name)
                body(name, &conformance)
                out.append(conformance)
            }
        }
        func attempt(_ c: inout EntryConformance, _ probe: String, _ body: () throws -> [ConformanceResult]) {
            do { c.results.append((probe, try body())) } catch let refusal as ConfigurationError {
                c.refusals.append((probe, refusal.what))
            } catch {
                c.results.append((probe, [ConformanceResult("build", false, "threw \(error), not a ConfigurationError")]))
            }
        }
        func named(_ name: String, _ expected: String) -> ConformanceResult {
            ConformanceResult("name", name == expected, "name '\(name)', registered as '\(expected)'")
        }
        each(components.generators) { name, c in
            for p in probes {
                attempt(&c, p.name) {
                    Conformance.checkGenerator(try components.generators.make(ComponentSpec(name), context: p.context, path: "generator"),
                                               conditions: p.conditions)
                }
            }
        }
        each(components.divergences) { name, c in
            attempt(&c, "any") {
                let d = try components.divergences.make(ComponentSpec(name), context: probes[0].context, path: "divergence")
                return [named(d.name, name)] + Conformance.checkDivergence(d)
            }
        }
        each(components.rewards) { name, c in
            for p in probes {
                attempt(&c, p.name) {
                    guard let r = try components.rewards.make(ComponentSpec(name), context: p.context, path: "reward") else {
                        return [ConformanceResult("none", true, "no reward term")]
                    }
                    return [named(r.name, name)] + Conformance.checkReward(r, samples: p.samples, conditions: p.conditions)
                }
            }
        }
        each(components.assistantObjectives) { name, c in
            attempt(&c, "gaussian") {
                let o = try components.assistantObjectives.make(ComponentSpec(name), context: probes[0].context, path: "assistantObjective")
                return [named(o.name, name), checkAssistantObjective(o)]
            }
        }
        each(components.guidance) { name, c in
            attempt(&c, "mixture") { [checkGuidance(try components.guidance.make(ComponentSpec(name), context: probes[0].context, path: "guidance"))] }
        }
        each(components.samplers) { name, c in
            attempt(&c, "gaussian") {
                let exact = AffineGenerator(shift: [[1, -0.5]], scale: [0.7])
                let steps: [String: JSONValue] = components.samplers.catalogue.entries.first { $0.name == name }?.defaults["steps"] == nil ? [:] : ["steps": .number(64)]
                return Conformance.checkSampler(try components.samplers.make(ComponentSpec(name, options: steps), context: SamplerContext(generator: exact),
                                                                             path: "sampler"))
            }
        }
        each(components.evaluators) { name, c in
            for p in probes {
                attempt(&c, p.name) {
                    let context = EvaluationContext(train: p.context.train, heldOut: p.heldOut, classifierFolder: p.context.classifierFolder)
                    let evaluator = try components.evaluators.make(ComponentSpec(name), context: context, path: "evaluator")
                    return [checkEvaluation(evaluator, data: p.heldOut)]
                }
            }
        }
        each(components.dataSets) { name, c in
            attempt(&c, "own") { try checkDataSet(components.loadData(name), components: components, classifierFolder: probes[0].context.classifierFolder) }
        }
        each(components.architectures) { name, c in
            for p in probes {
                attempt(&c, p.name) {
                    var configuration = p.context.teacher.configuration
                    configuration.architecture = name
                    try components.validate(configuration)
                    var rng = RandomStream(seed: 4)
                    let model = try components.denoiser(configuration, rng: &rng)
                    return Conformance.checkScoreModel(model, samples: p.samples, conditions: p.conditions)
                }
            }
            attempt(&c, "class-labelled images [3, 8, 8]") {   // no probe's data is plain labelled images
                let configuration = DenoiserConfiguration(architecture: name, sampleShape: [3, 8, 8], classCount: 3, hidden: [32], embeddingDimension: 8,
                                                          noiseFeatures: 8, channels: [8, 8, 8])
                try components.validate(configuration)
                var rng = RandomStream(seed: 4)
                let model = try components.denoiser(configuration, rng: &rng)
                return Conformance.checkScoreModel(model, samples: Tensor.randomNormal([6, 3, 8, 8], using: &rng),
                                                   conditions: Conditions(labels: [0, 1, 2, 0, 1, Conditions.nullLabel]))
            }
        }
        return out
    }

    /// Guidance at scale 1 is the conditional model itself, and finite at scale 3 (on a
    /// three-mode Gaussian mixture, whose guided denoiser is exact).
    static func checkGuidance(_ rule: GuidanceRule) -> ConformanceResult {
        let model = GaussianMixtureDenoiser(means: [[0, 1], [2, -1], [-1, -1]], standardDeviations: [0.3, 0.5, 0.8])
        var rng = RandomStream(seed: 2)
        let x = Tensor.randomNormal([6, 2], using: &rng), conditions = Conditions(labels: [0, 1, 2, 0, 1, Conditions.nullLabel])
        let sigma = Noise.constant(1.5, count: 6)
        let plain = model.denoise(x, sigma: sigma, conditions: conditions).storage
        let one = rule(1).denoise(model, x, sigma: sigma, conditions: conditions).storage
        let three = rule(3).denoise(model, x, sigma: sigma, conditions: conditions).storage
        let ok = zip(one, plain).allSatisfy { Swift.abs($0 - $1) <= 1e-5 } && three.allSatisfy(\.isFinite)
        return ConformanceResult("scale-1", ok, ok ? "scale 1 is the conditional model; scale 3 finite" : "scale 1 differs from the model, or scale 3 is not finite")
    }

    /// A TA objective is smaller for the exact denoiser of the generator's distribution than for
    /// one whose mean is off by 0.5 (an affine generator `N((1, −0.5), 0.7²)`, exact mixtures).
    static func checkAssistantObjective(_ objective: any AssistantObjective) -> ConformanceResult {
        let generator = AffineGenerator(shift: [[1, -0.5]], scale: [0.7])
        var rng = RandomStream(seed: 6)
        let n = 2048, conditions = Conditions(labels: [Int](repeating: 0, count: n))
        let x0 = generator(generator.sampleLatents(count: n, rng: &rng), conditions: conditions)
        let sigma = Tensor(shape: [n], storage: NoiseDistribution.logNormal(mean: -1, std: 1, minimum: 0.002, maximum: 80).sample(n, rng: &rng))
        let noisy = x0 + Tensor.randomNormal(x0.shape, using: &rng) * Noise.perSample(sigma, rank: 2)
        func loss(_ mean: [Float]) -> Float {
            objective.loss(assistant: GaussianMixtureDenoiser(means: [mean], standardDeviations: [0.7]), guidance: ClassifierFreeGuidance(),
                           x0: x0, noisy: noisy, sigma: sigma, conditions: conditions).scalar
        }
        let (exact, off) = (loss([1, -0.5]), loss([1.5, -0.5]))
        let ok = exact.isFinite && off.isFinite && exact < off
        return ConformanceResult("minimised-by-the-posterior-mean", ok, "loss \(exact) for the exact denoiser, \(off) with its mean off by 0.5")
    }

    /// An evaluator scores real held-out samples with finite metrics.
    static func checkEvaluation(_ evaluator: any SampleEvaluator, data: LabeledDataset) -> ConformanceResult {
        var report = EvaluationReport(data: data.name, sampler: "real", evaluationsPerSample: 0)
        do {
            let (samples, labels) = data.all
            try evaluator.evaluate(samples: samples, labels: labels, into: &report)
        } catch {
            return ConformanceResult("evaluates", false, "threw \(error)")
        }
        var numbers: [Double] = []
        if let m = report.mode { numbers += [m.fractionNearOwnMode, m.withinModeStd, m.mmd] }
        if let i = report.image { numbers += [i.classAccuracy, i.frechetDistance] }
        if let s = report.statistics { numbers += [s.meanGap, s.standardDeviationRatio, s.mmd] }
        let ok = !numbers.isEmpty && numbers.allSatisfy { $0.isFinite }
        return ConformanceResult("evaluates", ok, numbers.isEmpty ? "the report has no metrics" : "metrics of real samples: \(numbers)")
    }

    /// A data set describes itself consistently: samples, labels, shape, captions and cameras
    /// agree; its evaluator and architecture are registered; a teacher of it can be built; and
    /// its evaluator scores its own held-out samples (a few hundred of them) with finite metrics.
    public static func checkDataSet(_ data: LabeledDataset, components: Components, classifierFolder: URL) throws -> [ConformanceResult] {
        var results: [ConformanceResult] = []
        results.append(ConformanceResult("count", data.count >= 4, "\(data.count) samples (at least 4: two to train on, two held out)"))
        results.append(ConformanceResult("finite", data.values.allSatisfy(\.isFinite), "every value finite"))
        let labelsOK = data.classCount == 0 ? data.labels.allSatisfy { $0 == -1 } : data.labels.allSatisfy { (0..<data.classCount).contains($0) }
        results.append(ConformanceResult("labels", labelsOK, data.classCount == 0 ? "no classes: every label −1 (∅)" : "labels in 0..<\(data.classCount)"))
        let kindOK: Bool
        switch data.kind {
        case .points: kindOK = true
        case .image, .renderedViews:
            if let (h, w) = data.imageSize { kindOK = h > 0 && w > 0 && data.dimension % (h * w) == 0 } else { kindOK = false }
        }
        results.append(ConformanceResult("shape", kindOK, "\(data.kind.rawValue), sample shape \(data.sampleShape)"
                                         + (data.imageSize.map { ", image \($0.height)×\($0.width)" } ?? "")))
        if let byClass = data.captionsByClass {
            results.append(ConformanceResult("captions", data.classCount > 0 && byClass.allSatisfy { !$0.isEmpty },
                                             "captions belong to classes (prompts are drawn per class), and every class has one"))
        }
        results.append(ConformanceResult("evaluator", components.evaluators.contains(data.evaluator), "evaluator '\(data.evaluator)' is registered"))
        results.append(ConformanceResult("architecture", components.architectures.contains(data.architecture),
                                         "architecture '\(data.architecture)' is registered"))
        guard results.allPassed else { return results }
        let (train, heldOut) = ConformanceProbe.halves(data, limit: 400)
        let model = try ConformanceProbe.smallTeacher(of: train, architecture: data.architecture, components: components)
        let batch = ConformanceProbe.batch(of: train, count: 2)
        let denoised = withoutGradients { model.denoise(batch.samples, sigma: Noise.constant(1, count: batch.conditions.count), conditions: batch.conditions) }
        results.append(ConformanceResult("teacher", denoised.storage.allSatisfy(\.isFinite),
                                         "a \(data.architecture) teacher of its shape denoises finitely"))
        let context = EvaluationContext(train: train, heldOut: heldOut, classifierFolder: classifierFolder)
        results.append(checkEvaluation(try components.evaluators.make(ComponentSpec(data.evaluator), context: context, path: "evaluator"),
                                       data: heldOut))
        return results
    }
}
