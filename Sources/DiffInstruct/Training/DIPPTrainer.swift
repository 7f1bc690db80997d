import DIPPDiffusion
import DIPPNN
import DIPPTensor
import Foundation

/// The one shared DI++ optimizer (Luo, 2024, Algorithm 3) for every generator, built-in or
/// plugin, and every reward.
///
/// Each step: `K_TA` TA updates — `x₀ = sg(g_θ(z, c))`, `x = x₀ + σε`,
/// `L_ψ = mean λ(σ)‖D̃_ψ(x; σ, c) − x₀‖²` — then one generator update —
/// `L_θ = −α_rew·mean r(x₀, c) + divergence term` — each with Adam, the generator followed by its
/// EMA. σ is drawn per sample. All randomness comes from one counter-based stream, so a run is
/// deterministic for a seed and a resumed run equals the uninterrupted one exactly.
public final class DIPPTrainer {
    /// Where the TA comes from.
    public enum Assistant {
        /// A network trained online on the generator's samples (initialise it from the teacher).
        case learned(any ScoreModel & Layer)
        /// The exact denoiser of the generator's current distribution (closed-form tests).
        case exact((any Generator) -> any ScoreModel)
    }

    /// Metrics of one step.
    public struct StepMetrics {
        public var values: [(String, Float)] = []
        public subscript(_ name: String) -> Float? { values.first { $0.0 == name }?.1 }
    }

    public let configuration: DIPPConfiguration
    public let teacher: any ScoreModel
    public let generator: any Generator
    public let assistant: Assistant
    public let divergence: any Divergence
    public let reward: (any RewardModel)?
    /// Conditions of a batch (default: uniform labels over `classCount`, or `∅` when 0).
    public let classCount: Int

    public private(set) var step = 0
    public private(set) var rng: RandomStream
    public private(set) var generatorOptimizer: Adam
    public private(set) var assistantOptimizer: Adam
    public private(set) var ema: ExponentialMovingAverage

    public init(configuration: DIPPConfiguration, teacher: any ScoreModel, generator: any Generator, assistant: Assistant,
                divergence: any Divergence, reward: (any RewardModel)? = nil, classCount: Int) {
        let c = configuration
        self.configuration = c
        self.teacher = teacher
        self.generator = generator
        self.assistant = assistant
        self.divergence = divergence
        self.reward = reward
        self.classCount = classCount
        rng = RandomStream(seed: c.seed, stream: 0xD1FF)
        generatorOptimizer = Adam(.init(learningRate: c.generatorLearningRate, beta1: c.beta1, beta2: c.beta2))
        assistantOptimizer = Adam(.init(learningRate: c.assistantLearningRate, beta1: c.beta1, beta2: c.beta2))
        ema = ExponentialMovingAverage(generator.parameters, schedule: c.emaSchedule)
        if let frozen = teacher as? any Layer { frozen.setTrainable(false) }
    }

    var teacherGuidance: ClassifierFreeGuidance { ClassifierFreeGuidance(scale: configuration.teacherGuidance) }

    func sampleConditions(_ n: Int) -> Conditions {
        classCount == 0 ? .null(count: n) : Conditions(labels: (0..<n).map { _ in rng.integer(below: classCount) })
    }

    /// One DI++ step. Throws ``TrainingError`` naming the step and the term when a loss or a
    /// gradient is not finite (nothing is updated then).
    @discardableResult
    public func trainStep() throws -> StepMetrics {
        var metrics = StepMetrics()
        let c = configuration, n = c.batchSize
        let currentAssistant: any ScoreModel
        switch assistant {
        case .learned(let ta):
            generator.setTrainable(false)
            ta.setTrainable(true)
            for _ in 0..<c.assistantSteps {
                let (loss, norm) = try assistantStep(ta)
                metrics.values += [("loss_assistant", loss), ("grad_norm_assistant", norm)]
            }
            ta.setTrainable(false)
            currentAssistant = ta
        case .exact(let build):
            currentAssistant = build(generator)
        }
        generator.setTrainable(true)
        let conditions = sampleConditions(n)
        let z = generator.sampleLatents(count: n, rng: &rng)
        let x0 = generator(z, conditions: conditions)
        let sigma = Tensor(shape: [n], storage: c.noise.sample(n, rng: &rng))
        let noise = Tensor.randomNormal(x0.shape, using: &rng)
        let term = divergence.generatorLoss(DivergenceInputs(
            x0: x0, conditions: conditions, sigma: sigma, noise: noise, teacher: teacher, teacherGuidance: teacherGuidance,
            assistant: currentAssistant, assistantGuidance: ClassifierFreeGuidance(scale: c.assistantGuidance)))
        try check(term.loss.scalar, "the \(divergence.name) divergence loss")
        var loss = term.loss
        if let reward, c.rewardScale != 0 {
            let meanReward = reward.reward(x0, conditions: conditions).mean()
            try check(meanReward.scalar, "the mean reward (\(reward.name))")
            loss = loss - meanReward * c.rewardScale
            metrics.values.append(("reward_mean", meanReward.scalar))
        }
        var grads = Tensor.gradients(of: loss, withRespectTo: generator.parameters)
        let norm = GradientClipping.globalNorm(grads)
        try check(norm, "the generator's gradient")
        if c.gradientClip > 0 { grads = GradientClipping.clip(grads, maxNorm: c.gradientClip).gradients }
        generatorOptimizer.update(generator.parameters, along: grads)
        step += 1
        ema.update(generator.parameters, batchSize: n, imagesSeen: Double(step * n))
        metrics.values += [("loss_divergence", term.loss.scalar), ("loss_generator", loss.scalar), ("grad_norm_generator", norm)]
        metrics.values += term.diagnostics
        return metrics
    }

