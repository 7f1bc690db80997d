/// 64-bit FNV-1a, `h ← (h ⊕ x)·1099511628211` from `h₀ = 14695981039346656037`, written in
/// base 36: the keys of DIPP's caches (classifiers of a data set, decoded image folders, an
/// imported model's reference samples), so changed content never reuses a cached result.
public struct ContentHash: Sendable {
    public private(set) var value: UInt64 = 14_695_981_039_346_656_037

    public init() {}

    /// Mixes one 64-bit word in (FNV-1a's step on a word instead of a byte).
    public mutating func add(word: UInt64) { value = (value ^ word) &* 1_099_511_628_211 }

    /// Mixes every byte in.
    public mutating func add<Bytes: Sequence>(bytes: Bytes) where Bytes.Element == UInt8 {
        for byte in bytes { add(word: UInt64(byte)) }
    }

    /// The hash in base 36.
    public var text: String { String(value, radix: 36) }
}
