import DIPPNN
import DIPPTensor
import Foundation

/// A discrete variance-preserving diffusion (DDPM) seen as EDM: the noise levels of a diffusers
/// scheduler and what its network predicts.
///
/// A model trained on `x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε` is the EDM denoiser of `x = x_t/√ᾱ_t` at
/// `σ_t = √((1−ᾱ_t)/ᾱ_t)`. For any `σ`, `x_t = x/√(1+σ²)` (so `ᾱ = 1/(1+σ²)`) and the network
/// is given the timestep `t(σ)` found by linear interpolation of `ln σ` over the model's own
/// levels (clamped to its first and last), computed in Double — at each of the model's levels
/// exactly its integer timestep (k-diffusion's convention; the paper's §C.1 takes the nearest
/// level instead, which makes `D` piecewise constant in `σ`).
public struct DiscreteVPSchedule: Codable, Sendable, Equatable {
    /// What the network's output `o` is.
    public enum Prediction: String, Codable, Sendable, CaseIterable {
        /// `o = ε̂`: `D = x − σ·o`.
        case epsilon
        /// `o = v̂ = √ᾱ·ε̂ − √(1−ᾱ)·x̂₀`: `D = x/(1+σ²) − σ/√(1+σ²)·o`.
        case vPrediction = "v_prediction"
        /// `o = x̂₀`: `D = o`.
        case sample
    }

    /// `ᾱ_t` for `t = 0 … T−1`.
    public var alphasCumprod: [Double]
    public var prediction: Prediction
    /// The first level the model may be evaluated at: 1 for Fourier time embeddings, which
    /// take `ln t` (diffusers' own forward gives `ln 0` at `t = 0`).
    public var firstLevel: Int = 0

    public init(alphasCumprod: [Double], prediction: Prediction, firstLevel: Int = 0) {
        (self.alphasCumprod, self.prediction, self.firstLevel) = (alphasCumprod, prediction, firstLevel)
    }

    /// `σ_t = √((1−ᾱ_t)/ᾱ_t)`, increasing in `t`.
    public var sigmas: [Double] { alphasCumprod.map { ((1 - $0) / $0).squareRoot() } }
    /// The smallest and largest level the model is evaluated at.
    public var sigmaRange: (min: Double, max: Double) { (sigmas[firstLevel], sigmas[sigmas.count - 1]) }

    /// The (fractional) timestep for `σ`: `t = i + (ln σ − ln σ_i)/(ln σ_{i+1} − ln σ_i)` on the
    /// level interval holding `ln σ`, clamped to `[firstLevel, T−1]`.
    public func timestep(sigma: Double) -> Double { timesteps(sigmas: [sigma])[0] }

    /// ``timestep(sigma:)`` for each of `sigmas`, the level table's logarithms taken once.
    public func timesteps(sigmas query: [Double]) -> [Double] {
        let logs = sigmas.map { Foundation.log($0) }
        return query.map { Self.interpolate(Foundation.log($0), levels: logs, first: firstLevel) }
    }

    static func interpolate(_ l: Double, levels logs: [Double], first firstLevel: Int) -> Double {
        let last = logs.count - 1
        if l <= logs[firstLevel] { return Double(firstLevel) }
        if l >= logs[last] { return Double(last) }
        var (low, high) = (firstLevel, last)   // logs[low] < l < logs[high]
        while high - low > 1 {
            let mid = (low + high) / 2
            if logs[mid] <= l { low = mid } else { high = mid }
        }
        return Double(low) + (l - logs[low]) / (logs[high] - logs[low])
    }

    /// `c_in`, `c_skip`, `c_out` of `D(x; σ) = c_skip·x + c_out·o(c_in·x, t(σ))`.
    public func coefficients(sigma: Double) -> (cIn: Double, cSkip: Double, cOut: Double) {
        let s2 = sigma * sigma, cIn = 1 / (1 + s2).squareRoot()
        switch prediction {
        case .epsilon: return (cIn, 1, -sigma)
        case .vPrediction: return (cIn, 1 / (1 + s2), -sigma * cIn)
        case .sample: return (cIn, 0, 1)
        }
    }

    /// `D(x; σ)` around `network(c_in·x, t(σ))` for a batch with per-sample `sigma` (`[N]`).
    public func denoise(_ x: Tensor, sigma: Tensor, _ network: (_ input: Tensor, _ timestep: Tensor) -> Tensor) -> Tensor {
        let sigmas = sigma.storage.map(Double.init), n = sigmas.count
        let c = sigmas.map(coefficients)
        func perSample(_ values: [Double]) -> Tensor { Noise.perSample(Tensor(shape: [n], storage: values.map(Float.init)), rank: x.rank) }
        let out = network(x * perSample(c.map(\.cIn)), Tensor(shape: [n], storage: timesteps(sigmas: sigmas).map(Float.init)))
        return prediction == .sample ? out : x * perSample(c.map(\.cSkip)) + out * perSample(c.map(\.cOut))
    }
}

