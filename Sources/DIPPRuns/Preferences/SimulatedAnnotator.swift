import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPNN
import DIPPTensor
import DiffInstruct
import Foundation

/// A property of an image that a simulated annotator prefers more of, and that no reward model
/// is shown: the hidden utility of the preference benchmark. Images are `[C, H, W]` in `[−1, 1]`;
/// the annotator sees what a PNG shows — ink `(x + 1)/2` clipped to `[0, 1]`, averaged over
/// channels — so pushing values past the data range earns nothing.
public enum HiddenUtility: String, Codable, Sendable, CaseIterable {
    /// Crispness, `mean|2·ink − 1|`: pixels clearly ink or clearly paper, not grey — sharp digits
    /// are better than blurred ones.
    case crispness
    /// Stroke mass, `mean((x + 1)/2)`: bolder digits are better.
    case strokeMass = "stroke-mass"
    /// `−‖centroid of ink − image centre‖` in pixels: better-centred digits are better.
    case centring
    /// `−|μ₁₁/μ₀₂|`, the shear of the ink's second central moments: upright digits are better.
    case uprightness

    /// `u(x)` of one image. `shape` is `[…, H, W]`, or flat `[H·W]` for a square one-channel image
    /// (the digits' `[64]`).
    public func value(_ pixels: ArraySlice<Float>, shape: [Int]) -> Float {
        if self == .strokeMass { return StrokeMass.of(pixels) }
        let side = Int(Double(pixels.count).squareRoot())
        let (h, w) = shape.count >= 2 ? (shape[shape.count - 2], shape[shape.count - 1]) : (side, pixels.count / max(side, 1))
        let channels = pixels.count / (h * w)
        var ink = [Float](repeating: 0, count: h * w)
        for (k, v) in pixels.enumerated() { ink[k % (h * w)] += min(max((v + 1) / 2, 0), 1) / Float(channels) }
        if self == .crispness { return ink.reduce(0) { $0 + abs(2 * $1 - 1) } / Float(h * w) }
        var (m, my, mx) = (Float(1e-6), Float(0), Float(0))
        for y in 0..<h { for x in 0..<w { let a = ink[y * w + x]; (m, my, mx) = (m + a, my + a * Float(y), mx + a * Float(x)) } }
        let (cy, cx) = (my / m, mx / m)
        if self == .centring {
            let (dy, dx) = (cy - Float(h - 1) / 2, cx - Float(w - 1) / 2)
            return -(dy * dy + dx * dx).squareRoot()
        }
        var (m11, m02) = (Float(0), Float(1e-6))
        for y in 0..<h { for x in 0..<w {
            let a = ink[y * w + x], (dy, dx) = (Float(y) - cy, Float(x) - cx)
            (m11, m02) = (m11 + a * dx * dy, m02 + a * dy * dy)
        } }
        return -abs(m11 / m02)
    }

    /// `u` of each image of a `[N] + shape` batch stored row-major.
    public func values(_ storage: [Float], shape: [Int]) -> [Float] {
        let d = shape.reduce(1, *)
        return (0..<(storage.count / d)).map { value(storage[($0 * d)..<(($0 + 1) * d)], shape: shape) }
    }
}

/// A Bradley–Terry annotator with a hidden utility: it prefers `a` over `b` with probability
/// `σ((u(a) − u(b))/τ)`, and calls a tie when `|u(a) − u(b)| < tieMargin` (it cannot tell them apart).
/// `τ` and the margin are in units of the utility's standard deviation over the samples judged,
/// so one noise level means the same difficulty for every utility.
public struct SimulatedAnnotator: Sendable {
    public let utility: HiddenUtility
    /// `τ / sd(u)`.
    public let noise: Float
    /// `tieMargin / sd(u)`.
    public let tieMargin: Float

    public init(utility: HiddenUtility, noise: Float = 0.5, tieMargin: Float = 0.05) {
        (self.utility, self.noise, self.tieMargin) = (utility, noise, tieMargin)
    }

    public var description: String { "simulated \(utility.rawValue) τ=\(noise)·sd tie<\(tieMargin)·sd" }

