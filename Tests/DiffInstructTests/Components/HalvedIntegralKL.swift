import DIPPDiffusion
import DIPPTensor
import DiffInstruct

/// A user's divergence, in one file: IKL at half strength, reporting its factor. Registered in
/// `RegistryTests` with one line and trained through `AlignmentRun` (what `dipp align` runs).
struct HalvedIntegralKL: Divergence, Codable {
    var factor: Float = 0.5
    var name: String { "halved-ikl" }

    func generatorLoss(_ inputs: DivergenceInputs) -> DivergenceTerm {
        let term = IntegralKL().generatorLoss(inputs)
        return DivergenceTerm(loss: term.loss * factor, diagnostics: term.diagnostics + [("ikl_factor", factor)])
    }
}
