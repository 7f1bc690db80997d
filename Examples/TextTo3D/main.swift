// Text-to-3D on shapes3d: per seed, a teacher conditioned on the prompt (all-MiniLM-L6-v2) and
// the camera (`dipp pretrain --config Examples/TextTo3D/teacher.json --seed k`); then, for each
// prompt, a voxel field fitted to the ground truth's renders (the ceiling), trained by DI++ with
// IKL (ProlificDreamer's VSD in DIPP's terms) and by SDS (DreamFusion) on the same budget, all
// measured by IoU, PSNR, multi-view agreement and saturation; means ± sd over seeds.
//
//   swift run -c release text-to-3d            # fast mode (CI): short runs, 1 seed, one prompt
//   swift run -c release text-to-3d --full     # full mode: Documentation/Results/TextTo3D
//   options: --seeds N (default 3; fast mode 1), --out DIR
import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPNN
import DIPPPlugins
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

/// `mean ± sd` of the values present ("–" when none).
func cell(_ values: [Double?], _ digits: Int = 2) -> String {
    let present = values.compactMap { $0 }
    return present.isEmpty ? "–" : SeedSpread(present).formatted(digits)
}

/// DI++ IKL on `object` for every seed with the defaults changed by `configure`, in
/// `seed-k/3d/<prefix>-<prompt>` (cached): the example's variants of its main runs.
@MainActor func variant(_ object: Shapes3D.Object, prefix: String, what: String, _ configure: (inout RunConfiguration) -> Void) throws -> [FieldReport] {
    try runs.seeds.map { seed in
        let teacher = try runs.teacher(seed: seed, config: "Examples/TextTo3D/teacher.json")
        let name = object.prompt.replacingOccurrences(of: " ", with: "-")
        let folder = runs.seedFolder(seed).appendingPathComponent("3d").appendingPathComponent("\(prefix)-\(name)")
        return try cached(folder) {
            print("seed \(seed): \(what) for \"\(object.prompt)\" (\(steps) steps)")
            var c = TextTo3D.defaults
            (c.teacher, c.prompts, c.divergence, c.algorithm.steps, c.algorithm.seed) = (teacher.path, [object.prompt], "ikl", steps, seed)
            configure(&c)
            return try TextTo3D.run(c, folder: folder, components: Components.standard().withPlugins(), progress: false)
        }
    }
}

/// A plugin built by `swift build -c release`.
func plugin(_ name: String) -> ComponentSpec {
    ComponentSpec(FileManager.default.currentDirectoryPath + "/.build/release/lib\(name).so")
}

/// Per method, per prompt: the reports over seeds.
var reports: [String: [String: [FieldReport]]] = [:]
let methods = ["initial field (a ball)", "ceiling (fit to ground truth)", "DI++ IKL (VSD)", "SDS (DI++'s σ, w = σ, CFG 3)",
               "SDS (DreamFusion's: uniform t, w = 1 − ᾱ, CFG 100)"]
/// The trained methods: divergence and what else differs from `TextTo3D.defaults`.
let trained: [(method: String, prefix: String, divergence: ComponentSpec, guidance: Float?)] = [
    (methods[2], "ikl", "ikl", nil), (methods[3], "sds", "sds", nil),
    (methods[4], "sds-dreamfusion", ComponentSpec("sds", options: ["weighting": .string("dreamfusion"),
                                                                   "noise": try! JSONValue(encoding: NoiseDistribution.dreamFusion)]), 100),
]

