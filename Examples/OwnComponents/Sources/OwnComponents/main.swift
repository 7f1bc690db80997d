import DIPPComponents
import DIPPNN
import DIPPRuns
import DiffInstruct
import Foundation

// 1. A catalogue with DIPP's built-ins and this package's two components: one line.
let components = Components.standard()
components.register([SigmaWeightedIKL.self, RadiusReward.self])

// 2. The conformance checkers on them, built in DIPP's probes (2-D points, digits, captioned
//    digits, rendered views) as its own tests build every built-in.
let out = URL(fileURLWithPath: CommandLine.arguments.dropFirst().first ?? "runs/own-components")
let probes = try ConformanceProbe.standard(components, classifierFolder: out.appendingPathComponent("classifiers"))
let checked = Conformance.checkCatalogue(components, probes: probes, kinds: ["divergence", "reward"], names: ["sigma-ikl", "radius"])
checked.forEach { print($0) }
guard checked.count == 2, checked.allSatisfy(\.passed) else { print("a component fails its checks"); exit(1) }

// 3. A teacher from the library (what `dipp pretrain --data gmm2d` does), then DI++ with both.
var teacher = TeacherTrainingConfiguration()
(teacher.data, teacher.hidden, teacher.steps, teacher.batchSize, teacher.checkpointEvery) = ("gmm2d", [64, 64], 300, 128, 300)
try TeacherTrainer(configuration: teacher, folder: out.appendingPathComponent("teacher"), components: components).run(progress: false)
var run = RunConfiguration.alignDefaults
run.teacher = out.appendingPathComponent("teacher").path
(run.divergence, run.reward) = (ComponentSpec("sigma-ikl", options: ["c": .number(0.3)]), ComponentSpec("radius", options: ["radius": .number(1)]))
(run.algorithm.steps, run.algorithm.batchSize, run.algorithm.rewardScale, run.reportPerClass) = (100, 128, 1, 50)
let report = try AlignmentRun(configuration: run, folder: out.appendingPathComponent("aligned"), components: components).run(progress: false)
print(report.summary)
let (before, after) = (report.initialMeanReward ?? .nan, report.meanReward ?? .nan)
print(String(format: "mean reward (radius 1): %.3f → %.3f", before, after))
guard after > before else { print("the reward did not rise"); exit(1) }
