/// The vector-Jacobian product of one recorded operation.
///
/// Given the gradient of the loss with respect to the operation's output, `gradOutput`
/// (row-major, the output's shape), and which inputs need a gradient, it returns
/// `gradOutputᵀ · ∂output/∂input_i` for each input, in the input's own shape, or `nil` for
/// inputs it was told are not needed.
public typealias VectorJacobianProduct = (_ gradOutput: [Float], _ needed: [Bool]) -> [[Float]?]

/// One recorded operation: its inputs and its vector-Jacobian product.
final class Node {
    let inputs: [Tensor]
    let vjp: VectorJacobianProduct

    init(inputs: [Tensor], vjp: @escaping VectorJacobianProduct) {
        self.inputs = inputs
        self.vjp = vjp
    }
}

/// Whether operations record a graph. Scoped per task (and per thread outside tasks).
public enum GradMode {
    @TaskLocal public static var isEnabled: Bool = true
}

/// Runs `body` without recording operations: results are untracked constants.
/// Use it for evaluation, sampling, and frozen-network passes whose gradient is not wanted.
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false, operation: body)
}

extension Tensor {
    /// The result of an operation: tracked (with a ``Node``) when gradients are enabled and any
    /// input is tracked, a plain constant otherwise.
    static func result(shape: [Int], storage: [Float], inputs: [Tensor],
                       vjp: @escaping VectorJacobianProduct) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.isTracked }) else {
            return Tensor(shape: shape, storage: storage, node: nil)
        }
        return Tensor(shape: shape, storage: storage, node: Node(inputs: inputs, vjp: vjp))
    }

    /// A custom differentiable operation: its forward value computed elsewhere (a plugin, a
    /// foreign library) and its vector-Jacobian product supplied by the caller.
    ///
    /// - Parameters:
    ///   - shape: the output's shape; `values.count` must match it.
    ///   - values: the forward output, row-major.
    ///   - inputs: the tensors the output depends on.
    ///   - vjp: given `∂L/∂output` and which inputs need it, returns `∂L/∂input_i`
    ///     (each with its input's element count) or `nil` where not needed.
    public static func custom(shape: [Int], values: [Float], inputs: [Tensor],
                              vjp: @escaping VectorJacobianProduct) -> Tensor {
        precondition(values.count == Shape.count(shape), "custom op: \(values.count) values for shape \(shape)")
        let counts = inputs.map(\.count)
        return result(shape: shape, storage: values, inputs: inputs) { gradient, needed in
            let grads = vjp(gradient, needed)
            precondition(grads.count == counts.count, "custom op VJP returned \(grads.count) gradients for \(counts.count) inputs")
            for (i, g) in grads.enumerated() where needed[i] {
                precondition(g == nil || g!.count == counts[i],
                             "custom op VJP gradient \(i) has \(g!.count) values, input has \(counts[i])")
            }
            return grads
        }
    }
}
