import Foundation

/// A seeded, counter-based stream of random numbers built on ``Philox``.
///
/// Element `i` of a draw comes from Philox block `position + i/4`, lane `i % 4`, under the key
/// `seed` and the stream id `stream`; a draw of `n` values then advances `position` by `⌈n/4⌉`
/// blocks. So the same `(seed, stream, position)` always gives the same numbers, on any
/// number of threads, and the whole state is three integers (saved in checkpoints).
///
/// Distributions: uniform on the open interval (0, 1) with 24-bit resolution; standard normal
/// by the Box–Muller transform (lanes 0,1 → two normals, lanes 2,3 → two more); log-normal
/// `exp(μ + s·N(0,1))`.
public struct RandomStream: Sendable, Equatable, Codable {
    /// The key: which sequence.
    public var seed: UInt64
    /// Independent sub-sequence id (e.g. one per role: noise, σ, dropout).
    public var stream: UInt64
    /// The next Philox block to use.
    public var position: UInt64

    public init(seed: UInt64, stream: UInt64 = 0, position: UInt64 = 0) {
        self.seed = seed
        self.stream = stream
        self.position = position
    }

    /// The stream with the same seed and a different id: statistically independent of this one.
    public func substream(_ id: UInt64) -> RandomStream { RandomStream(seed: seed, stream: id) }

    /// 128 random bits for block `index` of this stream.
    @inlinable
    func bits(_ index: UInt64) -> (UInt32, UInt32, UInt32, UInt32) {
        Philox.block(
            counter: (UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32),
                      UInt32(truncatingIfNeeded: stream), UInt32(truncatingIfNeeded: stream >> 32)),
            key: (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
    }

    /// Maps 32 random bits to a uniform float in (0, 1): `(⌊u/2⁸⌋ + ½)·2⁻²⁴`, never 0 or 1.
    @inlinable
    static func unit(_ u: UInt32) -> Float { (Float(u >> 8) + 0.5) * 0x1p-24 }

    /// `count` uniform values in (0, 1).
    public mutating func uniform(_ count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        for block in 0..<((count + 3) / 4) {
            let r = bits(position &+ UInt64(block))
            let lanes = [r.0, r.1, r.2, r.3]
            for lane in 0..<4 where block * 4 + lane < count { out[block * 4 + lane] = Self.unit(lanes[lane]) }
        }
        position &+= UInt64((count + 3) / 4)
        return out
    }

    /// `count` uniform values in `[low, high)`.
    public mutating func uniform(_ count: Int, in range: ClosedRange<Float>) -> [Float] {
        uniform(count).map { range.lowerBound + (range.upperBound - range.lowerBound) * $0 }
    }

    /// `count` standard normal values (Box–Muller: `√(−2 ln u₁)·(cos 2πu₂, sin 2πu₂)`).
    public mutating func normal(_ count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        for block in 0..<((count + 3) / 4) {
            let r = bits(position &+ UInt64(block))
            let pairs = [(r.0, r.1), (r.2, r.3)]
            for (p, (a, b)) in pairs.enumerated() {
                let radius = Foundation.sqrt(-2 * Foundation.log(Double(Self.unit(a))))
                let angle = 2 * Double.pi * Double(Self.unit(b))
                let i = block * 4 + 2 * p
                if i < count { out[i] = Float(radius * Foundation.cos(angle)) }
                if i + 1 < count { out[i + 1] = Float(radius * Foundation.sin(angle)) }
            }
        }
        position &+= UInt64((count + 3) / 4)
        return out
    }

    /// `count` values of `exp(mean + std·N(0,1))` (e.g. EDM's noise levels, `ln σ ~ N(P_mean, P_std²)`).
    public mutating func logNormal(_ count: Int, mean: Float, std: Float) -> [Float] {
        normal(count).map { Foundation.exp(mean + std * $0) }
    }

    /// A uniform integer in `0..<upperBound` (by 64-bit multiply-shift; bias < 2⁻³²).
    public mutating func integer(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "integer(below:) needs a positive bound")
        let r = bits(position)
        position &+= 1
        let word = UInt64(r.0) << 32 | UInt64(r.1)
        return Int(word.multipliedFullWidth(by: UInt64(upperBound)).high)
    }

    /// A uniformly random permutation of `0..<count` (Fisher–Yates).
    public mutating func permutation(_ count: Int) -> [Int] {
        var items = Array(0..<count)
        if count < 2 { return items }
        for i in stride(from: count - 1, to: 0, by: -1) { items.swapAt(i, integer(below: i + 1)) }
        return items
    }
}

extension Tensor {
    /// A tensor of standard normal values drawn from `rng`.
    public static func randomNormal(_ shape: [Int], using rng: inout RandomStream, requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, storage: rng.normal(Shape.count(shape)), requiresGrad: requiresGrad)
    }

    /// A tensor of uniform values in `range` drawn from `rng`.
    public static func randomUniform(_ shape: [Int], in range: ClosedRange<Float> = 0...1,
                                     using rng: inout RandomStream, requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, storage: rng.uniform(Shape.count(shape), in: range), requiresGrad: requiresGrad)
    }
}
