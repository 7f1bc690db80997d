import DIPPComponents
import DIPPDiffusion
import DIPPNN
import DIPPTensor

extension ClassifierFreeGuidance: ComponentRegistration {
    public static func register(in components: Components) {
        components.guidance.register("cfg", summary: "classifier-free guidance at every noise level (scale: algorithm.teacherGuidance)") { _ in
            { ClassifierFreeGuidance(scale: $0) }
        }
    }
}

extension IntervalGuidance: ComponentRegistration {
    /// The σ band guidance is applied in.
    public struct Band: Codable, Sendable, Equatable {
        public var sigmaLow: Float = 0.28
        public var sigmaHigh: Float = 5.42
        public init() {}
    }

    public static func register(in components: Components) {
        components.guidance.register("cfg-interval", summary: "classifier-free guidance only for σ in [sigmaLow, sigmaHigh] (Kynkäänniemi et al., 2024)",
                                     options: Band()) { o, _ in
            guard o.sigmaLow >= 0, o.sigmaLow <= o.sigmaHigh else {
                throw ConfigurationError(location: "configuration, key 'guidance.sigmaLow'", what: "the band [\(o.sigmaLow), \(o.sigmaHigh)] is empty or negative",
                                         hint: "0 ≤ sigmaLow ≤ sigmaHigh (defaults 0.28 and 5.42)")
            }
            return { IntervalGuidance(scale: $0, sigmaLow: o.sigmaLow, sigmaHigh: o.sigmaHigh) }
        }
    }
}
