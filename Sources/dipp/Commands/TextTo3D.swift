import ArgumentParser
import DIPPComponents
import DIPPData
import DIPPNN
import DIPPPlugins
import DIPPRuns
import DiffInstruct
import Foundation

/// `dipp text-to-3d`: one prompt → a 3-D field by DI++ (or, as the ceiling, fitted to ground truth).
struct TextTo3DCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text-to-3d",
        abstract: "Train a 3-D field for a prompt by DI++ from a camera-conditioned teacher (dipp pretrain --data shapes3d).",
        discussion: "Writes turntable.png, evaluation.png, field.safetensors, mesh.ply and report.md/json into --out (Documentation/TextTo3D.md). "
            + RunOptions.defaultsDiscussion(TextTo3D.defaults))

    @OptionGroup var options: RunOptions
    @Option(help: "The prompt, e.g. \"a red torus\".") var prompt: String
    @Option(help: "Reward on the renders (a plugin PATH.so, linear:…, …; default none).") var reward: String?
    @Option(name: .customLong("reward-hyperparameter"), help: "A reward plugin's hyper-parameter, name=value (repeatable).")
    var rewardHyperparameters: [String] = []
    @Option(help: "Reward scale α_rew (default 1 with --reward).") var rewardScale: Float?
    @Flag(help: "Fit the field to the ground truth's renders instead (the ceiling; the prompt must name a shapes3d pair).")
    var fitGroundTruth = false

    func validate() throws {
        guard options.prompts == nil else {
            throw ValidationError("text-to-3d trains one field for one prompt: pass --prompt \"…\", not --prompts FILE")
        }
        if fitGroundTruth, Shapes3D.parse(prompt).0 == nil || Shapes3D.parse(prompt).1 == nil {
            throw ValidationError("--fit-ground-truth needs a prompt naming a shapes3d shape and colour, e.g. \"a red torus\"")
        }
    }

    func run() throws {
        try reportingErrors {
            var provenance = ConfigurationProvenance()
            var c = try options.configuration(defaults: TextTo3D.defaults, preset: nil, reward: reward, rewardHyperparameters: rewardHyperparameters,
                                              rewardScale: rewardScale ?? (reward == nil ? nil : 1), provenance: &provenance)
            c.prompts = [prompt]
            if options.showConfig { return try options.execute(c, provenance: provenance) }
            try options.compute.apply()
            let folder = URL(fileURLWithPath: options.out)   // made by the run once it is assembled
            if fitGroundTruth {
                let (shape, colour) = Shapes3D.parse(prompt)
                try TextTo3D.fitGroundTruth(Shapes3D.Object(shape!, colour!), configuration: c, teacherRun: TeacherRun(reference: c.teacher, components: CLI.components),
                                            folder: folder, components: CLI.components)
                print(try String(contentsOf: folder.appendingPathComponent("report.md"), encoding: .utf8))
                return
            }
            try withCommunicator { communicator in
                guard communicator.isRoot else {   // the other ranks of an mpirun job train; rank 0 measures and writes
                    _ = try TextTo3D.prepare(c, folder: folder, components: CLI.components, communicator: communicator).0.train(progress: false)
                    return
                }
                print("text-to-3d: \"\(prompt)\", \(c.generator.name) field, \(c.divergence.name), CFG \(c.algorithm.teacherGuidance) → \(options.out)"
                      + (communicator.size > 1 ? ", data-parallel over \(communicator.size) processes" : ""))
                try TextTo3D.run(c, folder: folder, components: CLI.components, communicator: communicator) { print($0) }
                print(try String(contentsOf: folder.appendingPathComponent("report.md"), encoding: .utf8))
            }
        }
    }
}
