import ArgumentParser
import DIPPRuns
import Foundation

/// `dipp compare`: runs side by side, with plots of their logged curves.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare runs: the settings that differ, final metrics, wall time, and an SVG plot per logged metric.",
        discussion: "Writes compare.md and <metric>.svg (reward_mean, losses, gradient norms, quality/…) into --out and prints the tables."
    )

    @Argument(help: "Run folders (dipp pretrain, distill or align --out folders).") var runs: [String]
    @Option(help: "Folder for compare.md and the plots (default: runs/compare).") var out: String = "runs/compare"

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("give at least one run folder") }
    }

    func run() throws {
        try reportingErrors {
            let comparison = try RunComparison(folders: runs.map { URL(fileURLWithPath: $0) })
            let file = try comparison.write(to: URL(fileURLWithPath: out))
            print("Settings that differ:\n" + (comparison.differences.rows.isEmpty ? "none\n" : comparison.differences.text))
            print("Results:\n" + comparison.results.text)
            print("wrote \(file.path) and \(comparison.metrics.count) plots (\(comparison.metrics.joined(separator: ", ")))")
        }
    }
}
