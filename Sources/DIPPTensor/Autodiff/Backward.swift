/// Reverse-mode differentiation over the recorded graph.
///
/// For a scalar loss `L` (or any output with a supplied seed `v`), walks the graph from the
/// output to its leaves in reverse topological order, applying each node's vector-Jacobian
/// product and summing the contributions that reach the same tensor.
extension Tensor {
    /// Gradients of `output` with respect to `inputs` — any tracked tensors: parameters,
    /// inputs created with `requiresGrad: true`, or intermediate results.
    ///
    /// - Parameters:
    ///   - output: the tensor to differentiate.
    ///   - inputs: the tensors whose gradients are returned, in order. A tensor the output does
    ///     not depend on gets zeros.
    ///   - seed: `∂L/∂output`; defaults to ones (so for a scalar output, `dL/dL = 1`).
    ///   - ready: called with an input's index and its gradient as soon as the backward pass has
    ///     finished that gradient (inputs nearest the output first), before the rest is computed —
    ///     where a data-parallel trainer starts all-reducing it. Inputs the output does not
    ///     depend on are reported last, with zeros.
    /// - Returns: `seedᵀ · ∂output/∂input` for each input, shaped like the input.
    public static func gradients(of output: Tensor, withRespectTo inputs: [Tensor],
                                 seed: [Float]? = nil, ready: ((Int, [Float]) -> Void)? = nil) -> [Tensor] {
        let wanted = Set(inputs.map(ObjectIdentifier.init))
        var indices: [ObjectIdentifier: [Int]] = [:]
        if ready != nil {
            for (i, input) in inputs.enumerated() { indices[ObjectIdentifier(input), default: []].append(i) }
        }
        let grads = propagate(from: output, seed: seed, keep: wanted) { id, g in
            for i in indices[id] ?? [] { ready?(i, g) }
        }
        if let ready {
            for (i, input) in inputs.enumerated() where grads[ObjectIdentifier(input)] == nil {
                ready(i, [Float](repeating: 0, count: input.count))
            }
        }
        return inputs.map { input in
            Tensor(shape: input.shape,
                   storage: grads[ObjectIdentifier(input)] ?? [Float](repeating: 0, count: input.count))
        }
    }

    /// Accumulates `∂self/∂leaf` into `leaf.grad` for every leaf variable (`requiresGrad`)
    /// this tensor depends on. Call ``zeroGrad()`` on the leaves (or let an optimizer do it)
    /// before the next graph.
    public func backward(seed: [Float]? = nil) {
        let order = Tensor.topologicalOrder(from: self)
        let leaves = order.filter { $0.node == nil && $0.requiresGrad }
        let grads = Tensor.propagate(from: self, seed: seed, keep: Set(leaves.map(ObjectIdentifier.init)))
        for leaf in leaves {
            guard let g = grads[ObjectIdentifier(leaf)] else { continue }
            if let existing = leaf.grad {
                leaf.grad = Tensor(shape: leaf.shape, storage: Tensor.sum(existing.storage, g))
            } else {
                leaf.grad = Tensor(shape: leaf.shape, storage: g)
            }
        }
    }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }

    // MARK: - Implementation

    static func propagate(from output: Tensor, seed: [Float]?, keep: Set<ObjectIdentifier>,
                          finished: (ObjectIdentifier, [Float]) -> Void = { _, _ in }) -> [ObjectIdentifier: [Float]] {
        let seedValues = seed ?? [Float](repeating: 1, count: output.count)
        precondition(seedValues.count == output.count,
                     "gradient seed has \(seedValues.count) values, output has \(output.count)")
        var grads: [ObjectIdentifier: [Float]] = [ObjectIdentifier(output): seedValues]
        var kept: [ObjectIdentifier: [Float]] = [:]
        for tensor in topologicalOrder(from: output).reversed() {
            let id = ObjectIdentifier(tensor)
            guard let g = grads.removeValue(forKey: id) else { continue }
            if keep.contains(id) {   // every contribution has arrived: reverse topological order
                kept[id] = g
                finished(id, g)
            }
            guard let node = tensor.node else { continue }
            let needed = node.inputs.map(\.isTracked)
            let inputGrads = node.vjp(g, needed)
            for (i, input) in node.inputs.enumerated() where needed[i] {
                guard let gi = inputGrads[i] else { continue }
                let inputID = ObjectIdentifier(input)
                if let existing = grads[inputID] {
                    grads[inputID] = sum(existing, gi)
                } else {
                    grads[inputID] = gi
                }
            }
        }
        return kept
    }

    /// Tracked tensors reachable from `root`, each after all of its inputs (iterative DFS, so
    /// deep graphs cannot overflow the stack).
    static func topologicalOrder(from root: Tensor) -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(tensor: Tensor, expanded: Bool)] = [(root, false)]
        while let (tensor, expanded) = stack.popLast() {
            if expanded { order.append(tensor); continue }
            guard visited.insert(ObjectIdentifier(tensor)).inserted else { continue }
            stack.append((tensor, true))
            for input in tensor.node?.inputs ?? [] where input.isTracked {
                if !visited.contains(ObjectIdentifier(input)) { stack.append((input, false)) }
            }
        }
        return order
    }

    static func sum(_ a: [Float], _ b: [Float]) -> [Float] {
        precondition(a.count == b.count, "internal: gradient sizes \(a.count) and \(b.count) differ")
        var out = a
        out.withUnsafeMutableBufferPointer { o in
            b.withUnsafeBufferPointer { bb in
                for i in 0..<o.count { o[i] += bb[i] }
            }
        }
        return out
    }
}
