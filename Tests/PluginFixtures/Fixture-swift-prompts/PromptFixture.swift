// An ABI 1.2 reward written with the Swift SDK that reads the prompt strings, with a closed form
// the tests check exactly: samples are 2-vectors, conditions carry text [2] with prompts,
//   r(x, c) = mean(x) + 0.01·(characters in the prompt)   (∂r/∂xᵢ = ½).
import DIPPDiffusion
import DIPPPluginSDK
import DIPPTensor
import DiffInstruct

struct PromptLengthReward: RewardModel {
    var name: String { "prompt-length" }
    func reward(_ x: Tensor, conditions: Conditions) -> Tensor {
        let lengths = (conditions.text?.prompts ?? [String](repeating: "", count: conditions.count)).map { Float($0.count) * 0.01 }
        return x.mean(axis: 1) + Tensor(shape: [x.shape[0]], storage: lengths)
    }
}

@_cdecl("dipp_plugin_entry")
public func dippPluginEntry(_ hostMajor: UInt32) -> UnsafeRawPointer? {
    RewardPluginExport.entry(hostMajor, id: "dipp.fixture.swift-prompts", name: "prompt length (Swift, ABI 1.2)", version: "1.2.0",
                             sampleShape: [2], textDimension: 2) { _ in PromptLengthReward() }
}
