import DIPPDiffusion
import DIPPTensor

/// A generator whose forward pass also yields loss terms of its own — a 3-D field's opacity
/// regularisers (threestudio's "opaque" entropy and sparsity), which read the render's opacity,
/// not `x₀`.
///
/// Contract: `generateRegularized(z, conditions:)` returns exactly what `self(z, conditions:)`
/// returns, plus named scalar terms (already weighted, on the tape) that the trainer adds to the
/// generator's loss and logs under their names. Evaluation paths call the plain generator.
public protocol RegularizedGenerator: Generator {
    func generateRegularized(_ z: Tensor, conditions: Conditions) -> (sample: Tensor, terms: [(String, Tensor)])
}
