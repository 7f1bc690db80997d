import DIPPComponents
import DIPPDiffusion
import DIPPTensor
import DiffInstruct

/// A contributor's divergence, in one file: IKL at half strength, reporting its factor. Its
/// registration is one line of ``Contributed/all``; it is trained through `AlignmentRun` (what
/// `dipp align` runs) in `RegistryTests`.
struct HalvedIntegralKL: Divergence, Codable, ComponentRegistration {
    var factor: Float = 0.5
    var name: String { "halved-ikl" }

    func generatorLoss(_ inputs: DivergenceInputs) -> DivergenceTerm {
        let term = IntegralKL().generatorLoss(inputs)
        return DivergenceTerm(loss: term.loss * factor, diagnostics: term.diagnostics + [("ikl_factor", factor)])
    }

    static func register(in components: Components) {
        components.divergences.register("halved-ikl", summary: "IKL at a factor (a contributor's divergence)", options: HalvedIntegralKL()) { o, _ in o }
    }
}
