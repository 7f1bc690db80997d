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
        components.divergences.register("sid", summary: "Fisher divergence by score identity (SiD), alpha; σ on SiD's own schedule (noise)",
                                        options: ScoreIdentity()) { o, _ in o }
    }
}

extension ScoreDistillationSampling: ComponentRegistration {
    public static func register(in components: Components) {
        components.divergences.register("sds", summary: "score distillation sampling (DreamFusion): IKL without a TA; the mode-seeking baseline") { _ in
            ScoreDistillationSampling()
        }
    }
}
