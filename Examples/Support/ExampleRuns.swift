import DIPPComponents
import DIPPDiffusion
import DIPPEvaluation
import DIPPNN
import DIPPRuns
import DiffInstruct
import Foundation

/// What the examples share: their command line (`--full`, `--seeds N`, `--out DIR`), one digits
/// teacher per seed, and DI++ runs whose reports and timings are cached in their run folders, so
/// an interrupted example resumes and a second example reuses the first one's runs.
///
/// Layout: `runs/examples/<data>-<mode>/seed-<k>/teacher`, `…/seed-<k>/<run name>`.
public struct ExampleRuns {
    /// The teachers' data set (`digits`; `digits-text` for the text-prompt example).
    public let data: String
    public let full: Bool
    public let seeds: [UInt64]
    public let root: URL
    /// Where the tables and plots go (full mode: next to the page that quotes them).
    public let output: URL

    public var mode: String { full ? "full" : "fast" }

    /// Parses `--full`, `--seeds N` (default 3) and `--out DIR` (default: `fullOutput` in full
    /// mode, `runs/examples/<name>-fast` otherwise).
    public init(name: String, fullOutput: String, data: String = "digits", arguments: [String] = CommandLine.arguments) {
        self.data = data
        full = arguments.contains("--full")
        func value(_ flag: String) -> String? {
            arguments.firstIndex(of: flag).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
        }
        let count = value("--seeds").flatMap(Int.init) ?? 3
        seeds = (0..<UInt64(max(count, 1))).map { $0 }
        root = URL(fileURLWithPath: "runs/examples/\(data)-\(full ? "full" : "fast")")
        output = URL(fileURLWithPath: value("--out") ?? (full ? fullOutput : "runs/examples/\(name)-fast"))
    }

    public func seedFolder(_ seed: UInt64) -> URL { root.appendingPathComponent("seed-\(seed)") }

    /// The teacher of `seed` (`dipp pretrain --data <data> --seed k`, or `--config <config>`;
    /// fast mode: 1500 steps instead of the configuration's), trained once.
    public func teacher(seed: UInt64, config: String? = nil) throws -> URL {
        let folder = seedFolder(seed).appendingPathComponent("teacher")
        if (try? EDMDenoiser.load(runFolder: folder)) != nil,
           FileManager.default.fileExists(atPath: folder.appendingPathComponent("teacher.safetensors").path) { return folder }
        var c = TeacherTrainingConfiguration()
        if let config { c = try ConfigurationFile.read(config, over: c) } else { c.steps = 4000 }
        c.data = data
        c.seed = seed
        if !full { c.steps = 1500 }
        print("seed \(seed): pre-training the \(data) teacher (\(c.steps) steps)")
        _ = try TeacherTrainer(configuration: c, folder: folder).run(progress: false)
        return folder
    }

    /// The teacher of `seed` sampled with 18-step Heun (1000 class-balanced samples), cached.
    public func teacherReport(seed: UInt64) throws -> EvaluationReport {
        let folder = try teacher(seed: seed)
        let file = folder.appendingPathComponent("report-teacher-heun.json")
        if let data = FileManager.default.contents(atPath: file.path), let report = try? JSONDecoder().decode(EvaluationReport.self, from: data) {
            return report
        }
        return try SampleReport.sampleTeacher(model: folder.path, sampler: "heun", perClass: 100, seed: seed, name: "teacher-heun", print: { _ in })
    }

    /// A finished run: its final report, the training time and the logged curve.
    public struct Result: Codable {
        public var report: EvaluationReport
        public var steps: Int
        /// Training and final evaluation, measured when the run trained from step 0 (a resumed
        /// run has no comparable time: `nil`).
        public var seconds: Double?
        public var stepsPerSecond: Double? { seconds.map { Double(steps) / $0 } }
    }

    /// Runs (or reuses) the DI++ run `name` of `seed`: `configure` fills in the configuration
    /// (its teacher and seed are set here).
    public func run(_ name: String, seed: UInt64, base: RunConfiguration, initialWeights: URL? = nil, components: Components = .standard(),
                    configure: (inout RunConfiguration) -> Void) throws -> (result: Result, folder: URL) {
        let folder = seedFolder(seed).appendingPathComponent(name)
        let file = folder.appendingPathComponent("result.json")
        if let data = FileManager.default.contents(atPath: file.path), let result = try? JSONDecoder().decode(Result.self, from: data) {
            return (result, folder)
        }
        var c = base
        c.teacher = try teacher(seed: seed).path
        c.algorithm.seed = seed
        configure(&c)
        let fresh = !FileManager.default.fileExists(atPath: folder.appendingPathComponent("config.json").path)
        print("seed \(seed): \(name) (\(c.algorithm.steps) steps)")
        let start = Date()
        let run = try AlignmentRun(configuration: c, folder: folder, components: components, initialWeights: initialWeights)
        let report = try run.run(progress: false)
        let result = Result(report: report, steps: c.algorithm.steps, seconds: fresh ? Date().timeIntervalSince(start) : nil)
        try ConfigurationFile.write(result, to: file)
        return (result, folder)
    }

    /// The seed's Diff-Instruct generator (`dipp distill --steps 2000`, IKL unit; fast mode: 200
    /// steps): the starting point of every alignment. Shared by the examples.
    public func distilled(seed: UInt64) throws -> (result: Result, folder: URL) {
        let steps = full ? 2000 : 200
        return try run("ikl-unit-\(steps)", seed: seed, base: .distillDefaults) { c in
            c.divergence = ComponentSpec("ikl", options: ["weighting": .string("unit")])
            c.algorithm.steps = steps
            c.algorithm.generatorLearningRate = 1e-4
            c.progressEvery = full ? 100 : 50
            c.progressSamples = 500
        }
    }

    /// `(step, value)` of a logged metric in a run folder's `metrics.jsonl`.
    public static func curve(_ folder: URL, metric: String) -> [(step: Int, value: Double)] {
        RunComparison.curves(folder)[metric] ?? []
    }

    /// The mean curve over seeds (steps every run logged), with its standard deviation.
    public static func meanCurve(_ curves: [[(step: Int, value: Double)]], name: String) -> LinePlot.Series {
        var steps = Set(curves.first?.map(\.step) ?? [])
        for curve in curves.dropFirst() { steps.formIntersection(curve.map(\.step)) }
        let sorted = steps.sorted()
        let spreads = sorted.map { step in SeedSpread(curves.compactMap { $0.first { $0.step == step }?.value }) }
        return LinePlot.Series(name: name, x: sorted.map(Double.init), y: spreads.map { $0.mean }, band: spreads.map { $0.standardDeviation })
    }

    /// Writes an example's page to `output/results.md` and prints it.
    public func publish(_ page: String) throws {
        try write(page, to: "results.md")
        print(page)
    }

    /// Runs an example's body: an error is printed and the process exits with status 2.
    @MainActor public static func main(_ body: @MainActor () throws -> Void) {
        do {
            try body()
        } catch {
            print("error: \(error)")
            exit(2)
        }
    }

    /// Writes `text` to `output/file`, creating the folder.
    public func write(_ text: String, to file: String) throws {
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: output.appendingPathComponent(file), options: .atomic)
        print("wrote \(output.appendingPathComponent(file).path)")
    }
}
