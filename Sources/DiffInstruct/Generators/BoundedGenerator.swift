import DIPPDiffusion
import DIPPNN
import DIPPTensor

/// Keeps a generator's samples inside the data range `[low, high]`:
/// - `clamp`: `x = min(max(g(z, c), low), high)` (zero gradient outside the range);
/// - `tanh`: `x = low + (high − low)·(tanh(g(z, c)) + 1)/2` (smooth; an identity-like start
///   such as the one-step generator's is compressed: `tanh(1) ≈ 0.76`).
/// Without it a strong reward can push samples past the range (an "ink" reward past its own
/// maximum of 1), which PNGs then clip silently. The parameters are the wrapped generator's,
/// under the same names, so checkpoints are interchangeable.
public struct BoundedGenerator: Generator {
    public enum Mode: String, Codable, Sendable, CaseIterable, ConfigurationChoice {
        case none, clamp, tanh
    }

    public let base: any Generator
    public let mode: Mode
    public let low: Float
    public let high: Float

    public init(_ base: any Generator, mode: Mode, low: Float, high: Float) {
        precondition(low < high, "BoundedGenerator: empty range [\(low), \(high)]")
        (self.base, self.mode, self.low, self.high) = (base, mode, low, high)
    }

    public var latentShape: [Int] { base.latentShape }
    public var sampleShape: [Int] { base.sampleShape }
    public var namedParameters: [(name: String, tensor: Tensor)] { base.namedParameters }

    public func sampleLatents(count: Int, rng: inout RandomStream) -> Tensor { base.sampleLatents(count: count, rng: &rng) }

    public func callAsFunction(_ z: Tensor, conditions: Conditions) -> Tensor {
        let x = base(z, conditions: conditions)
        switch mode {
        case .none: return x
        case .clamp: return x.clamped(min: low, max: high)
        case .tanh: return (x.tanh() + 1) * ((high - low) / 2) + low
        }
    }
}
