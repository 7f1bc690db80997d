/// A dense, contiguous, row-major Float32 tensor that records the operations applied to it.
///
/// `Tensor` is a reference type: a leaf created with `requiresGrad: true` is a *variable*
/// (a parameter or an input whose gradient is wanted); every operation on tracked tensors
/// returns a new tensor holding a ``Node`` — its inputs and its vector-Jacobian product —
/// so that ``gradients(of:withRespectTo:seed:)`` and ``backward(seed:)`` can run reverse-mode
/// automatic differentiation over whole tensors (micrograd's idea, one node per tensor op).
///
/// Values never change after creation except through ``withMutableStorage(_:)``, which
/// optimizers use to update parameters in place *between* graphs.
public final class Tensor {
    /// Extent of each axis, outermost first. `[]` is a scalar.
    public let shape: [Int]
    /// The values, row-major; `storage.count == shape.reduce(1, *)`.
    public private(set) var storage: [Float]
    /// Whether this leaf is a variable whose gradient is wanted. Switching it off freezes a
    /// parameter for the graphs built afterwards (a frozen network differentiated only with
    /// respect to its input then does no weight-gradient work).
    public var requiresGrad: Bool
    /// The gradient accumulated into this leaf by ``backward(seed:)``; `nil` until then.
    public var grad: Tensor?
    /// An optional name (parameters carry their checkpoint name here).
    public var name: String?
    /// How this tensor was computed; `nil` for leaves and for values computed without tracking.
    let node: Node?

    /// Creates a leaf tensor.
    /// - Parameters:
    ///   - shape: extent of each axis (each ≥ 0).
    ///   - storage: row-major values; the count must equal the product of `shape`.
    ///   - requiresGrad: whether gradients with respect to this tensor are wanted.
    public init(shape: [Int], storage: [Float], requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative extent")
        precondition(storage.count == Shape.count(shape),
                     "Tensor shape \(shape) needs \(Shape.count(shape)) values, got \(storage.count)")
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
        self.node = nil
    }

    init(shape: [Int], storage: [Float], node: Node?) {
        precondition(storage.count == Shape.count(shape),
                     "internal: shape \(shape) needs \(Shape.count(shape)) values, got \(storage.count)")
        self.shape = shape
        self.storage = storage
        self.requiresGrad = false
        self.node = node
    }

    /// Number of axes.
    public var rank: Int { shape.count }
    /// Number of elements.
    public var count: Int { storage.count }
    /// Whether gradients flow through this tensor (a variable, or computed from one).
    public var isTracked: Bool { requiresGrad || node != nil }

    /// The single value of a one-element tensor.
    public var scalar: Float {
        precondition(storage.count == 1, "scalar needs a one-element tensor, shape is \(shape)")
        return storage[0]
    }

    /// The same values with no history: gradients stop here (stop-gradient, `sg(·)`).
    public func detached() -> Tensor {
        Tensor(shape: shape, storage: storage, node: nil)
    }

    /// Mutates the values in place. Only for leaves (parameters) between graphs: a tensor
    /// already used by a recorded operation would make that operation's gradient stale.
    public func withMutableStorage<R>(_ body: (inout [Float]) throws -> R) rethrows -> R {
        precondition(node == nil, "withMutableStorage is for leaf tensors only")
        let before = storage.count
        defer { precondition(storage.count == before, "withMutableStorage must not change the element count") }
        return try body(&storage)
    }
}

// MARK: - Factories

extension Tensor {
    /// A scalar (shape `[]`).
    public convenience init(_ value: Float, requiresGrad: Bool = false) {
        self.init(shape: [], storage: [value], requiresGrad: requiresGrad)
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, storage: [Float](repeating: 0, count: Shape.count(shape)), requiresGrad: requiresGrad)
    }

    /// A tensor with every element equal to `value`.
    public static func full(_ shape: [Int], _ value: Float, requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, storage: [Float](repeating: value, count: Shape.count(shape)), requiresGrad: requiresGrad)
    }

    /// A tensor of ones.
    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        full(shape, 1, requiresGrad: requiresGrad)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = storage.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(head)\(storage.count > 8 ? ", …" : "")])"
    }
}
