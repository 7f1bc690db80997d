import DIPPComponents
import DiffInstruct

extension IntegralKL: ComponentRegistration {
    public static func register(in components: Components) {
        components.divergences.register("ikl", summary: "Integral KL (Diff-Instruct, DI++ Theorem 3.5); weighting unit, l2 or dmd",
                                        options: IntegralKL()) { o, _ in o }
    }
}

extension ScoreIdentity: ComponentRegistration {
    public static func register(in components: Components) {
        components.divergences.register("sid", summary: "Fisher divergence by score identity (SiD), alpha; the generator's σ on SiD's ramp (noise), the TA's on EDM's log-normal (assistantNoise)",
                                        options: ScoreIdentity()) { o, _ in o }
    }
}

extension ScoreDistillationSampling: ComponentRegistration {
    public static func register(in components: Components) {
        components.divergences.register("sds", summary: "score distillation sampling: IKL without a TA, the mode-seeking baseline; weighting sigma or dreamfusion, noise",
                                        options: ScoreDistillationSampling()) { o, _ in o }
    }
}
