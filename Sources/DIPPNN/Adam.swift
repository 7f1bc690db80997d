import CDIPPBackend
import DIPPTensor
import Foundation

/// Adam (Kingma & Ba, 2015) with decoupled weight decay (AdamW, Loshchilov & Hutter, 2019).
///
/// For each parameter `p` with gradient `g`, at step `t = 1, 2, …`:
/// `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `m̂ = m/(1−β₁ᵗ)`, `v̂ = v/(1−β₂ᵗ)`,
/// `p ← p − lr·(m̂/(√v̂ + ε) + λ·p)`.
/// DI++ uses `β₁ = 0` (so `m̂ = g`), `β₂ = 0.999` for both the generator and the TA.
public struct Adam: Sendable {
    /// Hyper-parameters, with their defaults.
    public struct Configuration: Codable, Sendable, Equatable {
        public var learningRate: Float = 1e-3
        public var beta1: Float = 0.9
        public var beta2: Float = 0.999
        public var epsilon: Float = 1e-8
        /// Decoupled weight decay `λ` (0 = none).
        public var weightDecay: Float = 0

        public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                    epsilon: Float = 1e-8, weightDecay: Float = 0) {
            (self.learningRate, self.beta1, self.beta2, self.epsilon, self.weightDecay) =
                (learningRate, beta1, beta2, epsilon, weightDecay)
        }
    }

    public var configuration: Configuration
    /// Steps taken so far (`t`).
    public var step: Int = 0
    /// `m` per parameter, in the order the parameters are passed.
    public var firstMoments: [[Float]] = []
    /// `v` per parameter.
    public var secondMoments: [[Float]] = []

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Applies one update to `parameters` (in place) along `gradients` (same order and shapes
    /// on every call).
    public mutating func update(_ parameters: [Tensor], along gradients: [Tensor]) {
        var none: [[Float]] = []
        update(parameters, along: gradients, averaging: &none, decay: 0)
    }

    /// One update; then, when `averages` is not empty (one array per parameter), the moving
    /// average `ē ← δ·ē + (1−δ)·p` of each updated parameter, `δ = decay` — in the same pass over
    /// memory (``ExponentialMovingAverage/update(_:adam:along:batchSize:imagesSeen:)``).
    mutating func update(_ parameters: [Tensor], along gradients: [Tensor], averaging averages: inout [[Float]], decay: Float) {
        precondition(parameters.count == gradients.count, "Adam: \(parameters.count) parameters but \(gradients.count) gradients")
        precondition(averages.isEmpty || averages.count == parameters.count, "EMA: the parameter list changed")
        if firstMoments.isEmpty {
            firstMoments = parameters.map { [Float](repeating: 0, count: $0.count) }
            secondMoments = firstMoments
        }
        precondition(firstMoments.count == parameters.count, "Adam: the parameter list changed between steps")
        step += 1
        let c = configuration
        let correction1 = 1 - Foundation.pow(c.beta1, Float(step))
        let correction2 = 1 - Foundation.pow(c.beta2, Float(step))
        for (i, (p, g)) in zip(parameters, gradients).enumerated() {
            precondition(p.shape == g.shape, "Adam: gradient \(g.shape) does not match parameter \(p.shape)")
            precondition(averages.isEmpty || averages[i].count == p.count, "EMA: parameter \(i) changed size")
            let grad = g.storage
            guard p.count > 0 else { continue }
            p.withMutableStorage { values in
                firstMoments[i].withUnsafeMutableBufferPointer { m in
                    secondMoments[i].withUnsafeMutableBufferPointer { v in
                        values.withUnsafeMutableBufferPointer { p in
                            grad.withUnsafeBufferPointer { g in
                                let (pp, gp, mp, vp, count) = (p.baseAddress!, g.baseAddress!, m.baseAddress!, v.baseAddress!, p.count)
                                let pass = { (average: UnsafeMutablePointer<Float>?) in
                                    Compute.forEachChunk(count) { r in
                                        let o = r.lowerBound
                                        dipp_adam_ema(pp + o, gp + o, mp + o, vp + o, average.map { $0 + o }, Int64(r.count),
                                                      c.learningRate, c.beta1, c.beta2, c.epsilon, c.weightDecay,
                                                      correction1, correction2, decay)
                                    }
                                }
                                if averages.isEmpty { pass(nil) } else { averages[i].withUnsafeMutableBufferPointer { pass($0.baseAddress) } }
                            }
                        }
                    }
                }
            }
        }
    }
}
