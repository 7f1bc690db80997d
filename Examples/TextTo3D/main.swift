// Text-to-3D on shapes3d: per seed, a teacher conditioned on the prompt (all-MiniLM-L6-v2) and
// the camera (`dipp pretrain --config Examples/TextTo3D/teacher.json --seed k`); then, for each
// prompt, a voxel field fitted to the ground truth's renders (the ceiling), trained by DI++ with
// IKL (ProlificDreamer's VSD in DIPP's terms) and by SDS (DreamFusion) on the same budget, all
// measured by IoU, PSNR, multi-view agreement and saturation; means ± sd over seeds.
//
//   swift run -c release text-to-3d            # fast mode (CI): short runs, 1 seed, one prompt
//   swift run -c release text-to-3d --full     # full mode: Documentation/Results/TextTo3D
//   options: --seeds N (default 3; fast mode 1), --out DIR
import DIPPData
import DIPPNN
import DIPPRuns
import DiffInstruct
import ExampleSupport
import Foundation

var arguments = CommandLine.arguments
if !arguments.contains("--full"), !arguments.contains("--seeds") { arguments += ["--seeds", "1"] }
let runs = ExampleRuns(name: "text-to-3d", fullOutput: "Documentation/Results/TextTo3D", data: "shapes3d", arguments: arguments)
let command = "swift run -c release text-to-3d" + (runs.full ? " --full" : "")
let steps = runs.full ? 400 : 60
/// One training pair per shape (colours rotating) and the four held-out pairs.
let prompts: [(object: Shapes3D.Object, heldOut: Bool)] = runs.full
    ? Shapes3D.Shape.allCases.enumerated().map { i, shape in
        (Shapes3D.training.filter { $0.shape == shape }[i % 3], false)
    } + Shapes3D.heldOut.map { ($0, true) }
    : [(Shapes3D.Object(.sphere, .red), false)]

/// A field's report, cached in its folder (an interrupted example resumes; a finished prompt is reused).
func cached(_ folder: URL, _ make: () throws -> FieldReport) throws -> FieldReport {
    let file = folder.appendingPathComponent("report.json")
    if let data = FileManager.default.contents(atPath: file.path), let report = try? JSONDecoder().decode(FieldReport.self, from: data) {
        return report
    }
    return try make()
}

/// Per method, per prompt: the reports over seeds.
var reports: [String: [String: [FieldReport]]] = [:]
let methods = ["initial field (a ball)", "ceiling (fit to ground truth)", "DI++ IKL (VSD)", "SDS"]

