import Foundation

/// Softmax, log-softmax and cross-entropy over the last axis.
extension Tensor {
    /// `softmax(x)_j = e^{x_j − m} / Σ_k e^{x_k − m}` over the last axis (`m` the row maximum).
    /// VJP: `∂x_j = y_j·(g_j − Σ_k g_k y_k)`.
    public func softmax() -> Tensor {
        precondition(rank >= 1 && shape[rank - 1] > 0, "softmax needs a non-empty last axis")
        let n = shape[rank - 1]
        let y = BroadcastKernels.map(Tensor.logSoftmaxRows(storage, rowLength: n)) { Foundation.exp($0) }
        return Tensor.result(shape: shape, storage: y, inputs: [self]) { g, _ in
            var grad = [Float](repeating: 0, count: g.count)
            for r in 0..<(g.count / n) {
                let base = r * n
                var dot: Float = 0
                for j in 0..<n { dot += g[base + j] * y[base + j] }
                for j in 0..<n { grad[base + j] = y[base + j] * (g[base + j] - dot) }
            }
            return [grad]
        }
    }

    /// `log_softmax(x)_j = x_j − log Σ_k e^{x_k}` over the last axis (max-shifted for stability).
    /// VJP: `∂x = g − softmax(x)·Σ_j g_j`.
    public func logSoftmax() -> Tensor {
        precondition(rank >= 1 && shape[rank - 1] > 0, "logSoftmax needs a non-empty last axis")
        let n = shape[rank - 1]
        let y = Tensor.logSoftmaxRows(storage, rowLength: n)
        return Tensor.result(shape: shape, storage: y, inputs: [self]) { g, _ in
            var grad = [Float](repeating: 0, count: g.count)
            for r in 0..<(g.count / n) {
                let base = r * n
                var total: Float = 0
                for j in 0..<n { total += g[base + j] }
                for j in 0..<n { grad[base + j] = g[base + j] - Foundation.exp(y[base + j]) * total }
            }
            return [grad]
        }
    }

    /// Mean cross-entropy of `[N, C]` logits against integer labels:
    /// `L = −(1/N) Σ_i log_softmax(x_i)_{label_i}`. VJP: `(softmax(x_i) − onehot(label_i))/N`.
    public func crossEntropy(labels: [Int]) -> Tensor {
        precondition(rank == 2 && labels.count == shape[0], "crossEntropy needs [N, C] logits and N labels")
        let (rows, n) = (shape[0], shape[1])
        for l in labels { precondition(l >= 0 && l < n, "crossEntropy: label \(l) is outside 0..<\(n)") }
        let logp = Tensor.logSoftmaxRows(storage, rowLength: n)
        var loss: Float = 0
        for (r, l) in labels.enumerated() { loss -= logp[r * n + l] }
        loss /= Float(Swift.max(rows, 1))
        return Tensor.result(shape: [], storage: [loss], inputs: [self]) { g, _ in
            let scale = g[0] / Float(Swift.max(rows, 1))
            var grad = BroadcastKernels.map(logp) { Foundation.exp($0) * scale }
            for (r, l) in labels.enumerated() { grad[r * n + l] -= scale }
            return [grad]
        }
    }

    static func logSoftmaxRows(_ x: [Float], rowLength n: Int) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        for r in 0..<(x.count / n) {
            let base = r * n
            var m = -Float.infinity
            for j in 0..<n { m = Swift.max(m, x[base + j]) }
            var total: Float = 0
            for j in 0..<n { total += Foundation.exp(x[base + j] - m) }
            let logTotal = m + Foundation.log(total)
            for j in 0..<n { y[base + j] = x[base + j] - logTotal }
        }
        return y
    }
}
