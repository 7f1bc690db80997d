import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPNN
import DIPPRender
import DIPPTensor
import DiffInstruct
import Foundation

/// Options of the built-in components that have any (the JSON keys of their configuration objects).
public enum BuiltInOptions {
    public struct OneStep: Codable, Sendable, Equatable {
        /// `σ_init` of `g(z) = D_θ(σ_init·z; σ_init)`.
        public var sigmaInit: Float = 2.5
        public init() {}
    }

    public struct IKL: Codable, Sendable, Equatable {
        public var weighting: IntegralKL.Weighting = .unit
        public init() {}
    }

    public struct SiD: Codable, Sendable, Equatable {
        public var alpha: Float = 1.2
        /// SiD's σ schedule (Karras ramp capped at t_max = 800); replaces `algorithm.noise`.
        public var noise: NoiseDistribution = .sid
        public init() {}
    }

    public struct PromptAlignment: Codable, Sendable, Equatable {
        /// `w`, the weight of the thin/bold term.
        public var thicknessWeight: Float = 1
        public init() {}
    }

    public struct Linear: Codable, Sendable, Equatable {
        /// `k` of `r(x) = kᵀx` (one value per data dimension).
        public var direction: [Float] = []
        public init() {}
    }

    public struct Interval: Codable, Sendable, Equatable {
        public var sigmaLow: Float = 0.28
        public var sigmaHigh: Float = 5.42
        public init() {}
    }

    public struct EDMObjective: Codable, Sendable, Equatable {
        /// `λ(σ) = 1/c_out(σ)²` with the teacher's `σ_d` (EDM), or 1 when false.
        public var weighted: Bool = true
        public init() {}
    }
}

