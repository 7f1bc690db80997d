// Pre-trains the class-conditional digits teacher, samples it with the 18-step Heun sampler
// and checks its target: the in-project classifier labels ≥ 90% of the samples as
// their class. Exits non-zero when the target is missed.
//
//   swift run -c release digits-teacher          # fast mode (CI): 3000 steps
//   swift run -c release digits-teacher --full   # full mode: 8000 steps (the documented figures)
import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DIPPNN
import DIPPRuns
import DIPPTensor
import Foundation

let full = CommandLine.arguments.contains("--full")
var configuration = TeacherTrainingConfiguration()
configuration.data = "digits"
configuration.steps = full ? 8000 : 3000
let folder = URL(fileURLWithPath: "runs/example-digits-teacher-\(full ? "full" : "fast")")
do {
    let start = Date()
    let trainer = try TeacherTrainer(configuration: configuration, folder: folder)
    let teacher = try trainer.run(progress: false)
    let seconds = Date().timeIntervalSince(start)
    let labels = ModelEvaluation.balancedLabels(classes: 10, perClass: 100)
    var rng = RandomStream(seed: 1, stream: 9)
    let samples = HeunSampler().sample(teacher, guidance: ClassifierFreeGuidance(), conditions: Conditions(labels: labels), rng: &rng)
    try ModelEvaluation.writePicture(samples: samples, labels: labels, data: trainer.data, perClass: 16,
                                     to: folder.appendingPathComponent("samples.png").path)
    let report = try Components.standard().evaluate(samples: samples, labels: labels, train: trainer.data, heldOut: trainer.heldOut,
                                              sampler: "Heun 18 steps", evaluations: 35,
                                              classifierFolder: folder.appendingPathComponent("classifiers"))
    print(report.summary)
    print(String(format: "training: %d steps in %.1f s", configuration.steps, seconds))
    let accuracy = report.image?.classAccuracy ?? 0
    guard accuracy >= 0.9 else {
        print(String(format: "MISSED: class accuracy %.1f%% < 90%%", 100 * accuracy))
        exit(1)
    }
    print("target met: class accuracy ≥ 90%")
} catch {
    print("error: \(error)")
    exit(2)
}