ExampleRuns.main {
    for seed in runs.seeds {
        let teacher = try runs.teacher(seed: seed, config: "Examples/TextTo3D/teacher.json")
        let teacherRun = try TeacherRun(folder: teacher)
        let context = RunContext(teacher: teacherRun.teacher, train: teacherRun.train, seed: seed, classifierFolder: teacherRun.classifierFolder)
        for (object, _) in prompts {
            let prompt = object.prompt, name = prompt.replacingOccurrences(of: " ", with: "-")
            let base = runs.seedFolder(seed).appendingPathComponent("3d")
                    for (method, fitSteps) in [(methods[0], 0), (methods[1], steps)] {
                let folder = base.appendingPathComponent(fitSteps == 0 ? "initial-\(name)" : "fit-\(name)")
                let report = try cached(folder) {
                    print("seed \(seed): fitting \"\(prompt)\" to the ground truth (\(fitSteps) steps)")
                    let start = Date()
                    guard let field = try Components.standard().generators.make("voxel", context: context, path: "generator") as? VoxelFieldGenerator else {
                        throw ConfigurationError(location: "generator 'voxel'", what: "not a voxel field", hint: "")
                    }
                    let fitted = try TextTo3D.fitGroundTruth(object, field: field, steps: fitSteps, seed: seed)
                    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                    var report = try FieldEvaluation.measure(fitted, prompt: prompt, folder: folder,
                                                             classifier: try FieldEvaluation.classifier(renderer: fitted.renderer, folder: teacherRun.classifierFolder))
                    (report.steps, report.seconds) = (fitSteps, Date().timeIntervalSince(start))
                    try TextTo3D.write(report, to: folder)
                    return report
                }
                reports[method, default: [:]][prompt, default: []].append(report)
            }
            for (method, divergence) in [(methods[2], "ikl"), (methods[3], "sds")] {
                let folder = base.appendingPathComponent("\(divergence)-\(name)")
                let report = try cached(folder) {
                    print("seed \(seed): \(divergence) for \"\(prompt)\" (\(steps) steps)")
                    var c = TextTo3D.defaults
                    (c.teacher, c.prompts, c.divergence, c.algorithm.steps, c.algorithm.seed) = (teacher.path, [prompt], ComponentSpec(divergence), steps, seed)
                    return try TextTo3D.run(c, folder: folder, components: .standard(), progress: false)
                }
                reports[method, default: [:]][prompt, default: []].append(report)
            }
        }
    }

    func cell(_ values: [Double?], _ digits: Int = 2) -> String {
        let present = values.compactMap { $0 }
        return present.isEmpty ? "–" : SeedSpread(present).formatted(digits)
    }
    var rows: [[String]] = []
    for (object, heldOut) in prompts {
        for method in methods {
            let r = reports[method]?[object.prompt] ?? []
            rows.append([object.prompt + (heldOut ? " (held out)" : ""), method, cell(r.map(\.iou)), cell(r.map(\.psnr), 1),
                         cell(r.map(\.shapeAgreement)), cell(r.map(\.colourAgreement)), cell(r.map(\.saturation)),
                         cell(r.map(\.groundTruthSaturation)), cell(r.map(\.seconds), 0)])
        }
    }
    var summary: [[String]] = []
    for method in methods {
        for (label, held) in [("training pairs", false), ("held-out pairs", true)] {
            let r = prompts.filter { $0.heldOut == held }.flatMap { reports[method]?[$0.object.prompt] ?? [] }
            guard !r.isEmpty else { continue }
            let shapesAbove = r.filter { ($0.iou ?? 0) >= 0.5 }.count
            summary.append([method, label, cell(r.map(\.iou)), "\(shapesAbove) of \(r.count)",
                            cell(r.map(\.agreement)), cell(r.map(\.saturation))])
        }
    }
    let page = """
    # Text-to-3D on shapes3d (\(runs.mode) mode)

    Produced by `\(command)`: \(runs.seeds.count) seed(s); each seed trains its own teacher
    (`dipp pretrain --config Examples/TextTo3D/teacher.json --seed k`\(runs.full ? "" : ", 1500 steps in fast mode")); every field runs
    \(steps) steps of 8 views (the ceiling: the same optimiser on ground-truth renders). Cells are mean ± sd over seeds.
    IoU on a 48³ grid, PSNR and agreement on 8 evaluation views (elevation 30°, azimuths π/8 + kπ/4); saturation of
    the object's pixels beside the ground truth's (`Documentation/TextTo3D.md` defines each).

    ## Summary over prompts

    \(MarkdownTable(header: ["method", "prompts", "IoU", "IoU ≥ 0.5", "agreement (shape and colour)", "saturation"], rows: summary).text)

    ## Per prompt

    \(MarkdownTable(header: ["prompt", "method", "IoU", "PSNR (dB)", "shape agreement", "colour agreement", "saturation", "truth's saturation", "seconds"], rows: rows).text)

    Pictures of seed \(runs.seeds[0]): `runs/examples/shapes3d-\(runs.mode)/seed-\(runs.seeds[0])/3d/<method>-<prompt>/evaluation.png`.
    """
    try runs.publish(page)
    // Fast mode is a smoke test with a floor: the ground-truth fit must find the shape.
    let ceiling = reports[methods[1]]!.values.flatMap { $0 }.compactMap(\.iou)
    guard ceiling.allSatisfy({ $0 >= 0.5 }) else {
        print("error: the ground-truth fit reached IoU \(ceiling), below 0.5")
        exit(1)
    }
}
