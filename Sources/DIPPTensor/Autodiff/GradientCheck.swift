/// Compares reverse-mode gradients with central finite differences — the check every
/// differentiable op, layer and custom node (plugins included) must pass.
///
/// For `y = f(x₁…xₙ)` and a fixed random projection `r` (so every output element matters),
/// `L = rᵀy`; the analytic gradient `∂L/∂x_ij` from ``Tensor/gradients(of:withRespectTo:seed:)``
/// is compared with `(L(x + εe_ij) − L(x − εe_ij)) / 2ε`, accumulated in Double.
/// An element passes when `|analytic − numeric| ≤ absoluteTolerance + relativeTolerance·|numeric|`.
/// Float32 forward passes limit ε: the defaults (ε = 1e-2 on O(1) inputs) keep both the
/// truncation error `O(ε²)` and the rounding error `O(10⁻⁷/ε)` near 1e-4.
public enum GradientCheck {
    /// The worst disagreement found.
    public struct Report: CustomStringConvertible, Sendable {
        /// Input index, element index, analytic and numeric values of the worst element.
        public var worst: (input: Int, element: Int, analytic: Double, numeric: Double)?
        /// Largest `|analytic − numeric| − relativeTolerance·|numeric|` seen.
        public var worstExcess: Double = -.infinity
        /// Elements compared.
        public var checked = 0
        /// Whether every element was within tolerance.
        public var passed = true

        public var description: String {
            guard let w = worst else { return "no elements checked" }
            return "\(passed ? "passed" : "FAILED"): \(checked) elements; worst at input \(w.input) element \(w.element): analytic \(w.analytic), numeric \(w.numeric)"
        }
    }

    /// Checks `f`'s gradients with respect to every element of `inputs` (leaves whose values
    /// are perturbed in place and restored) — or, with `elementsPerInput`, with respect to that
    /// many elements of each input drawn at random (for inputs too large to perturb one by one).
    public static func check(_ inputs: [Tensor], epsilon: Float = 1e-2, absoluteTolerance: Double = 5e-3,
                             relativeTolerance: Double = 1e-2, seed: UInt64 = 7, elementsPerInput: Int? = nil,
                             _ f: ([Tensor]) -> Tensor) -> Report {
        let variables = inputs.map { Tensor(shape: $0.shape, storage: $0.storage, requiresGrad: true) }
        let output = f(variables)
        var rng = RandomStream(seed: seed, .gradientCheck)
        let projection = rng.normal(output.count)
        let analytic = Tensor.gradients(of: output, withRespectTo: variables, seed: projection)
        return compare(variables, analytic: analytic, projection: projection, epsilon: epsilon, absoluteTolerance: absoluteTolerance,
                       relativeTolerance: relativeTolerance, elementsPerInput: elementsPerInput, rng: &rng) { withoutGradients { f(variables) } }
    }

    /// The same check for tensors `f` uses in place — a model's own weights, which ``check``
    /// cannot substitute with copies: each chosen element is perturbed in the tensor itself and
    /// restored.
    public static func checkInPlace(_ tensors: [Tensor], epsilon: Float = 1e-2, absoluteTolerance: Double = 5e-3,
                                    relativeTolerance: Double = 1e-2, seed: UInt64 = 7, elementsPerInput: Int? = nil,
                                    _ f: () -> Tensor) -> Report {
        let output = f()
        var rng = RandomStream(seed: seed, .gradientCheck)
        let projection = rng.normal(output.count)
        let analytic = Tensor.gradients(of: output, withRespectTo: tensors, seed: projection)
        return compare(tensors, analytic: analytic, projection: projection, epsilon: epsilon, absoluteTolerance: absoluteTolerance,
                       relativeTolerance: relativeTolerance, elementsPerInput: elementsPerInput, rng: &rng) { withoutGradients(f) }
    }

    /// Central differences of `L = rᵀ·evaluate()` in each chosen element of `variables`, against `analytic`.
    static func compare(_ variables: [Tensor], analytic: [Tensor], projection: [Float], epsilon: Float, absoluteTolerance: Double,
                        relativeTolerance: Double, elementsPerInput: Int?, rng: inout RandomStream, _ evaluate: () -> Tensor) -> Report {
        func loss() -> Double {
            zip(evaluate().storage, projection).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        var report = Report()
        for (i, variable) in variables.enumerated() {
            var elements = Array(0..<variable.count)
            if let limit = elementsPerInput, limit < elements.count { elements = Array(rng.permutation(elements.count).prefix(limit)) }
            for j in elements {
                let original = variable.storage[j]
                variable.withMutableStorage { $0[j] = original + epsilon }
                let plus = loss()
                variable.withMutableStorage { $0[j] = original - epsilon }
                let minus = loss()
                variable.withMutableStorage { $0[j] = original }
                let numeric = (plus - minus) / (2 * Double(epsilon))
                let a = Double(analytic[i].storage[j])
                let excess = Swift.abs(a - numeric) - relativeTolerance * Swift.abs(numeric)
                report.checked += 1
                if excess > report.worstExcess {
                    report.worstExcess = excess
                    report.worst = (i, j, a, numeric)
                }
                if !(excess <= absoluteTolerance) { report.passed = false }
            }
        }
        return report
    }
}
