import DIPPTensor
import Foundation

/// Draws samples from a score model under a guidance rule.
///
/// Contract: returns `[conditions.count] + model.sampleShape`, without recording gradients;
/// the same `rng` state gives the same samples; ``evaluations`` is the number of denoiser calls
/// per sample (CFG doubles the batch, not this count). A one-step generator is a sampler too
/// (`GeneratorSampler` in DiffInstruct), so reports and `dipp sample` treat both alike.
public protocol Sampler {
    /// A short description for reports (`"Heun 18 steps"`).
    var description: String { get }
    /// Denoiser evaluations per sample.
    var evaluations: Int { get }
    func sample(_ model: any ScoreModel, guidance: any Guidance, conditions: Conditions, rng: inout RandomStream) -> Tensor

    /// The noise ``sample(_:guidance:conditions:rng:)`` draws first from the same `rng` state:
    /// the unit-normal `z` a diffusion sampler scales by `σ_max` (by default), a one-step
    /// generator's latents. `dipp sample --save` stores it so the samples can be recomputed elsewhere.
    func initialNoise(count: Int, shape: [Int], rng: inout RandomStream) -> Tensor
}

extension Sampler {
    public func initialNoise(count: Int, shape: [Int], rng: inout RandomStream) -> Tensor {
        Tensor.randomNormal([count] + shape, using: &rng)
    }
}

/// EDM's time discretisation (Karras et al., 2022, eq. 5):
/// `t_i = (σ_max^{1/ρ} + i/(N−1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ`, `t_N = 0`.
public struct KarrasSchedule: Codable, Sendable, Equatable {
    public var steps: Int = 18
    public var sigmaMin: Float = 0.002
    public var sigmaMax: Float = 80
    public var rho: Float = 7

    public init(steps: Int = 18, sigmaMin: Float = 0.002, sigmaMax: Float = 80, rho: Float = 7) {
        (self.steps, self.sigmaMin, self.sigmaMax, self.rho) = (steps, sigmaMin, sigmaMax, rho)
    }

    /// `t_0 … t_{N−1}, 0`.
    public var noiseLevels: [Float] {
        let a = Foundation.pow(sigmaMax, 1 / rho), b = Foundation.pow(sigmaMin, 1 / rho)
        return (0..<steps).map { i in
            Foundation.pow(a + Float(i) / Float(Swift.max(steps - 1, 1)) * (b - a), rho)
        } + [0]
    }
}

/// The probability-flow slope `d = (x − D̃(x; t))/t`.
func slope(_ model: any ScoreModel, _ guidance: any Guidance, _ x: Tensor, _ t: Float, _ conditions: Conditions) -> Tensor {
    (x - guidance.denoise(model, x, sigma: Noise.constant(t, count: conditions.count), conditions: conditions)) / t
}

/// Euler's method on the probability-flow ODE over ``KarrasSchedule``: `N` evaluations.
public struct EulerSampler: Sampler, Codable, Sendable, Equatable {
    public var schedule = KarrasSchedule()

    public init(schedule: KarrasSchedule = KarrasSchedule()) { self.schedule = schedule }

    public var description: String { "Euler \(schedule.steps) steps" }
    public var evaluations: Int { schedule.steps }

    public func sample(_ model: any ScoreModel, guidance: any Guidance, conditions: Conditions, rng: inout RandomStream) -> Tensor {
        let t = schedule.noiseLevels
        var x = Tensor.randomNormal([conditions.count] + model.sampleShape, using: &rng) * t[0]
        return withoutGradients {
            for i in 0..<schedule.steps { x = x + slope(model, guidance, x, t[i], conditions) * (t[i + 1] - t[i]) }
            return x
        }
    }
}

/// EDM's stochastic sampler (Karras et al., 2022, Algorithm 2): before each step the noise is
/// raised from `t_i` to `t̂ = t_i(1 + γ)`, `γ = min(S_churn/N, √2 − 1)` for `t_i ∈ [S_tmin, S_tmax]`,
/// by adding `√(t̂² − t_i²)·S_noise·ε`; then a Heun step from `t̂` to `t_{i+1}`. `S_churn = 0` is
/// ``HeunSampler``.
public struct StochasticEDMSampler: Sampler, Codable, Sendable, Equatable {
    public var steps: Int = 18
    public var sigmaMin: Float = 0.002
    public var sigmaMax: Float = 80
    public var rho: Float = 7
    /// `S_churn`, `S_tmin`, `S_tmax`, `S_noise` (EDM's ImageNet-64 values by default).
    public var churn: Float = 40
    public var churnMin: Float = 0.05
    public var churnMax: Float = 50
    public var noiseScale: Float = 1.003

    public init(schedule: KarrasSchedule = KarrasSchedule(), churn: Float = 40, churnMin: Float = 0.05, churnMax: Float = 50,
                noiseScale: Float = 1.003) {
        (steps, sigmaMin, sigmaMax, rho) = (schedule.steps, schedule.sigmaMin, schedule.sigmaMax, schedule.rho)
        (self.churn, self.churnMin, self.churnMax, self.noiseScale) = (churn, churnMin, churnMax, noiseScale)
    }

    public var schedule: KarrasSchedule { KarrasSchedule(steps: steps, sigmaMin: sigmaMin, sigmaMax: sigmaMax, rho: rho) }

    public var description: String { "stochastic EDM \(schedule.steps) steps, S_churn \(churn)" }
    public var evaluations: Int { 2 * schedule.steps - 1 }

    public func sample(_ model: any ScoreModel, guidance: any Guidance, conditions: Conditions, rng: inout RandomStream) -> Tensor {
        let t = schedule.noiseLevels, n = schedule.steps
        let shape = [conditions.count] + model.sampleShape
        var x = Tensor.randomNormal(shape, using: &rng) * t[0]
        return withoutGradients {
            for i in 0..<n {
                let gamma: Float = (churnMin...churnMax).contains(t[i]) ? Swift.min(churn / Float(n), Float(2).squareRoot() - 1) : 0
                let tHat = t[i] * (1 + gamma)
                if tHat > t[i] {
                    x = x + Tensor.randomNormal(shape, using: &rng) * ((tHat * tHat - t[i] * t[i]).squareRoot() * noiseScale)
                }
                x = heunStep(model, guidance, x, from: tHat, to: t[i + 1], conditions, correct: i < n - 1)
            }
            return x
        }
    }
}

/// One Euler step from `tCur` to `tNext`, with Heun's correction when `correct`.
func heunStep(_ model: any ScoreModel, _ guidance: any Guidance, _ x: Tensor, from tCur: Float, to tNext: Float,
              _ conditions: Conditions, correct: Bool) -> Tensor {
    let d = slope(model, guidance, x, tCur, conditions)
    let next = x + d * (tNext - tCur)
    guard correct else { return next }
    return x + (d + slope(model, guidance, next, tNext, conditions)) * (0.5 * (tNext - tCur))
}
