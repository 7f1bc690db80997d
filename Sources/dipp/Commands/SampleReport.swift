import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPNN
import DIPPTensor
import Foundation

/// Samples a model for balanced labels, writes the PNG and `report-<name>.json`, prints the summary.
enum SampleReport {
    static func run(model: any ScoreModel, guidance: ClassifierFreeGuidance, sampler: HeunSampler, train: LabeledDataset,
                    heldOut: LabeledDataset, perClass: Int, seed: UInt64, folder: URL, name: String,
                    trainingSeconds: Double? = nil) throws {
        let labels = ModelEvaluation.balancedLabels(classes: train.classCount, perClass: perClass)
        var rng = RandomStream(seed: seed, stream: 0x5A3B)
        let start = Date()
        var chunks: [Tensor] = []
        for chunk in stride(from: 0, to: labels.count, by: 500) {
            let part = Array(labels[chunk..<min(chunk + 500, labels.count)])
            chunks.append(sampler.sample(model, guidance: guidance, conditions: Conditions(labels: part), rng: &rng))
        }
        let samples = Tensor.concat(chunks, axis: 0)
        let sampleSeconds = Date().timeIntervalSince(start)
        let picture = folder.appendingPathComponent("samples-\(name).png").path
        try ModelEvaluation.writePicture(samples: samples, labels: labels, data: train, perClass: perClass, to: picture)
        var report = try ModelEvaluation.evaluate(samples: samples, labels: labels, train: train, heldOut: heldOut,
                                                  sampler: "Heun \(sampler.steps) steps, CFG \(guidance.scale)",
                                                  evaluations: sampler.evaluations,
                                                  classifierFolder: folder.deletingLastPathComponent().appendingPathComponent("classifiers"))
        report.wallSeconds = trainingSeconds
        try ConfigurationFile.write(report, to: folder.appendingPathComponent("report-\(name).json"))
        print(report.summary)
        print(String(format: "sampled %d in %.1f s → %@", labels.count, sampleSeconds, picture))
    }
}