extension DiscreteVPSchedule {
    /// Keys of a diffusers scheduler configuration that only the scheduler's own sampling loop
    /// reads (clipping, thresholding, spacing of inference steps, posterior variance): DIPP
    /// samples with its own EDM samplers, which do not clip.
    static let samplingOnlyKeys: Set<String> = ["_class_name", "_diffusers_version", "clip_sample", "clip_sample_range", "thresholding",
                                                "dynamic_thresholding_ratio", "sample_max_value", "timestep_spacing", "steps_offset",
                                                "variance_type", "set_alpha_to_one", "skip_prk_steps", "_use_default_values"]

    /// The schedule of a diffusers `scheduler_config.json` (DDPM, DDIM, PNDM, … — any scheduler of
    /// the discrete VP family): `beta_schedule` `linear` (`β = linspace(β_start, β_end, T)` in
    /// float32, as diffusers builds it), `scaled_linear` (`linspace(√β_start, √β_end, T)²`),
    /// `squaredcos_cap_v2` (Nichol & Dhariwal's cosine, `β_t = min(1 − ᾱ(t+1)/ᾱ(t), 0.999)`)
    /// or `trained_betas`; `ᾱ_t = Π(1 − β)` as diffusers' `torch.cumprod` computes it (the model's
    /// own float32 table), every later step in Double.
    public static func parse(_ object: [String: Any], source: String, fourierTimeEmbedding: Bool) throws -> DiscreteVPSchedule {
        func refuse(_ key: String, _ what: String, _ hint: String) -> ConfigurationError {
            ConfigurationError(location: "\(source), field '\(key)'", what: what, hint: hint)
        }
        let known: Set<String> = ["num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas", "prediction_type",
                                  "rescale_betas_zero_snr"]
        for key in object.keys.sorted() where !known.contains(key) && !samplingOnlyKeys.contains(key) {
            throw refuse(key, "a scheduler field DIPP does not implement", "DIPP reads the discrete VP fields listed in Documentation/BringYourOwn.md")
        }
        if let zeroSNR = object["rescale_betas_zero_snr"] as? Bool, zeroSNR {
            throw refuse("rescale_betas_zero_snr", "a zero terminal SNR puts ᾱ_T at 0, an infinite σ", "DIPP needs finite noise levels")
        }
        let count = object["num_train_timesteps"] as? Int ?? 1000
        guard count >= 2 else { throw refuse("num_train_timesteps", "\(count) timesteps", "at least 2") }
        let start = (object["beta_start"] as? Double) ?? 0.0001, end = (object["beta_end"] as? Double) ?? 0.02
        let kind = object["beta_schedule"] as? String ?? "linear"
        var betas: [Double]
        if let trained = object["trained_betas"] as? [Double], !trained.isEmpty {
            betas = trained
        } else {
            switch kind {
            case "linear": betas = linspace32(start, end, count)
            case "scaled_linear": betas = linspace32(start.squareRoot(), end.squareRoot(), count).map { Double(Float($0 * $0)) }
            case "squaredcos_cap_v2":
                func alphaBar(_ t: Double) -> Double { let c = Foundation.cos((t + 0.008) / 1.008 * Double.pi / 2); return c * c }
                betas = (0..<count).map { i in Double(Float(Swift.min(1 - alphaBar(Double(i + 1) / Double(count)) / alphaBar(Double(i) / Double(count)), 0.999))) }
            default:
                throw refuse("beta_schedule", "'\(kind)' is not implemented", "linear, scaled_linear, squaredcos_cap_v2 or trained_betas")
            }
        }
        guard betas.count >= 2, betas.allSatisfy({ $0 > 0 && $0 < 1 }) else {
            throw refuse("beta_schedule", "β values must lie in (0, 1); got \(betas.count) values from \(betas.min() ?? 0) to \(betas.max() ?? 0)",
                         "check beta_start, beta_end and trained_betas")
        }
        let predictionName = object["prediction_type"] as? String ?? "epsilon"
        guard let prediction = Prediction(rawValue: predictionName) else {
            throw refuse("prediction_type", "'\(predictionName)' is not implemented", "epsilon, v_prediction or sample")
        }
        var product = 1.0   // as torch builds the table: float32 factors, a double accumulator, each value rounded to float32
        let alphas = betas.map { b -> Double in product *= Double(1 - Float(b)); return Double(Float(product)) }
        return DiscreteVPSchedule(alphasCumprod: alphas, prediction: prediction, firstLevel: fourierTimeEmbedding ? 1 : 0)
    }

    /// `torch.linspace(a, b, n, dtype=float32)`: each value rounded to Float.
    static func linspace32(_ a: Double, _ b: Double, _ n: Int) -> [Double] {
        let (a32, b32) = (Float(a), Float(b))
        let step = (b32 - a32) / Float(n - 1)
        // torch computes the first half from the start and the second from the end.
        return (0..<n).map { i in Double(i < n / 2 ? a32 + step * Float(i) : b32 - step * Float(n - 1 - i)) }
    }
}