ExampleRuns.main {
    for seed in runs.seeds {
        let teacher = try runs.teacher(seed: seed, config: "Examples/TextTo3D/teacher.json")
        let teacherRun = try TeacherRun(folder: teacher)
        for (object, _) in prompts {
            let prompt = object.prompt, name = prompt.replacingOccurrences(of: " ", with: "-")
            let base = runs.seedFolder(seed).appendingPathComponent("3d")
            for (method, fitSteps) in [(methods[0], 0), (methods[1], steps)] {
                let folder = base.appendingPathComponent(fitSteps == 0 ? "initial-\(name)" : "fit-\(name)")
                let report = try cached(folder) {
                    print("seed \(seed): fitting \"\(prompt)\" to the ground truth (\(fitSteps) steps)")
                    var c = TextTo3D.defaults
                    (c.teacher, c.algorithm.steps, c.algorithm.seed) = (teacher.path, fitSteps, seed)
                    return try TextTo3D.fitGroundTruth(object, configuration: c, teacherRun: teacherRun, folder: folder, components: .standard())
                }
                reports[method, default: [:]][prompt, default: []].append(report)
            }
            for (method, prefix, divergence, guidance) in trained {
                let folder = base.appendingPathComponent("\(prefix)-\(name)")
                let report = try cached(folder) {
                    print("seed \(seed): \(prefix) for \"\(prompt)\" (\(steps) steps)")
                    var c = TextTo3D.defaults
                    (c.teacher, c.prompts, c.divergence, c.algorithm.steps, c.algorithm.seed) = (teacher.path, [prompt], divergence, steps, seed)
                    if let guidance { c.algorithm.teacherGuidance = .constant(guidance) }
                    return try TextTo3D.run(c, folder: folder, components: .standard(), progress: false)
                }
                reports[method, default: [:]][prompt, default: []].append(report)
            }
        }
    }

    // A reward plugin on the renders: DI++ IKL with the WarmthReward C plugin at α_rew 1, beside the
    // control at α_rew 0 (the same run, which still measures the reward).
    var rewardRows: [[String]] = []
    let rewardPrompts = runs.full ? [Shapes3D.Object(.cube, .blue), Shapes3D.Object(.cylinder, .green)] : []
    for object in rewardPrompts {
        let warmth = { (scale: Float) throws -> [FieldReport] in
            try variant(object, prefix: scale == 1 ? "ikl-warmth" : "ikl-warmth-control", what: "ikl + warmth at α_rew \(scale)") {
                ($0.reward, $0.algorithm.rewardScale) = (plugin("WarmthReward"), .constant(scale))
            }
        }
        let (r, plain) = (try warmth(1), try warmth(0))
        rewardRows.append([object.prompt, cell(plain.map(\.iouSignedDistance)), cell(r.map(\.iouSignedDistance)),
                           cell(plain.map(\.fScore)), cell(r.map(\.fScore)), cell(plain.map(\.meanReward), 3), cell(r.map(\.meanReward), 3),
                           cell(plain.map(\.colourAgreement)), cell(r.map(\.colourAgreement))])
    }

    // The orientation regulariser (off by default): the DI++ IKL run again with the voxel field's
    // `orientationWeight`, beside the run without it.
    let orientationWeight = 10.0
    var orientationRows: [[String]] = []
    for object in runs.full ? [Shapes3D.Object(.torus, .yellow)] : [] {
        let r = try variant(object, prefix: "ikl-orientation", what: "ikl + orientation \(orientationWeight)") {
            $0.generator = ComponentSpec("voxel", options: ["orientationWeight": .number(orientationWeight)])
        }
        let plain = reports[methods[2]]?[object.prompt] ?? []
        orientationRows.append([object.prompt, cell(plain.map(\.iouSignedDistance)), cell(r.map(\.iouSignedDistance)),
                                cell(plain.map(\.chamfer), 3), cell(r.map(\.chamfer), 3), cell(plain.map(\.fScore)), cell(r.map(\.fScore)),
                                cell(plain.map(\.psnr), 1), cell(r.map(\.psnr), 1),
                                cell(plain.map(\.seconds), 0), cell(r.map(\.seconds), 0)])
    }

    var rows: [[String]] = []
    for (object, heldOut) in prompts {
        for method in methods {
            let r = reports[method]?[object.prompt] ?? []
            rows.append([object.prompt + (heldOut ? " (held out)" : ""), method, cell(r.map(\.iouSignedDistance)), cell(r.map(\.chamfer), 3),
                         cell(r.map(\.fScore)), cell(r.map(\.iou)), cell(r.map(\.psnr), 1),
                         cell(r.map(\.shapeAgreement)), cell(r.map(\.colourAgreement)), cell(r.map(\.saturation)),
                         cell(r.map(\.groundTruthSaturation)), cell(methods.prefix(2).contains(method) ? [] : r.map(\.seconds), 0)])
        }
    }
    // The NeRF-style C plugin (Plugins/NeRFGenerator) through the same trainer, beside the voxel field.
    var nerfRows: [[String]] = []
    let nerfPrompts = runs.full ? [Shapes3D.Object(.cube, .blue), Shapes3D.Object(.cone, .red)] : []
    for object in nerfPrompts {
        let r = try variant(object, prefix: "nerf-ikl", what: "the NeRF plugin, ikl") {
            ($0.generator, $0.algorithm.generatorLearningRate) = (plugin("NeRFGenerator"), 5e-3)
        }
        let voxel = reports[methods[2]]?[object.prompt] ?? []
        nerfRows.append([object.prompt, cell(voxel.map(\.iouSignedDistance)), cell(r.map(\.iouSignedDistance)), cell(voxel.map(\.fScore)),
                         cell(r.map(\.fScore)), cell(voxel.map(\.agreement)), cell(r.map(\.agreement)),
                         cell(voxel.map(\.psnr), 1), cell(r.map(\.psnr), 1), cell(r.map(\.seconds), 0)])
    }

    var summary: [[String]] = []
    for method in methods {
        for (label, held) in [("training pairs", false), ("held-out pairs", true)] {
            let r = prompts.filter { $0.heldOut == held }.flatMap { reports[method]?[$0.object.prompt] ?? [] }
            guard !r.isEmpty else { continue }
            let shapesAbove = r.filter { ($0.iouSignedDistance ?? 0) >= 0.5 }.count
            summary.append([method, label, cell(r.map(\.iouSignedDistance)), cell(r.map(\.chamfer), 3), cell(r.map(\.fScore)),
                            "\(shapesAbove) of \(r.count)", cell(r.map(\.iou)), cell(r.map(\.agreement)), cell(r.map(\.saturation))])
        }
    }
    let rewardSection = rewardRows.isEmpty ? "" : "## A reward plugin on the renders\n\n"
        + "DI++ IKL with `--reward .build/release/libWarmthReward.so --reward-scale 1` (the warmth of a render, `(1/2P)Σ(R − B)`;\n"
        + "`Plugins/WarmthReward`) beside the control, the same run at `--reward-scale 0`. Warmth: the mean reward of the trained\n"
        + "field over 1000 turntable renders.\n\n"
        + MarkdownTable(header: ["prompt", "IoU vs d < 0, α_rew 0", "IoU vs d < 0, α_rew 1", "F-score, α_rew 0", "F-score, α_rew 1",
                                 "warmth, α_rew 0", "warmth, α_rew 1",
                                 "colour agreement, α_rew 0", "colour agreement, α_rew 1"], rows: rewardRows).text + "\n"
    let nerfSection = nerfRows.isEmpty ? "" : "## The NeRF-style C plugin\n\n"
        + "`--generator .build/release/libNeRFGenerator.so --learning-rate 5e-3` (`Plugins/NeRFGenerator`: an MLP field on a positional\n"
        + "encoding with its own ray marching and VJP, cameras through the ABI's conditions, the field through `dipp.field/1`), DI++ IKL,\n"
        + "beside the voxel field's DI++ IKL run on the same prompt.\n\n"
        + MarkdownTable(header: ["prompt", "IoU vs d < 0 voxel", "IoU vs d < 0 NeRF", "F-score voxel", "F-score NeRF", "agreement voxel",
                                 "agreement NeRF", "PSNR voxel", "PSNR NeRF", "NeRF seconds"],
                        rows: nerfRows).text + "\n"
    let orientationSection = orientationRows.isEmpty ? "" : "## The orientation regulariser\n\n"
        + "DI++ IKL with `\"generator\": {\"name\": \"voxel\", \"orientationWeight\": \(Int(orientationWeight))}` (Ref-NeRF's term: visible surface\n"
        + "whose normal faces away from the camera is penalised) beside the same run without it.\n\n"
        + MarkdownTable(header: ["prompt", "IoU vs d < 0, without", "IoU vs d < 0, with", "Chamfer, without", "Chamfer, with",
                                 "F-score, without", "F-score, with", "PSNR, without", "PSNR, with",
                                 "seconds, without", "seconds, with"], rows: orientationRows).text + "\n"
    let page = """
    # Text-to-3D on shapes3d (\(runs.mode) mode)

    Produced by `\(command)`: \(runs.seeds.count) seed(s); each seed trains its own teacher
    (`dipp pretrain --config Examples/TextTo3D/teacher.json --seed k`\(runs.full ? "" : ", 1500 steps in fast mode")); every field runs
    \(steps) steps of 8 views (the ceiling: the same optimiser on ground-truth renders). Cells are mean ± sd over seeds.
    Shape scores first: "IoU vs d < 0" on a 48³ grid (the field occupied where a pixel-wide cube of its density is more
    opaque than not, against the exact solid d < 0); Chamfer distance (box units, [−1, 1]³; objects are about 1.1 wide) and
    F-score at τ = \(FieldEvaluation.fScoreTolerance) between \(FieldEvaluation.surfaceSampleCount) points on the field's mesh and as many on the true
    surface; then "IoU (opacity rule)", which occupies the ground truth by the same opacity rule as the field (d < about
    0.036 at 16×16 renders: fair for ranking methods, flattering as a shape score, and it moves with render resolution).
    PSNR and agreement on 8 evaluation views (elevation 30°, azimuths π/8 + kπ/4); saturation of the object's pixels
    beside the ground truth's (`Documentation/TextTo3D.md` defines each). The initial field (a ball) is the floor.
    SDS is run twice: with DI++'s σ distribution, weight σ on ε̂ − ε and CFG 3 (the like-for-like baseline), and in
    DreamFusion's configuration — t uniform on {20, …, 980} of Stable Diffusion's scaled-linear VP schedule (β 0.00085 →
    0.012), read as σ = √((1 − ᾱ)/ᾱ) ∈ [0.14, 13.0] for the EDM teacher, w = 1 − ᾱ, CFG 100.

    ## Summary over prompts

    Mean ± sd over the prompts of each group (and the seeds); "IoU ≥ 0.5" counts fields by IoU vs d < 0.

    \(MarkdownTable(header: ["method", "prompts", "IoU vs d < 0", "Chamfer", "F-score", "IoU ≥ 0.5", "IoU (opacity rule)", "agreement (shape and colour)",
                             "saturation"], rows: summary).text)

    ## Per prompt

    \(MarkdownTable(header: ["prompt", "method", "IoU vs d < 0", "Chamfer", "F-score", "IoU (opacity rule)", "PSNR (dB)", "shape agreement", "colour agreement", "saturation", "truth's saturation", "training seconds"], rows: rows).text)

    \(rewardSection)\(nerfSection)\(orientationSection)Pictures of seed \(runs.seeds[0]) (each: the field's 8 evaluation views above the ground truth's), copied beside this page as
    `<method>-<prompt>.png` from `runs/examples/shapes3d-\(runs.mode)/seed-\(runs.seeds[0])/3d/<method>-<prompt>/evaluation.png`.
    """
    try runs.publish(page)
    let pictures = runs.seedFolder(runs.seeds[0]).appendingPathComponent("3d")
    for folder in (try? FileManager.default.contentsOfDirectory(atPath: pictures.path)) ?? [] where !folder.hasPrefix("initial") {
        let target = runs.output.appendingPathComponent("\(folder).png")
        try? FileManager.default.removeItem(at: target)
        try? FileManager.default.copyItem(at: pictures.appendingPathComponent(folder).appendingPathComponent("evaluation.png"), to: target)
    }
    // Fast mode is a smoke test with a floor: the ground-truth fit must find the shape.
    let ceiling = reports[methods[1]]!.values.flatMap { $0 }.compactMap(\.iou)
    guard ceiling.allSatisfy({ $0 >= 0.5 }) else {
        print("error: the ground-truth fit reached IoU \(ceiling), below 0.5")
        exit(1)
    }
}