    private func assistantStep(_ ta: any ScoreModel & Layer) throws -> (Float, Float) {
        let c = configuration, n = c.batchSize
        let conditions = sampleConditions(n)
        let z = generator.sampleLatents(count: n, rng: &rng)
        let x0 = withoutGradients { generator(z, conditions: conditions) }
        let sigmas = c.noise.sample(n, rng: &rng)
        let sigma = Tensor(shape: [n], storage: sigmas)
        let x = x0 + Tensor.randomNormal(x0.shape, using: &rng) * Noise.perSample(sigma, rank: x0.rank)
        let drops = rng.uniform(n)
        let trainingConditions = Conditions(labels: zip(conditions.labels, drops).map { $1 < c.assistantLabelDropout ? Conditions.nullLabel : $0 })
        let denoised = ClassifierFreeGuidance(scale: c.assistantTrainingGuidance).denoise(ta, x, sigma: sigma, conditions: trainingConditions)
        let p = EDMPreconditioning(sigmaData: c.lossSigmaData)
        let weights = Noise.perSample(Tensor(shape: [n], storage: sigmas.map(p.lossWeight)), rank: x0.rank)
        let loss = ((denoised - x0).square() * weights).sum() / Float(n)
        try check(loss.scalar, "the TA's EDM loss")
        var grads = Tensor.gradients(of: loss, withRespectTo: ta.parameters)
        let norm = GradientClipping.globalNorm(grads)
        try check(norm, "the TA's gradient")
        if c.gradientClip > 0 { grads = GradientClipping.clip(grads, maxNorm: c.gradientClip).gradients }
        assistantOptimizer.update(ta.parameters, along: grads)
        return (loss.scalar, norm)
    }

    private func check(_ value: Float, _ what: String) throws {
        guard value.isFinite else { throw TrainingError(step: step + 1, what: "\(what) is \(value)") }
    }

    // MARK: - Checkpoints

    /// Every tensor of the training state: generator, EMA, TA, both Adam states.
    public func stateTensors() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, t) in generator.namedParameters { out["generator.\(name)"] = t.detached() }
        out.merge(ema.stateTensors(prefix: "ema.", names: generator.namedParameters.map(\.name),
                                   shapes: generator.parameters.map(\.shape)), uniquingKeysWith: { a, _ in a })
        if case .learned(let ta) = assistant {
            for (name, t) in ta.namedParameters { out["assistant.\(name)"] = t.detached() }
        }
        out.merge(generatorOptimizer.stateTensors(prefix: "adam_generator."), uniquingKeysWith: { a, _ in a })
        out.merge(assistantOptimizer.stateTensors(prefix: "adam_assistant."), uniquingKeysWith: { a, _ in a })
        return out
    }

    /// Saves the state at the current step.
    public func save(to store: CheckpointStore) throws {
        try store.save(step: step, tensors: stateTensors(), metadata: [
            "kind": "dipp", "rng": jsonText(rng), "generator_adam_step": String(generatorOptimizer.step),
            "assistant_adam_step": String(assistantOptimizer.step), "configuration": jsonText(configuration),
        ])
    }

    /// Restores the newest checkpoint of `store`, if any; returns its step.
    @discardableResult
    public func resume(from store: CheckpointStore) throws -> Int? {
        guard let (saved, contents) = try store.latest() else { return nil }
        let source = store.url(step: saved).path
        try generator.load(contents.tensors(prefixed: "generator."), source: source)
        let names = generator.namedParameters.map(\.name)
        ema = try ExponentialMovingAverage(restoring: contents.tensors, prefix: "ema.", names: names,
                                           counts: generator.parameters.map(\.count), schedule: configuration.emaSchedule, source: source)
        if case .learned(let ta) = assistant {
            try ta.load(contents.tensors(prefixed: "assistant."), source: source)
            try assistantOptimizer.restore(from: contents.tensors, prefix: "adam_assistant.",
                                           step: Int(contents.metadataValue("assistant_adam_step", source: source)) ?? 0,
                                           parameters: ta.parameters, source: source)
        }
        try generatorOptimizer.restore(from: contents.tensors, prefix: "adam_generator.",
                                       step: Int(contents.metadataValue("generator_adam_step", source: source)) ?? 0,
                                       parameters: generator.parameters, source: source)
        rng = try contents.metadataJSON("rng", as: RandomStream.self, source: source)
        step = saved
        return saved
    }

    /// The generator with its EMA weights (a copy of the values into `target`, a generator of
    /// the same architecture).
    public func writeAverage(into target: any Generator) {
        for (p, average) in zip(target.parameters, ema.averages) { p.withMutableStorage { $0 = average } }
    }
}

/// A non-finite loss or gradient: which step, which term.
public struct TrainingError: DiagnosticError {
    public let step: Int
    public let what: String
    public var location: String { "DI++ step \(step)" }
    public var hint: String { "lower the learning rates, set gradientClip, or check the reward for NaN/Inf outputs; the last checkpoint is intact" }
}