extension Components {
    /// Registers DIPP's own components (called by ``standard()``).
    func registerBuiltIns() {
        generators.register("one-step", summary: "the teacher at one noise level, initialised from its weights (DI++, SiD)",
                            options: BuiltInOptions.OneStep()) { o, context in
            OneStepGenerator(teacher: context.teacher, sigmaInit: o.sigmaInit)
        }
        generators.register("mlp", summary: "a conditional MLP whose latent size differs from the data size",
                            options: MLPGenerator.Configuration()) { o, context in
            guard o.latentDimension >= 1, o.embeddingDimension >= 1, o.hidden.allSatisfy({ $0 >= 1 }) else {
                throw ConfigurationError(location: "configuration, key 'generator'", what: "sizes latentDimension \(o.latentDimension), embeddingDimension \(o.embeddingDimension), hidden \(o.hidden)",
                                         hint: "every size ≥ 1 (defaults 8, 16, [256, 256])")
            }
            var rng = RandomStream(seed: context.seed, .generatorInitialisation)
            return MLPGenerator(o, sampleShape: context.train.sampleShape, classCount: context.train.classCount, rng: &rng)
        }
        generators.register("voxel", summary: "text-to-3D: a voxel field rendered from each sample's camera (teachers trained on shapes3d)",
                            options: VoxelFieldGenerator.Configuration()) { o, context in
            guard context.train.cameras != nil, let size = context.train.imageSize, size.height == size.width else {
                throw ConfigurationError(location: "generator 'voxel'", what: "the teacher's data \(context.train.name) has no cameras",
                                         hint: "a voxel field is rendered from cameras: use a teacher trained with --data shapes3d")
            }
            guard o.gridSize >= 2 else {
                throw ConfigurationError(location: "configuration, key 'generator.gridSize'", what: "a grid of \(o.gridSize) node(s) per side",
                                         hint: "a voxel grid needs at least 2 nodes per side (default 24)")
            }
            return VoxelFieldGenerator(o, renderer: VolumeRenderer(imageSize: size.height))
        }

        divergences.register("ikl", summary: "Integral KL (Diff-Instruct, DI++ Theorem 3.5); weighting unit, l2 or dmd",
                             options: BuiltInOptions.IKL()) { o, _ in IntegralKL(weighting: o.weighting) }
        divergences.register("sid", summary: "Fisher divergence by score identity (SiD), alpha; σ on SiD's own schedule (noise)",
                             options: BuiltInOptions.SiD()) { o, _ in
            ScoreIdentity(alpha: o.alpha, noise: o.noise)
        }
        divergences.register("sds", summary: "score distillation sampling (DreamFusion): IKL without a TA; the mode-seeking baseline") { _ in
            ScoreDistillationSampling()
        }

        rewards.register("none", summary: "no reward (Diff-Instruct distillation)") { _ in nil }
        rewards.register("classifier", summary: "log p(c|x) of the in-project classifier (trained once, cached)") { context in
            ClassifierReward(classifier: try Classifier.loadOrTrain(on: context.train, configuration: .init(), folder: context.classifierFolder))
        }
        rewards.register("prompt-alignment", summary: "captioned digits: log p(c|x) of the digit the prompt names, + thin/bold by stroke mass",
                         options: BuiltInOptions.PromptAlignment()) { o, context in
            PromptAlignmentReward(classifier: try Classifier.loadOrTrain(on: context.train, configuration: .init(), folder: context.classifierFolder),
                                  train: context.train, thicknessWeight: o.thicknessWeight)
        }
        rewards.registerResolver(pattern: "rm:RUN", summary: "a reward model learned from preference pairs (`dipp reward train --out RUN`)",
                                 matches: { $0.hasPrefix("rm:") }) { spec, context, _ in
            let reward = try LearnedReward.load(from: URL(fileURLWithPath: String(spec.name.dropFirst("rm:".count))))
            guard reward.configuration.sampleShape == context.train.sampleShape else {
                throw ConfigurationError(location: "reward '\(spec.name)'",
                                         what: "learned on samples of shape \(reward.configuration.sampleShape), the data's are \(context.train.sampleShape)",
                                         hint: "train the reward on pairs drawn from a generator of this teacher's data")
            }
            return reward
        }
        rewards.registerResolver(pattern: "utility:NAME", summary: "a hidden utility of the preference benchmark: stroke-mass or crispness",
                                 matches: { $0.hasPrefix("utility:") }) { spec, _, _ in
            let name = String(spec.name.dropFirst("utility:".count))
            guard let utility = HiddenUtility(rawValue: name) else {
                throw ConfigurationError(location: "reward '\(spec.name)'", what: "unknown utility '\(name)'",
                                         hint: "use utility:stroke-mass or utility:crispness")
            }
            return try HiddenUtilityReward(utility)
        }
        rewards.register("mode-distance", summary: "2-D toy: −‖x − μ_c‖² (closer to the class's mode is better)") { _ in ModeDistanceReward() }
        rewards.register("linear", summary: "r(x) = kᵀx (the closed-form test reward)", options: BuiltInOptions.Linear()) { o, context in
            try LinearReward.checked(o.direction, dimension: context.train.dimension, spec: "linear")
        }
        rewards.registerResolver(pattern: "linear:k1,k2,…", summary: "r(x) = kᵀx with k given inline",
                                 matches: { $0.hasPrefix("linear:") }) { spec, context, _ in
            let values = spec.name.dropFirst("linear:".count).split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
            return try LinearReward.checked(values.allSatisfy { $0 != nil } ? values.map { $0! } : [], dimension: context.train.dimension,
                                            spec: spec.name)
        }

        guidance.register("cfg", summary: "classifier-free guidance at every noise level (scale: algorithm.teacherGuidance)") { _ in
            { ClassifierFreeGuidance(scale: $0) }
        }
        guidance.register("cfg-interval", summary: "classifier-free guidance only for σ in [sigmaLow, sigmaHigh] (Kynkäänniemi et al., 2024)",
                          options: BuiltInOptions.Interval()) { o, _ in
            guard o.sigmaLow >= 0, o.sigmaLow <= o.sigmaHigh else {
                throw ConfigurationError(location: "configuration, key 'guidance.sigmaLow'", what: "the band [\(o.sigmaLow), \(o.sigmaHigh)] is empty or negative",
                                         hint: "0 ≤ sigmaLow ≤ sigmaHigh (defaults 0.28 and 5.42)")
            }
            return { IntervalGuidance(scale: $0, sigmaLow: o.sigmaLow, sigmaHigh: o.sigmaHigh) }
        }

        assistantObjectives.register("edm", summary: "EDM's denoising loss on generator samples (Algorithm 3), λ(σ)-weighted",
                                     options: BuiltInOptions.EDMObjective()) { o, context in
            EDMAssistantObjective(sigmaData: o.weighted ? context.teacher.configuration.sigmaData : 0)
        }

        samplers.register("heun", summary: "EDM's deterministic 2nd-order sampler (2N − 1 evaluations)", options: KarrasSchedule()) { o, _ in
            try Self.checkSchedule(o.steps, o.sigmaMin, o.sigmaMax, o.rho)
            return HeunSampler(schedule: o)
        }
        samplers.register("euler", summary: "Euler on the probability-flow ODE (N evaluations)", options: KarrasSchedule()) { o, _ in
            try Self.checkSchedule(o.steps, o.sigmaMin, o.sigmaMax, o.rho)
            return EulerSampler(schedule: o)
        }
        samplers.register("edm-stochastic", summary: "EDM's stochastic sampler (Algorithm 2, S_churn)", options: StochasticEDMSampler()) { o, _ in
            try Self.checkSchedule(o.steps, o.sigmaMin, o.sigmaMax, o.rho)
            guard o.churnMin <= o.churnMax else {
                throw ConfigurationError(location: "configuration, key 'sampler.churnMin'", what: "the churn band [\(o.churnMin), \(o.churnMax)] is empty",
                                         hint: "churnMin ≤ churnMax")
            }
            return o
        }
        samplers.register("one-step", summary: "a distilled generator: one network evaluation") { context in
            guard let generator = context.generator else {
                throw ConfigurationError(location: "sampler 'one-step'", what: "needs a generator",
                                         hint: "sample a `dipp distill`/`dipp align` run folder: dipp sample --generator RUN")
            }
            return GeneratorSampler(generator)
        }
    }
}

extension LinearReward {
    /// A linear reward whose direction has one value per data dimension, or an error naming `spec`.
    static func checked(_ direction: [Float], dimension: Int, spec: String) throws -> LinearReward {
        guard direction.count == dimension else {
            throw ConfigurationError(location: "reward '\(spec)'", what: "expected \(dimension) numbers in the direction, found \(direction.count)",
                                     hint: "e.g. linear:1,0 (or {\"name\": \"linear\", \"direction\": [1, 0]}) for 2-D data")
        }
        return LinearReward(direction: direction)
    }
}

extension Components {
    /// Refuses a noise schedule no sampler can walk (`sampler.*` options).
    static func checkSchedule(_ steps: Int, _ sigmaMin: Float, _ sigmaMax: Float, _ rho: Float) throws {
        guard steps >= 1, sigmaMin > 0, sigmaMin < sigmaMax, sigmaMax.isFinite, rho > 0 else {
            throw ConfigurationError(location: "configuration, key 'sampler'",
                                     what: "steps \(steps), σ from \(sigmaMax) down to \(sigmaMin), ρ \(rho)",
                                     hint: "steps ≥ 1 and 0 < sigmaMin < sigmaMax, ρ > 0 (EDM: 18, 0.002, 80, 7)")
        }
    }
}