    /// Judges every draw (the scale `sd(u)` is taken over all of their samples).
    public func judge(_ draws: [PairSource.Draw], shape: [Int], rng: inout RandomStream) -> [PreferencePair.Choice] {
        let left = draws.map { utility.value($0.left[...], shape: shape) }, right = draws.map { utility.value($0.right[...], shape: shape) }
        let all = left + right, mean = all.reduce(0, +) / Float(max(all.count, 1))
        let sd = max((all.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(max(all.count - 1, 1))).squareRoot(), 1e-12)
        return zip(left, right).map { l, r in
            let delta = l - r
            let draw = rng.uniform(1)[0]
            if abs(delta) < tieMargin * sd { return .tie }
            return draw < 1 / (1 + Foundation.exp(-delta / (noise * sd))) ? .left : .right
        }
    }

    /// The noise ceiling: how often `sign(u(left) − u(right))` — the best any model can predict —
    /// agrees with the recorded choice on `pairs` (ties excluded).
    public static func utilityAccuracy(_ utility: HiddenUtility, pairs: [PreferencePair]) -> Double {
        let decided = pairs.filter { $0.choice != .tie }
        let right = decided.filter { p in
            (utility.value(p.left[...], shape: p.shape) > utility.value(p.right[...], shape: p.shape)) == (p.choice == .left)
        }.count
        return Double(right) / Double(max(decided.count, 1))
    }
}

extension SimulatedAnnotator {
    /// `count` pairs of `source`'s samples judged by `annotator` (seeded; drawn in batches of 256).
    public static func pairs(from source: PairSource, annotator: SimulatedAnnotator, count: Int, seed: UInt64) -> [PreferencePair] {
        var rng = RandomStream(seed: seed, .preferencePairs)
        var draws: [PairSource.Draw] = []
        while draws.count < count { draws += source.draw(min(256, count - draws.count), rng: &rng) }
        let choices = annotator.judge(draws, shape: source.sampleShape, rng: &rng)
        return zip(draws, choices).map { source.pair($0, choice: $1, source: annotator.description) }
    }
}

/// A hidden utility as a differentiable reward, `--reward utility:stroke-mass|crispness`: the
/// benchmark's oracle, and a way to score any run's samples on it (`dipp sample --reward …`).
/// Images in `[−1, 1]`; ink `(x + 1)/2` clipped to `[0, 1]` as ``HiddenUtility`` measures it.
public struct HiddenUtilityReward: RewardModel, ComponentRegistration {
    public let utility: HiddenUtility

    /// The utilities written with tensor ops (the others have no gradient here).
    public static let differentiable: [HiddenUtility] = [.strokeMass, .crispness]

    public init(_ utility: HiddenUtility) throws {
        guard Self.differentiable.contains(utility) else {
            throw ConfigurationError(location: "reward 'utility:\(utility.rawValue)'", what: "this utility has no differentiable form",
                                     hint: "use utility:stroke-mass or utility:crispness")
        }
        self.utility = utility
    }

    public var name: String { "utility:\(utility.rawValue)" }

    public static func register(in components: Components) {
        components.rewards.registerResolver(pattern: "utility:NAME", summary: "a hidden utility of the preference benchmark: stroke-mass or crispness",
                                            examples: HiddenUtilityReward.differentiable.map { "utility:\($0.rawValue)" },
                                            matches: { $0.hasPrefix("utility:") }) { spec, _, _ in
            let name = String(spec.name.dropFirst("utility:".count))
            guard let utility = HiddenUtility(rawValue: name) else {
                throw ConfigurationError(location: "reward '\(spec.name)'", what: "unknown utility '\(name)'",
                                         hint: "use utility:stroke-mass or utility:crispness")
            }
            return try HiddenUtilityReward(utility)
        }
    }

    public func reward(_ x: Tensor, conditions: Conditions) -> Tensor {
        utility == .crispness ? (StrokeMass.ink(x) * 2 - 1).abs().mean(axis: 1) : StrokeMass.of(x)
    }
}
