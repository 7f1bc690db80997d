import Foundation

/// A hyper-parameter that is a constant or a function of the step `t` (0-based, the number of
/// updates done so far). In a configuration file: a number, or an object
///
/// - `{"schedule": "linear", "from": a, "to": b, "steps": T}`: `a + (b − a)·min(t/T, 1)`;
/// - `{"schedule": "cosine", "from": a, "to": b, "steps": T}`: `b + (a − b)·(1 + cos(π·min(t/T, 1)))/2`;
/// - `{"schedule": "warmup", "to": b, "steps": T}`: `b·min((t + 1)/T, 1)` (linear warm-up from 0);
/// - `{"schedule": "steps", "values": [v₀, v₁, …], "boundaries": [t₁, …]}`: `v_k` for
///   `t_k ≤ t < t_{k+1}` (piecewise constant).
/// Any schedule may add `"warmup": W`: the value is multiplied by `min((t + 1)/W, 1)`.
public enum ScheduledScalar: Codable, Sendable, Equatable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral,
    CustomStringConvertible {
    case constant(Float)
    case linear(from: Float, to: Float, steps: Int, warmup: Int)
    case cosine(from: Float, to: Float, steps: Int, warmup: Int)
    case piecewise(values: [Float], boundaries: [Int], warmup: Int)

    public init(floatLiteral value: Double) { self = .constant(Float(value)) }
    public init(integerLiteral value: Int) { self = .constant(Float(value)) }

    /// The value after `step` updates.
    public func value(at step: Int) -> Float {
        let t = Float(Swift.max(step, 0))
        func ramp(_ warmup: Int) -> Float { warmup > 0 ? Swift.min((t + 1) / Float(warmup), 1) : 1 }
        switch self {
        case .constant(let v):
            return v
        case let .linear(a, b, steps, warmup):
            let u = steps > 0 ? Swift.min(t / Float(steps), 1) : 1
            return (a + (b - a) * u) * ramp(warmup)
        case let .cosine(a, b, steps, warmup):
            let u = steps > 0 ? Swift.min(t / Float(steps), 1) : 1
            return (b + (a - b) * (1 + Foundation.cos(Float.pi * u)) / 2) * ramp(warmup)
        case let .piecewise(values, boundaries, warmup):
            let k = boundaries.filter { step >= $0 }.count
            return values[Swift.min(k, values.count - 1)] * ramp(warmup)
        }
    }

    /// The value when it never changes (`nil` for a schedule).
    public var constantValue: Float? {
        if case .constant(let v) = self { return v }
        return nil
    }

    /// Whether the value is 0 at every step (a disabled term).
    public var isAlwaysZero: Bool { constantValue == 0 }

    public var description: String {
        switch self {
        case .constant(let v): return "\(v)"
        case let .linear(a, b, s, w): return "linear \(a)→\(b) over \(s)" + (w > 0 ? ", warm-up \(w)" : "")
        case let .cosine(a, b, s, w): return "cosine \(a)→\(b) over \(s)" + (w > 0 ? ", warm-up \(w)" : "")
        case let .piecewise(v, b, w): return "steps \(v) at \(b)" + (w > 0 ? ", warm-up \(w)" : "")
        }
    }

    private enum Key: String, CodingKey { case schedule, from, to, steps, warmup, values, boundaries }

    public init(from decoder: Decoder) throws {
        if let v = try? decoder.singleValueContainer().decode(Float.self) {
            self = .constant(v)
            return
        }
        let c = try decoder.container(keyedBy: Key.self)
        let kind = try c.decode(String.self, forKey: .schedule)
        let warmup = try c.decodeIfPresent(Int.self, forKey: .warmup) ?? 0
        func bad(_ what: String) -> DecodingError {
            .dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: what))
        }
        let allowed: Set<String>
        switch kind {
        case "linear", "cosine":
            allowed = ["schedule", "from", "to", "steps", "warmup"]
            let (a, b, s) = (try c.decode(Float.self, forKey: .from), try c.decode(Float.self, forKey: .to), try c.decode(Int.self, forKey: .steps))
            guard s > 0 else { throw bad("a \(kind) schedule needs steps > 0") }
            self = kind == "linear" ? .linear(from: a, to: b, steps: s, warmup: warmup) : .cosine(from: a, to: b, steps: s, warmup: warmup)
        case "warmup":
            allowed = ["schedule", "to", "steps"]
            let (b, s) = (try c.decode(Float.self, forKey: .to), try c.decode(Int.self, forKey: .steps))
            guard s > 0 else { throw bad("a warmup schedule needs steps > 0") }
            self = .linear(from: b, to: b, steps: 1, warmup: s)
        case "steps":
            allowed = ["schedule", "values", "boundaries", "warmup"]
            let values = try c.decode([Float].self, forKey: .values)
            let boundaries = try c.decode([Int].self, forKey: .boundaries)
            guard values.count == boundaries.count + 1, boundaries == boundaries.sorted() else {
                throw bad("a steps schedule needs one more value than boundaries, and ascending boundaries")
            }
            self = .piecewise(values: values, boundaries: boundaries, warmup: warmup)
        default:
            throw bad("unknown schedule '\(kind)' (use linear, cosine, warmup or steps)")
        }
        for key in try decoder.container(keyedBy: AnyKey.self).allKeys where !allowed.contains(key.stringValue) {
            throw bad("'\(key.stringValue)' is not an option of a \(kind) schedule (options: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    public func encode(to encoder: Encoder) throws {
        if case .constant(let v) = self {
            var c = encoder.singleValueContainer()
            try c.encode(v)
            return
        }
        var c = encoder.container(keyedBy: Key.self)
        switch self {
        case .constant: break
        case let .linear(a, b, s, w), let .cosine(a, b, s, w):
            try c.encode(self.isCosine ? "cosine" : "linear", forKey: .schedule)
            try c.encode(a, forKey: .from)
            try c.encode(b, forKey: .to)
            try c.encode(s, forKey: .steps)
            if w > 0 { try c.encode(w, forKey: .warmup) }
        case let .piecewise(v, b, w):
            try c.encode("steps", forKey: .schedule)
            try c.encode(v, forKey: .values)
            try c.encode(b, forKey: .boundaries)
            if w > 0 { try c.encode(w, forKey: .warmup) }
        }
    }

    private var isCosine: Bool {
        if case .cosine = self { return true }
        return false
    }
}

/// Any string key (to list the keys an object has).
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
