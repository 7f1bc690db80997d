import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPNN
import DIPPRuns
import DIPPTensor
import Foundation

/// Samples a model for balanced labels, writes the PNG and `report-<name>.json` (and, when
/// asked, the raw samples as safetensors), prints the summary.
enum SampleReport {
    static func run(model: any ScoreModel, guidance: any Guidance, sampler: any Sampler, train: LabeledDataset,
                    heldOut: LabeledDataset, perClass: Int, seed: UInt64, folder: URL, classifierFolder: URL, name: String,
                    save: String? = nil, trainingSeconds: Double? = nil) throws {
        let labels = ModelEvaluation.balancedLabels(classes: train.classCount, perClass: perClass)
        var rng = RandomStream(seed: seed, .evaluationSamples)
        let start = Date()
        var chunks: [Tensor] = []
        for chunk in stride(from: 0, to: labels.count, by: 500) {
            let part = Array(labels[chunk..<min(chunk + 500, labels.count)])
            chunks.append(sampler.sample(model, guidance: guidance, conditions: Conditions(labels: part), rng: &rng))
        }
        let samples = Tensor.concat(chunks, axis: 0)
        let sampleSeconds = Date().timeIntervalSince(start)
        if let save {
            try SampleFile.write(samples: samples, conditions: Conditions(labels: labels),
                                 metadata: ["sampler": sampler.description, "seed": String(seed), "data": train.name],
                                 to: URL(fileURLWithPath: save))
        }
        let picture = folder.appendingPathComponent("samples-\(name).png").path
        try ModelEvaluation.writePicture(samples: samples, labels: labels, data: train, perClass: perClass, to: picture)
        let guided = (guidance as? ClassifierFreeGuidance).map { ", CFG \($0.scale)" } ?? ""
        var report = try ModelEvaluation.evaluate(samples: samples, labels: labels, train: train, heldOut: heldOut,
                                                  sampler: sampler.description + guided, evaluations: sampler.evaluations,
                                                  classifierFolder: classifierFolder)
        report.wallSeconds = trainingSeconds
        try ConfigurationFile.write(report, to: folder.appendingPathComponent("report-\(name).json"))
        print(report.summary)
        print(String(format: "sampled %d in %.1f s → %@%@", labels.count, sampleSeconds, picture, save.map { " and \($0)" } ?? ""))
    }
}
