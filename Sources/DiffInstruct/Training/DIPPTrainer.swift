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
    /// The TA's loss (Algorithm 3: EDM's denoising loss).
    public let assistantObjective: any AssistantObjective
    /// The conditions of each batch (default: uniform labels over the classes).
    public let conditionSampler: any ConditionSampler
    /// The guidance rule at a scale (`α_cfg` may follow a schedule): classifier-free by default.
    public let guidance: (Float) -> any Guidance
    /// The data-parallel job this trainer is one rank of (``SingleProcess`` by default). Every
    /// rank draws each global batch's randomness from the one shared stream and keeps its own
    /// rows (``Communicator/shard(of:)``), so no sample is seen twice and a checkpoint resumes
    /// with any number of processes; gradients are averaged before each optimizer step.
    public let communicator: any Communicator

    public private(set) var step = 0
    public private(set) var rng: RandomStream
    public private(set) var generatorOptimizer: Adam
    public private(set) var assistantOptimizer: Adam
    public private(set) var ema: ExponentialMovingAverage
    /// The reward normaliser's state, from which ``RewardNormalization`` takes `ĝ`, the mean
    /// per-sample gradient norm it divides by: for `gradient` the EMA's raw sum and its update count
    /// (for the bias correction); for `frozen` the plain sum over the warm-up steps and their count.
    public private(set) var rewardGradientAverage: (sum: Double, count: Int) = (0, 0)

    public init(configuration: DIPPConfiguration, teacher: any ScoreModel, generator: any Generator, assistant: Assistant,
                divergence: any Divergence, reward: (any RewardModel)? = nil, conditions: any ConditionSampler,
                assistantObjective: any AssistantObjective = EDMAssistantObjective(),
                guidance: @escaping (Float) -> any Guidance = { ClassifierFreeGuidance(scale: $0) },
                communicator: any Communicator = SingleProcess()) {
        let c = configuration
        self.communicator = communicator
        self.configuration = c
        self.teacher = teacher
        self.generator = generator
        self.assistant = assistant
        self.divergence = divergence
        self.reward = reward
        self.assistantObjective = assistantObjective
        self.conditionSampler = conditions
        self.guidance = guidance
        rng = RandomStream(seed: c.seed, .diffInstructTraining)
        generatorOptimizer = Adam(.init(learningRate: c.generatorLearningRate.value(at: 0), beta1: c.beta1, beta2: c.beta2))
        assistantOptimizer = Adam(.init(learningRate: c.assistantLearningRate.value(at: 0), beta1: c.beta1, beta2: c.beta2))
        ema = ExponentialMovingAverage(generator.parameters, schedule: c.emaSchedule)
        if let frozen = teacher as? any Layer { frozen.setTrainable(false) }
    }

    /// Label conditions over `classCount` classes (`∅` when 0): the data sets' default.
    public convenience init(configuration: DIPPConfiguration, teacher: any ScoreModel, generator: any Generator, assistant: Assistant,
                            divergence: any Divergence, reward: (any RewardModel)? = nil, classCount: Int) {
        self.init(configuration: configuration, teacher: teacher, generator: generator, assistant: assistant, divergence: divergence,
                  reward: reward, conditions: UniformLabels(classCount: classCount))
    }

    var location: String { "DI++ step \(step + 1)" }

    /// Throws at once when the value is not finite — or, in a job of several processes, keeps it
    /// for after the gradients' all-reduce, where every rank sees the same (averaged) figures:
    /// a rank that threw alone would leave the others waiting in the collective.
    private func check(_ value: Float, _ what: String, deferringInto checks: inout [(value: Float, what: String)]) throws {
        if communicator.size == 1 { try NonFiniteValueError.check(value, what: what, at: location) } else { checks.append((value, what)) }
    }

    /// The σ distribution of the generator update (and of the TA's, unless ``assistantNoise``): the divergence's own (SiD's ramp) or the configuration's.
    public var noise: NoiseDistribution { divergence.noise ?? configuration.noise }
    /// The σ the TA is trained on: the divergence's own for its TA, else the generator's.
    public var assistantNoise: NoiseDistribution { divergence.assistantNoise ?? noise }

    /// One DI++ step. Throws `NonFiniteValueError` naming the step and the term when a loss or a
    /// gradient is not finite, and `ConfigurationError` when the reward has no gradient to
    /// normalise; the generator, its EMA and the reward normaliser are not updated then (the TA's
    /// updates of this step are).
    @discardableResult
    public func trainStep() throws -> StepMetrics {
        var metrics = StepMetrics()
        let c = configuration, n = c.batchSize
        generatorOptimizer.configuration.learningRate = c.generatorLearningRate.value(at: step)
        assistantOptimizer.configuration.learningRate = c.assistantLearningRate.value(at: step)
        let currentAssistant: any ScoreModel
        switch assistant {
        case .learned(let ta) where divergence.usesAssistant:
            generator.setTrainable(false)
            ta.setTrainable(true)
            var (lossSum, normSum): (Float, Float) = (0, 0)
            for _ in 0..<c.assistantSteps {
                let (loss, norm) = try assistantStep(ta)
                (lossSum, normSum) = (lossSum + loss, normSum + norm)
            }
            if c.assistantSteps > 0 {   // one value per key: the mean over the K_TA updates
                let k = Float(c.assistantSteps)
                metrics.values += [("loss_assistant", lossSum / k), ("grad_norm_assistant", normSum / k)]
            }
            ta.setTrainable(false)
            currentAssistant = ta
        case .learned(let ta):   // the divergence reads no TA (SDS): nothing to train
            currentAssistant = ta
        case .exact(let build):
            currentAssistant = build(generator)
        }
        generator.setTrainable(true)
        let rows = communicator.shard(of: n)
        let conditions = conditionSampler.sample(count: n, rng: &rng).shard(rows)
        let z = generator.sampleLatents(count: n, rng: &rng).shard(rows)
        let (x0, regularizers) = (generator as? any RegularizedGenerator)?.generateRegularized(z, conditions: conditions)
            ?? (generator(z, conditions: conditions), [])
        let sigma = Tensor(shape: [n], storage: noise.sample(n, rng: &rng)).shard(rows)
        let noise = Tensor.randomNormal([n] + x0.shape.dropFirst(), using: &rng).shard(rows)
        var checks: [(value: Float, what: String)] = []
        let term = divergence.generatorLoss(DivergenceInputs(
            x0: x0, conditions: conditions, sigma: sigma, noise: noise, teacher: teacher,
            teacherGuidance: guidance(c.teacherGuidance.value(at: step)),
            assistant: currentAssistant, assistantGuidance: guidance(c.assistantGuidance)))
        try check(term.loss.scalar, "the \(divergence.name) divergence loss", deferringInto: &checks)
        var loss = term.loss
        let rewardScale = c.rewardScale.value(at: step)
        var normalizerState: (sum: Double, count: Int)?   // kept only if the step succeeds
        if let reward {   // α_rew = 0 (a control run) still logs the reward it would have seen
            let rewards = rewardScale != 0 ? reward.reward(x0, conditions: conditions)
                : withoutGradients { reward.reward(x0.detached(), conditions: conditions) }
            let meanReward = rewards.mean()
            try check(meanReward.scalar, "the mean reward (\(reward.name))", deferringInto: &checks)
            var normalizer: Float = 1
            if c.rewardNormalization != .none && rewardScale != 0 {   // a control run measures nothing
                let (factor, gradientNorm, state) = try rewardNormalizer(reward, x0: x0, conditions: conditions)
                (normalizer, normalizerState) = (factor, state)
                metrics.values.append(("reward_normalizer", factor))
                // The reward term's per-sample push on x₀, to read beside the divergence's `y_norm`
                // (measured while the normaliser is: every step of `gradient`, the warm-up of `frozen`).
                if let gradientNorm { metrics.values.append(("reward_grad_norm", Swift.abs(rewardScale) * factor * gradientNorm)) }
            }
            if rewardScale != 0 { loss = loss - meanReward * (rewardScale * normalizer) }
            metrics.values += [("reward_mean", meanReward.scalar), ("reward_std", Self.standardDeviation(rewards.storage)),
                               ("reward_term", rewardScale * normalizer * meanReward.scalar)]
        }
        for (name, term) in regularizers {
            try check(term.scalar, "the generator's \(name)", deferringInto: &checks)
            loss = loss + term
            metrics.values.append((name, term.scalar))
        }
        let (grads, checked) = communicator.averagedGradients(of: loss, withRespectTo: generator.parameters, scalars: checks.map(\.value),
                                                              bucketBytes: c.allReduceBucketBytes)
        for (value, check) in zip(checked, checks) { try NonFiniteValueError.check(value, what: check.what, at: location) }
        let norm = try applyGradientStep(grads, to: generator.parameters, optimizer: &generatorOptimizer, averaging: &ema,
                                         batchSize: n, imagesSeen: Double((step + 1) * n), clip: c.gradientClip,
                                         what: "the generator's gradient", at: location)
        if let normalizerState { rewardGradientAverage = normalizerState }
        step += 1
        metrics.values += [("loss_divergence", term.loss.scalar), ("loss_generator", loss.scalar), ("grad_norm_generator", norm)]
        metrics.values += term.diagnostics
        metrics.values = communicator.averaged(metrics.values)
        return metrics
    }

    /// The sample standard deviation of a batch's per-sample rewards (0 for one sample), as trl logs it.
    static func standardDeviation(_ values: [Float]) -> Float {
        guard values.count > 1 else { return 0 }
        let mean = values.reduce(0, +) / Float(values.count)
        return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(values.count - 1)).squareRoot()
    }

    /// `ρ/ĝ` of ``RewardNormalization`` with this batch's mean per-sample gradient norm
    /// `‖∇ₓr(x₀)‖` (returned too) folded into `ĝ`, and the normaliser's state after it — unless
    /// `frozen` is past its warm-up, when `ĝ` is held and no gradient is taken (`nil`).
    private func rewardNormalizer(_ reward: any RewardModel, x0: Tensor, conditions: Conditions) throws
        -> (factor: Float, gradientNorm: Float?, state: (sum: Double, count: Int)) {
        let c = configuration, n = x0.shape[0], d = x0.count / max(n, 1)
        var state = rewardGradientAverage
        var batchNorm: Double?
        if c.rewardNormalization == .gradient || state.count < max(c.rewardNormalizationWarmup, 1) {
            let g = reward.rewardAndGradient(x0, conditions: conditions).gradient.storage
            var norms = [(0..<n).map { i in g[(i * d)..<((i + 1) * d)].reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }
                .reduce(0, +) / Double(max(n, 1))]
            communicator.allReduceSum(&norms)   // the global batch's mean (equal shards)
            let norm = norms[0] / Double(communicator.size)
            try NonFiniteValueError.check(Float(norm), what: "the reward's gradient norm (\(reward.name))", at: location)
            switch c.rewardNormalization {
            case .gradient: state = (Self.runningDecay * state.sum + (1 - Self.runningDecay) * norm, state.count + 1)
            default: state = (state.sum + norm, state.count + 1)   // frozen: a plain sum over the warm-up
            }
            batchNorm = norm
        }
        let average = c.rewardNormalization == .gradient
            ? state.sum / (1 - Foundation.pow(Self.runningDecay, Double(state.count)))   // bias-corrected EMA
            : state.sum / Double(state.count)
        guard average / Double(d).squareRoot() >= 1e-9 else {
            throw ConfigurationError(location: location, what: "the reward \(reward.name) has no gradient to normalise "
                                     + "(mean ‖∇ₓr‖ = \(average) after \(state.count) measured steps): ρ/ĝ would be unbounded",
                                     hint: "set algorithm.rewardNormalization to none and α_rew in the reward's own units"
                                         + (c.rewardNormalization == .gradient ? ", or to frozen (units fixed while the reward still has a gradient)" : ""))
        }
        return (Float(Double(c.rewardGradientTarget) * Double(d).squareRoot() / average), batchNorm.map(Float.init), state)
    }

    /// The EMA decay of the running normaliser (``RewardNormalization/gradient``).
    static let runningDecay = 0.99

    private func assistantStep(_ ta: any ScoreModel & Layer) throws -> (Float, Float) {
        let c = configuration, n = c.batchSize, rows = communicator.shard(of: n)
        let conditions = conditionSampler.sample(count: n, rng: &rng).shard(rows)
        let z = generator.sampleLatents(count: n, rng: &rng).shard(rows)
        let x0 = withoutGradients { generator(z, conditions: conditions) }
        let sigma = Tensor(shape: [n], storage: assistantNoise.sample(n, rng: &rng)).shard(rows)
        let x = x0 + Tensor.randomNormal([n] + x0.shape.dropFirst(), using: &rng).shard(rows) * Noise.perSample(sigma, rank: x0.rank)
        let dropped = conditions.dropping(Array(rng.uniform(n).map { $0 < c.assistantLabelDropout }[rows]))
        let loss = assistantObjective.loss(assistant: ta, guidance: guidance(c.assistantTrainingGuidance), x0: x0, noisy: x,
                                           sigma: sigma, conditions: dropped)
        let (grads, checked) = communicator.averagedGradients(of: loss, withRespectTo: ta.parameters, scalars: [loss.scalar],
                                                              bucketBytes: c.allReduceBucketBytes)
        try NonFiniteValueError.check(checked[0], what: "the TA's \(assistantObjective.name) loss", at: location)
        let norm = try applyGradientStep(grads, to: ta.parameters, optimizer: &assistantOptimizer, clip: c.gradientClip,
                                         what: "the TA's gradient", at: location)
        return (checked[0], norm)
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
            "reward_gradient_sum": String(rewardGradientAverage.sum), "reward_gradient_count": String(rewardGradientAverage.count),
            "reward_normalization": configuration.rewardNormalization.rawValue,
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
                                           step: contents.metadataInteger("assistant_adam_step", source: source),
                                           parameters: ta.parameters, source: source)
        }
        try generatorOptimizer.restore(from: contents.tensors, prefix: "adam_generator.",
                                       step: contents.metadataInteger("generator_adam_step", source: source),
                                       parameters: generator.parameters, source: source)
        rng = try contents.metadataJSON("rng", as: RandomStream.self, source: source)
        // The normaliser's state means a running EMA's sum under `gradient`, a plain sum under
        // `frozen`: kept only for the mode it was written by (checkpoints from before the mode was
        // recorded were all `gradient`); otherwise it starts afresh.
        let writtenBy = contents.metadata["reward_normalization"] ?? RewardNormalization.gradient.rawValue
        if writtenBy == configuration.rewardNormalization.rawValue, let sum = contents.metadata["reward_gradient_sum"].flatMap(Double.init) {
            rewardGradientAverage = (sum, try contents.metadataInteger("reward_gradient_count", source: source))
        }
        step = saved
        return saved
    }

    /// The generator with its EMA weights (a copy of the values into `target`, a generator of
    /// the same architecture).
    public func writeAverage(into target: any Generator) {
        ema.copyAverages(into: target.parameters)
    }
}
