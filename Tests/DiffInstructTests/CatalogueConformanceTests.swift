import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPNN
import DIPPRuns
import DIPPTensor
import DiffInstruct
import Foundation
import Testing

/// Every registered entry of every kind with a contract passes its kind's checker, built with
/// its defaults in each probe it accepts (``Conformance/checkCatalogue(_:probes:kinds:)``): the
/// built-ins and the contributed components of `Components/` alike, with no list of names here.
@Suite(.serialized) struct CatalogueConformanceTests {
    /// The standard catalogue plus the contributed components (``Contributed/all``).
    static let catalogue: Components = {
        let c = Components.standard()
        c.register(Contributed.all)
        return c
    }()

    nonisolated(unsafe) static let probes: [ConformanceProbe] = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-conformance-\(UUID())")
        return try! ConformanceProbe.standard(catalogue, classifierFolder: folder)
    }()

    static let kinds = ["generator", "divergence", "reward", "guidance", "TA objective", "sampler", "evaluator", "data set",
                        "denoiser architecture"]

    @Test(arguments: kinds) func everyRegisteredEntryConforms(kind: String) {
        for entry in Conformance.checkCatalogue(Self.catalogue, probes: Self.probes, kinds: [kind]) {
            #expect(entry.passed, "\(entry)")
        }
    }

    /// The catalogue check fails a component that breaks its contract or throws something else
    /// than a configuration error (a check that cannot fail is no test).
    @Test func catalogueCheckFailsBrokenEntries() {
        let c = Components()
        c.rewards.register("misnamed", summary: "") { _ in LinearReward(direction: [1, 1], name: "other") }
        c.divergences.register("crashing", summary: "") { _ -> any Divergence in throw CocoaError(.fileNoSuchFile) }
        c.samplers.register("refusing", summary: "") { _ -> any Sampler in
            throw ConfigurationError(location: "sampler", what: "never", hint: "")
        }
        c.assistantObjectives.register("misnamed-ta", summary: "") { _ -> any AssistantObjective in
            struct Misnamed: AssistantObjective {
                var name: String { "edm" }
                func loss(assistant: any ScoreModel, guidance: any Guidance, x0: Tensor, noisy: Tensor, sigma: Tensor, conditions: Conditions) -> Tensor {
                    -EDMAssistantObjective().loss(assistant: assistant, guidance: guidance, x0: x0, noisy: noisy, sigma: sigma, conditions: conditions)
                }
            }
            return Misnamed()
        }
        let results = Conformance.checkCatalogue(c, probes: [Self.probes[0]])
        #expect(results.map(\.name) == ["crashing", "misnamed", "misnamed-ta", "refusing"])
        #expect(results.allSatisfy { !$0.passed })
        #expect(results[1].results.first?.results.first { $0.check == "name" }?.passed == false)
        #expect(results[2].results.first?.results.map(\.passed) == [false, false], "the wrong name and the maximised loss both fail")
        #expect(results[3].refusals.count == 1 && results[3].results.isEmpty)
    }
}
