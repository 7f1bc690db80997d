// A reward plugin in Swift, written with the plugin SDK: the in-project digits classifier's
// log p(c | x) (DIPP's own `ClassifierReward`), exported through `dipp.reward/1`.
// The classifier is trained on the bundled digits when an instance is created (seeded,
// 8 epochs, a few seconds) — a plugin ships its own model.
import DIPPData
import DIPPEvaluation
import DIPPPluginSDK
import DIPPTensor
import DiffInstruct
import Foundation

@_cdecl("dipp_plugin_entry")
public func dippPluginEntry(_ hostMajor: UInt32) -> UnsafeRawPointer? {
    RewardPluginExport.entry(hostMajor, id: "dipp.example.swift-classifier", name: "Digits classifier log p(c|x) (Swift)",
                             version: "1.0.0", sampleShape: [64]) { hyperparameters in
        guard hyperparameters.isEmpty else { throw DataError(location: "create", what: "no hyper-parameters expected", hint: "pass none") }
        let digits = try Digits.load()
        let (train, _) = digits.split(fraction: 0.5, seed: 0)
        return ClassifierReward(classifier: try Classifier.train(on: train, configuration: .init(epochs: 8)))
    }
}
