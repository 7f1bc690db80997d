import ArgumentParser
import DIPPNN
import DIPPRuns
import DIPPTensor
import Foundation

/// `dipp sweep`: a grid of settings × seeds, each cell's run its own `dipp` process and folder,
/// then a table and a frontier plot (``Sweep``, ``SweepReport``).
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a command over a grid of settings and seeds, then tabulate the metrics (mean ± sd) and plot the frontier.",
        discussion: """
        Example: dipp sweep --grid rewardScale=0,1,2 --grid teacherGuidance=1,4.5 --seeds 3 --out runs/frontier -- \
        align --teacher runs/digits --init-from runs/distilled --reward classifier --learning-rate 2e-5 --steps 1000
        Every cell runs once per seed as `dipp COMMAND ARGS --config <cell config> --seed k --out <out>/<cell>/seed-k` \
        ({seed} in ARGS becomes k, e.g. --teacher runs/teachers/seed-{seed}); a cell's keys are written into a copy of \
        the --config file in ARGS, if any. Rerunning the same sweep skips finished runs and resumes interrupted ones. \
        Writes sweep.md (settings, table, frontier), sweep.json (every seed's metrics) and frontier.svg (--y against --x, \
        mean ± sd per cell, the non-dominated cells joined; the paper's presets marked) into --out.
        """)

    @Option(help: "An axis: key=value,value,… (a configuration key such as rewardScale, teacherGuidance, divergence.alpha; repeatable).")
    var grid: [String] = []
    @Option(help: "Seeds per cell (0, 1, …, N−1).") var seeds: Int = 3
    @Option(help: "Runs at a time (give each --threads accordingly in ARGS).") var jobs: Int = 1
    @Option(help: "Sweep folder.") var out: String
    @Option(help: "Frontier x: a report metric, lower is better.") var x: String = "image.frechetDistance"
    @Option(help: "Frontier y: a report metric, higher is better.") var y: String = "meanReward"
    @Option(help: "Table columns, comma-separated report metrics (default: those of \(SweepReport.preferredMetrics.joined(separator: ", ")) present).")
    var metrics: String?
    @Argument(parsing: .postTerminator, help: "After --: the command and its arguments (align, distill or text-to-3d …).")
    var command: [String] = []

    static let defaults: [String: RunConfiguration] = ["align": .alignDefaults, "distill": .distillDefaults, "text-to-3d": TextTo3D.defaults]

    func validate() throws {
        guard let name = command.first, Self.defaults[name] != nil else {
            throw ValidationError("give the command after --: align, distill or text-to-3d, with its arguments")
        }
        guard !grid.isEmpty else { throw ValidationError("give at least one --grid key=value,…") }
        guard seeds >= 1, jobs >= 1 else { throw ValidationError("--seeds and --jobs must be at least 1") }
        for flag in ["--out", "--seed"] where command.contains(where: { $0 == flag || $0.hasPrefix(flag + "=") }) {
            throw ValidationError("the sweep sets \(flag) of every run: remove it from the command")
        }
    }

    func run() throws {
        try reportingErrors {
            let name = command[0]
            var arguments = Array(command.dropFirst())
            var base: [String: JSONValue] = [:]   // the user's --config, into which each cell writes its keys
            if let i = arguments.firstIndex(where: { $0.hasPrefix("--config=") }) {
                base = try Self.readObject(String(arguments[i].dropFirst("--config=".count)))
                arguments.remove(at: i)
            } else if let i = arguments.firstIndex(of: "--config"), i + 1 < arguments.count {
                base = try Self.readObject(arguments[i + 1])
                arguments.removeSubrange(i...(i + 1))
            }
            let sweep = Sweep(axes: try grid.map(Sweep.Axis.init(parsing:)), seeds: (0..<UInt64(seeds)).map { $0 })
            guard case .object(let defaults) = try JSONValue(encoding: Self.defaults[name]!) else { return }
            let cells = try sweep.cells(resolvingAgainst: defaults)
            let folder = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let runner = CellRunner(command: name, arguments: arguments, base: base, root: folder, executable: Self.executable())
            let jobs = cells.flatMap { cell in sweep.seeds.map { (cell, $0) } }
            print("sweep: \(cells.count) cells × \(seeds) seeds = \(jobs.count) runs of dipp \(name), \(self.jobs) at a time → \(out)")
            let failures = runner.runAll(jobs, parallel: self.jobs)
            let report = SweepReport(results: try cells.map { cell in
                SweepReport.CellResult(cell: cell, seeds: try sweep.seeds.compactMap { try runner.metrics(cell, seed: $0) },
                                       mark: name == "align" ? Self.preset(cell)?.rawValue : nil)
            })
            try write(report, sweep: sweep, to: folder)
            guard failures.isEmpty else {
                throw ConfigurationError(location: out, what: "\(failures.count) of \(jobs.count) runs failed: " + failures.joined(separator: "; "),
                                         hint: "each run's output is in its folder's sweep.log; rerun the same command to retry them (finished runs are kept)")
            }
        }
    }

    /// Writes sweep.md, sweep.json and frontier.svg, and prints the table.
    func write(_ report: SweepReport, sweep: Sweep, to folder: URL) throws {
        let columns = metrics.map { $0.split(separator: ",").map(String.init) } ?? report.availableMetrics
        let table = report.table(metrics: columns)
        let front = report.frontier(x: x, y: y).map { "`\($0.cell.label)`" }
        let page = """
        # Sweep

        `\((["dipp", "sweep"] + grid.flatMap { ["--grid", $0] } + ["--seeds", "\(seeds)", "--out", out, "--"] + command).map(Self.shellQuoted).joined(separator: " "))`

        Cells: mean ± sd over the seeds finished (column "seeds"), of each run's final report.

        \(table.text)
        Frontier (no other cell is at least as good on both \(x), lower, and \(y), higher, and better on one): \(front.isEmpty ? "–" : front.joined(separator: ", ")). Plot: `frontier.svg`.

        """
        try Data(page.utf8).write(to: folder.appendingPathComponent("sweep.md"), options: .atomic)
        let perSeed: [[String: JSONValue]] = report.results.map { r in
            ["cell": .object(Dictionary(uniqueKeysWithValues: r.cell.settings.map { ($0.path, $0.value) })),
             "seeds": .array(r.seeds.map { .object($0.mapValues(JSONValue.number)) })]
        }
        try ConfigurationFile.write(perSeed, to: folder.appendingPathComponent("sweep.json"))
        try Data(report.frontierPlot(x: x, y: y, title: "\(y) against \(x), mean ± sd over seeds").utf8)
            .write(to: folder.appendingPathComponent("frontier.svg"), options: .atomic)
        print(table.text)
        print("wrote \(folder.path)/sweep.md, sweep.json and frontier.svg")
    }

    /// The paper preset a cell's α_cfg and α_rew make, if the grid sets both.
    static func preset(_ cell: Sweep.Cell) -> Preset? {
        guard case .number(let cfg)? = cell.value(at: "algorithm.teacherGuidance"),
              case .number(let rew)? = cell.value(at: "algorithm.rewardScale") else { return nil }
        return Preset.allCases.first { Double($0.teacherGuidance) == cfg && Double($0.rewardScale) == rew }
    }

    static func readObject(_ path: String) throws -> [String: JSONValue] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(location: path, what: "cannot read the configuration file", hint: "check the path after --config")
        }
        guard case .object(let o) = try JSONDecoder().decode(JSONValue.self, from: data) else {
            throw ConfigurationError(location: path, what: "the configuration is not a JSON object", hint: "see --show-config")
        }
        return o
    }

    /// `text` as one shell word: quoted when it holds anything but letters, digits and `-_./=,{}:+@`.
    static func shellQuoted(_ text: String) -> String {
        let plain = !text.isEmpty && text.allSatisfy { $0.isLetter || $0.isNumber || "-_./=,{}:+@".contains($0) }
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// This `dipp` binary.
    static func executable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// Runs the cells' processes and reads back what they measured.
struct CellRunner {
    let command: String
    let arguments: [String]
    let base: [String: JSONValue]
    let root: URL
    let executable: String

    func folder(_ cell: Sweep.Cell, seed: UInt64) -> URL {
        root.appendingPathComponent(cell.folderName).appendingPathComponent("seed-\(seed)")
    }

    /// The finished run's report, if there is one.
    func reportFile(_ folder: URL) -> URL? {
        ["report-generator.json", "report.json"].map { folder.appendingPathComponent($0) }
            .first { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// Runs every unfinished `(cell, seed)`, `parallel` at a time; returns the failures.
    func runAll(_ jobs: [(Sweep.Cell, UInt64)], parallel: Int) -> [String] {
        let slots = DispatchSemaphore(value: parallel), group = DispatchGroup(), failures = Failures()
        for (index, (cell, seed)) in jobs.enumerated() {
            let folder = folder(cell, seed: seed), name = "[\(index + 1)/\(jobs.count)] \(cell.label), seed \(seed)"
            if reportFile(folder) != nil {
                do {
                    try checkKept(cell, seed: seed, folder: folder)
                    print("\(name): done (kept)")
                } catch {
                    print("\(name): \(error)")
                    failures.names.append("\(cell.label), seed \(seed)")
                }
                continue
            }
            slots.wait()
            group.enter()
            DispatchQueue.global().async {
                defer { slots.signal(); group.leave() }
                let start = Date()
                let outcome = Result { try run(cell, seed: seed, in: folder) }
                failures.lock.withLock {
                    switch outcome {
                    case .success: print(String(format: "%@: finished in %.0f s", name, Date().timeIntervalSince(start)))
                    case .failure(let error):
                        print("\(name): failed — \(error)")
                        failures.names.append("\(cell.label), seed \(seed)")
                    }
                }
            }
        }
        group.wait()
        return failures.names
    }

    /// The failed runs' names, appended from the workers under `lock` (which also keeps their lines whole).
    final class Failures: @unchecked Sendable {
        let lock = NSLock()
        var names: [String] = []
    }

    /// The command line of one run (`{seed}` substituted); written beside it as `sweep-arguments.json`.
    func commandLine(_ folder: URL, seed: UInt64) -> [String] {
        [command] + arguments.map { $0.replacingOccurrences(of: "{seed}", with: "\(seed)") }
            + ["--config", folder.appendingPathComponent("sweep-config.json").path, "--seed", "\(seed)", "--out", folder.path]
    }

    /// A finished run is kept only if it was made by the same command line and configuration.
    func checkKept(_ cell: Sweep.Cell, seed: UInt64, folder: URL) throws {
        let recorded = try? JSONDecoder().decode([String].self, from: Data(contentsOf: folder.appendingPathComponent("sweep-arguments.json")))
        let config = try? JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: folder.appendingPathComponent("sweep-config.json")))
        guard recorded == commandLine(folder, seed: seed), config == .object(Sweep.configuration(cell, over: base)) else {
            throw ConfigurationError(location: folder.path, what: "this finished run was made by another command line or configuration",
                                     hint: "give the sweep another --out, or delete the folder to rerun it")
        }
        try checkSettings(cell, folder: folder)
    }

    /// One run: the cell's configuration file, then `dipp COMMAND …` with its output in `sweep.log`.
    func run(_ cell: Sweep.Cell, seed: UInt64, in folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("sweep-config.json")
        try ConfigurationFile.write(Sweep.configuration(cell, over: base), to: config)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = commandLine(folder, seed: seed)
        try ConfigurationFile.write(process.arguments!, to: folder.appendingPathComponent("sweep-arguments.json"))
        let log = folder.appendingPathComponent("sweep.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        (process.standardOutput, process.standardError) = (handle, handle)
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let tail = (try? String(contentsOf: log, encoding: .utf8))?.split(separator: "\n").suffix(3).joined(separator: " | ") ?? ""
            throw ConfigurationError(location: log.path, what: "dipp \(command) exited with status \(process.terminationStatus): \(tail)",
                                     hint: "read the log; fix the arguments and rerun the sweep")
        }
        try checkSettings(cell, folder: folder)
    }

    /// Refuses a run whose recorded configuration lost one of the cell's settings (a flag in the
    /// command's arguments overrides the configuration file).
    func checkSettings(_ cell: Sweep.Cell, folder: URL) throws {
        let recorded = try SweepCommand.readObject(folder.appendingPathComponent("config.json").path)
        for (path, value) in cell.settings {
            guard let used = Sweep.value(at: path, in: recorded) else { continue }   // an option the record leaves to its default
            guard Sweep.same(used, value) else {
                if let report = reportFile(folder) { try FileManager.default.removeItem(at: report) }   // not counted, not kept
                throw ConfigurationError(location: folder.path, what: "the grid sets \(path) = \(Sweep.text(value)) but the run used \(Sweep.text(used))",
                                         hint: "a flag in the command's arguments overrides the grid's configuration file: remove it, "
                                             + "delete the sweep folder and rerun")
            }
        }
    }

    /// The metrics of a finished `(cell, seed)`, or `nil` when it has no report.
    func metrics(_ cell: Sweep.Cell, seed: UInt64) throws -> [String: Double]? {
        guard let file = reportFile(folder(cell, seed: seed)) else { return nil }
        return Sweep.metrics(try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: file)))
    }
}
