import DIPPNN
import DIPPRuns
import DIPPTensor
import Foundation
#if canImport(FoundationXML)
import FoundationXML   // XMLParser on Linux
#endif
import Testing

/// `dipp sweep`'s grid: axes parsed and resolved against the configuration, cells and their
/// configuration files, metrics read from reports, the table and the frontier.
struct SweepTests {
    static let defaults: [String: JSONValue] = {
        guard case .object(let o) = try! JSONValue(encoding: RunConfiguration.alignDefaults) else { fatalError() }
        return o
    }()

    @Test func axesParseValuesAsJSONOrText() throws {
        let axis = try Sweep.Axis(parsing: "divergence=ikl,sid")
        #expect(axis.key == "divergence" && axis.values == [.string("ikl"), .string("sid")])
        #expect(try Sweep.Axis(parsing: "rewardScale=0,0.5,1e1").values == [.number(0), .number(0.5), .number(10)])
        for bad in ["rewardScale", "=1", "rewardScale="] {
            #expect(throws: ConfigurationError.self) { try Sweep.Axis(parsing: bad) }
        }
        // Commas inside JSON do not split values.
        #expect(try Sweep.Axis(parsing: #"divergence.noise={"logNormal": {"mean": -1, "std": 1}},"x,y""#).values
                == [.object(["logNormal": .object(["mean": .number(-1), "std": .number(1)])]), .string("x,y")])
    }

    /// A run records a component as an object with all its options: a cell naming it alone
    /// matches by name (a plugin by its file); axes that set one key twice, or cells that would
    /// share a folder, are refused.
    @Test func componentNamesMatchTheirRecordsAndCellsAreDistinct() throws {
        #expect(Sweep.same(.string("sid"), .object(["name": .string("sid"), "alpha": .number(1.2)])))
        #expect(!Sweep.same(.string("sid"), .object(["name": .string("ikl")])))
        #expect(Sweep.same(.string(".build/release/libX.so"), .object(["name": .string("/work/.build/release/libX.so")])))
        #expect(Sweep.same(.number(0.1), .number(Double(Float(0.1)))) && !Sweep.same(.number(1), .number(2)))
        for grid in [["rewardScale=1", "algorithm.rewardScale=2"], ["rewardScale=1,1.0"]] {
            #expect(throws: ConfigurationError.self) { try Sweep(axes: grid.map(Sweep.Axis.init(parsing:)), seeds: [0]).cells(resolvingAgainst: Self.defaults) }
        }
    }

    /// Every combination, the first axis slowest; bare keys of `algorithm` resolve there, and a
    /// key that names nothing is refused.
    @Test func cellsCoverTheGridAndResolveTheirKeys() throws {
        let sweep = Sweep(axes: [try .init(parsing: "teacherGuidance=1,4.5"), try .init(parsing: "rewardScale=0,1,10"),
                                 try .init(parsing: "divergence.alpha=1.2")], seeds: [0, 1])
        let cells = try sweep.cells(resolvingAgainst: Self.defaults)
        #expect(cells.count == 6)
        #expect(cells.map { $0.settings.map(\.path) }.allSatisfy { $0 == ["algorithm.teacherGuidance", "algorithm.rewardScale", "divergence.alpha"] })
        #expect(cells[1].label == "teacherGuidance 1, rewardScale 1, alpha 1.2")
        #expect(cells[5].folderName == "teacherGuidance-4.5_rewardScale-10_alpha-1.2")
        #expect(Set(cells.map(\.folderName)).count == 6)
        for bad in ["bogus=1", "algorithm.bogus=1", "teacher.name=x"] {
            #expect(throws: ConfigurationError.self) { try Sweep(axes: [try .init(parsing: bad)], seeds: [0]).cells(resolvingAgainst: Self.defaults) }
        }
        // A cell's settings go into a copy of the user's configuration file; a component given by
        // name keeps its name and gains the option.
        let file = Sweep.configuration(cells[5], over: ["divergence": .string("sid"), "algorithm": .object(["steps": .number(10)])])
        #expect(Sweep.value(at: "algorithm.steps", in: file) == .number(10))
        #expect(Sweep.value(at: "algorithm.rewardScale", in: file) == .number(10))
        #expect(Sweep.value(at: "divergence", in: file) == .object(["name": .string("sid"), "alpha": .number(1.2)]))
        // And the run reads it back: the configuration decodes with the cell's values.
        let decoded = try ConfigurationFile.decode(JSONEncoder().encode(JSONValue.object(file)), over: RunConfiguration.alignDefaults, source: "cell")
        #expect(decoded.algorithm.rewardScale == 10 && decoded.algorithm.teacherGuidance == 4.5 && decoded.divergence.options["alpha"] == .number(1.2))
    }

    /// Reports are read as every number by path; the table holds mean ± sd per cell; the frontier
    /// keeps the cells no other beats on both axes (lower x, higher y); the plot carries its values.
    @Test func tableFrontierAndPlot() throws {
        let report: JSONValue = .object(["image": .object(["frechetDistance": .number(3), "classAccuracy": .number(0.9)]),
                                         "meanReward": .number(-0.5), "data": .string("digits")])
        #expect(Sweep.metrics(report) == ["image.frechetDistance": 3, "image.classAccuracy": 0.9, "meanReward": -0.5])
        let cells = try Sweep(axes: [try .init(parsing: "rewardScale=0,1,2,3")], seeds: [0, 1]).cells(resolvingAgainst: Self.defaults)
        func seeds(_ fd: Double, _ reward: Double) -> [[String: Double]] {
            [["image.frechetDistance": fd - 0.1, "meanReward": reward - 0.01], ["image.frechetDistance": fd + 0.1, "meanReward": reward + 0.01]]
        }
        let sweep = SweepReport(results: [
            .init(cell: cells[0], seeds: seeds(2, -0.5)), .init(cell: cells[1], seeds: seeds(3, -0.2), mark: "cfg1-rew1"),
            .init(cell: cells[2], seeds: seeds(4, -0.3)), .init(cell: cells[3], seeds: seeds(5, -0.1)),
        ])
        #expect(sweep.availableMetrics == ["image.frechetDistance", "meanReward"])
        let table = sweep.table(metrics: sweep.availableMetrics)
        #expect(table.header == ["rewardScale", "preset", "seeds", "image.frechetDistance", "meanReward"])
        #expect(SweepReport(results: [.init(cell: cells[0], seeds: seeds(2, -0.5))]).table(metrics: ["meanReward"]).header
                == ["rewardScale", "seeds", "meanReward"], "no preset column when nothing is marked")
        #expect(table.rows[1] == ["1", "cfg1-rew1", "2", "3.00 ± 0.14", "-0.2000 ± 0.0141"])
        #expect(sweep.frontier(x: "image.frechetDistance", y: "meanReward").map(\.cell) == [cells[0], cells[1], cells[3]])
        let svg = sweep.frontierPlot(x: "image.frechetDistance", y: "meanReward", title: "t")
        #expect(XMLParser(data: Data(svg.utf8)).parse())
        #expect(svg.components(separatedBy: "<circle").count == 5 && svg.contains("data-x=\"4\" data-y=\"-0.3\"") && svg.contains("(cfg1-rew1)"))
    }
}
