import DIPPTensor
import Foundation

/// EDM's deterministic Heun sampler (Karras et al., 2022, Algorithm 1 with S_churn = 0).
///
/// Over ``KarrasSchedule``'s levels `t_0 … t_{N−1}, 0`: `x ← z·t_0`; each step takes an Euler
/// step with `d = (x − D̃(x; t_i))/t_i` and, except on the last step, a Heun correction averaging
/// `d` with the slope at `t_{i+1}`: `2N − 1` denoiser evaluations (N = 18 → 35).
public struct HeunSampler: Sampler, Codable, Sendable, Equatable {
    public var schedule = KarrasSchedule()

    public init(schedule: KarrasSchedule = KarrasSchedule()) { self.schedule = schedule }

    public init(steps: Int) { schedule = KarrasSchedule(steps: steps) }

    public var steps: Int { schedule.steps }
    public var noiseLevels: [Float] { schedule.noiseLevels }
    public var description: String { "Heun \(schedule.steps) steps" }
    /// Denoiser evaluations per sample: `2N − 1`.
    public var evaluations: Int { 2 * schedule.steps - 1 }

    public func sample(_ model: any ScoreModel, guidance: any Guidance, conditions: Conditions, rng: inout RandomStream) -> Tensor {
        let t = schedule.noiseLevels
        var x = Tensor.randomNormal([conditions.count] + model.sampleShape, using: &rng) * t[0]
        return withoutGradients {
            for i in 0..<schedule.steps {
                x = heunStep(model, guidance, x, from: t[i], to: t[i + 1], conditions, correct: i < schedule.steps - 1)
            }
            return x
        }
    }
}
