import DIPPComponents
import DIPPDiffusion
import DIPPTensor

/// A contributor's sampler, in one file: the explicit midpoint method on the probability-flow
/// ODE over EDM's levels (2 evaluations a step).
struct MidpointSampler: Sampler, Codable, ComponentRegistration {
    var steps = 12

    var description: String { "midpoint \(steps) steps" }
    var evaluations: Int { 2 * steps }

    func sample(_ model: any ScoreModel, guidance: any Guidance, conditions: Conditions, rng: inout RandomStream) -> Tensor {
        let t = KarrasSchedule(steps: steps).noiseLevels, n = conditions.count
        func slope(_ x: Tensor, _ s: Float) -> Tensor {
            (x - guidance.denoise(model, x, sigma: Noise.constant(s, count: n), conditions: conditions)) / s
        }
        var x = Tensor.randomNormal([n] + model.sampleShape, using: &rng) * t[0]
        return withoutGradients {
            for i in 0..<steps {
                let mid = (t[i] * t[i + 1]).squareRoot()
                let half = x + slope(x, t[i]) * (mid - t[i])
                x = x + slope(half, Swift.max(mid, 1e-3)) * (t[i + 1] - t[i])
            }
            return x
        }
    }

    static func register(in components: Components) {
        components.samplers.register("midpoint", summary: "explicit midpoint on the probability-flow ODE (a contributor's sampler)",
                                     options: MidpointSampler()) { o, _ in o }
    }
}
