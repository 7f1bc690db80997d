import DIPPComponents
import DIPPDiffusion
import DIPPNN
import DIPPTensor
import DiffInstruct

extension HeunSampler: ComponentRegistration {
    public static func register(in components: Components) {
        components.samplers.register("heun", summary: "EDM's deterministic 2nd-order sampler (2N − 1 evaluations)", options: KarrasSchedule()) { o, _ in
            try o.checked()
            return HeunSampler(schedule: o)
        }
    }
}

extension EulerSampler: ComponentRegistration {
    public static func register(in components: Components) {
        components.samplers.register("euler", summary: "Euler on the probability-flow ODE (N evaluations)", options: KarrasSchedule()) { o, _ in
            try o.checked()
            return EulerSampler(schedule: o)
        }
    }
}

extension StochasticEDMSampler: ComponentRegistration {
    public static func register(in components: Components) {
        components.samplers.register("edm-stochastic", summary: "EDM's stochastic sampler (Algorithm 2, S_churn)", options: StochasticEDMSampler()) { o, _ in
            try KarrasSchedule(steps: o.steps, sigmaMin: o.sigmaMin, sigmaMax: o.sigmaMax, rho: o.rho).checked()
            guard o.churnMin <= o.churnMax else {
                throw ConfigurationError(location: "configuration, key 'sampler.churnMin'", what: "the churn band [\(o.churnMin), \(o.churnMax)] is empty",
                                         hint: "churnMin ≤ churnMax")
            }
            return o
        }
    }
}

extension GeneratorSampler: ComponentRegistration {
    public static func register(in components: Components) {
        components.samplers.register("one-step", summary: "a distilled generator: one network evaluation") { context in
            guard let generator = context.generator else {
                throw ConfigurationError(location: "sampler 'one-step'", what: "needs a generator",
                                         hint: "sample a `dipp distill`/`dipp align` run folder: dipp sample --generator RUN")
            }
            return GeneratorSampler(generator)
        }
    }
}

extension KarrasSchedule {
    /// The schedule, or an error for one no sampler can walk (`sampler.*` options).
    func checked() throws {
        guard steps >= 1, sigmaMin > 0, sigmaMin < sigmaMax, sigmaMax.isFinite, rho > 0 else {
            throw ConfigurationError(location: "configuration, key 'sampler'",
                                     what: "steps \(steps), σ from \(sigmaMax) down to \(sigmaMin), ρ \(rho)",
                                     hint: "steps ≥ 1 and 0 < sigmaMin < sigmaMax, ρ > 0 (EDM: 18, 0.002, 80, 7)")
        }
    }
}
