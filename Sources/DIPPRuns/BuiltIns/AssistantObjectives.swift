import DIPPComponents
import DiffInstruct

extension EDMAssistantObjective: ComponentRegistration {
    public struct Options: Codable, Sendable, Equatable {
        /// `λ(σ) = 1/c_out(σ)²` with the teacher's `σ_d` (EDM), or 1 when false.
        public var weighted: Bool = true
        public init() {}
    }

    public static func register(in components: Components) {
        components.assistantObjectives.register("edm", summary: "EDM's denoising loss on generator samples (Algorithm 3), λ(σ)-weighted",
                                                options: Options()) { o, context in
            EDMAssistantObjective(sigmaData: o.weighted ? context.teacher.configuration.sigmaData : 0)
        }
    }
}
