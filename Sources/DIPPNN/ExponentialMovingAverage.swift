import DIPPTensor
import Foundation

/// An exponential moving average of parameters: `ē ← β·ē + (1−β)·p` after each step.
///
/// `β` comes from a ``Schedule``: a fixed decay (DI++ alignment uses 0.95), or EDM's half-life
/// rule (Karras et al., 2022, `training_loop.py`): with `h = halfLifeImages`, optionally ramped
/// up as `h ← min(h, imagesSeen·rampUp)`, `β = 0.5^{batchSize / max(h, 1e-8)}` — the average
/// forgets half its weight every `h` training images.
public struct ExponentialMovingAverage: Sendable {
    public enum Schedule: Codable, Sendable, Equatable {
        case fixed(decay: Float)
        case halfLife(images: Double, rampUp: Double?)

        /// `β` for a step of `batchSize` samples after `imagesSeen` samples in total.
        public func decay(batchSize: Int, imagesSeen: Double) -> Float {
            switch self {
            case .fixed(let decay):
                return decay
            case .halfLife(let images, let rampUp):
                var halfLife = images
                if let r = rampUp { halfLife = min(halfLife, imagesSeen * r) }
                return Float(Foundation.pow(0.5, Double(batchSize) / max(halfLife, 1e-8)))
            }
        }
    }

    public var schedule: Schedule
    /// The averaged values, one array per parameter.
    public private(set) var averages: [[Float]]

    /// Starts the average at the parameters' current values.
    public init(_ parameters: [Tensor], schedule: Schedule) {
        self.schedule = schedule
        averages = parameters.map(\.storage)
    }

    /// Restores a saved average (from a checkpoint).
    public init(averages: [[Float]], schedule: Schedule) {
        self.schedule = schedule
        self.averages = averages
    }

    /// Folds in the parameters after a step; returns the `β` used.
    @discardableResult
    public mutating func update(_ parameters: [Tensor], batchSize: Int, imagesSeen: Double) -> Float {
        precondition(parameters.count == averages.count, "EMA: the parameter list changed")
        let beta = schedule.decay(batchSize: batchSize, imagesSeen: imagesSeen)
        for (i, p) in parameters.enumerated() {
            let values = p.storage
            precondition(values.count == averages[i].count, "EMA: parameter \(i) changed size")
            averages[i].withUnsafeMutableBufferPointer { e in
                for j in 0..<e.count { e[j] = beta * e[j] + (1 - beta) * values[j] }
            }
        }
        return beta
    }

    /// One Adam step on `parameters` along `gradients`, and this average's update folded into the
    /// same pass over memory (the values equal ``Adam/update(_:along:)`` followed by
    /// ``update(_:batchSize:imagesSeen:)``); returns the `β` used.
    @discardableResult
    public mutating func update(_ parameters: [Tensor], adam: inout Adam, along gradients: [Tensor],
                                batchSize: Int, imagesSeen: Double) -> Float {
        let beta = schedule.decay(batchSize: batchSize, imagesSeen: imagesSeen)
        adam.update(parameters, along: gradients, averaging: &averages, decay: beta)
        return beta
    }

    /// The averages as tensors shaped like `parameters`.
    public func tensors(shapedLike parameters: [Tensor]) -> [Tensor] {
        zip(parameters, averages).map { Tensor(shape: $0.shape, storage: $1) }
    }
}
