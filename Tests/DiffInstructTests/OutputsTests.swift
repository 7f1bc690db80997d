import DIPPRuns
import Foundation
#if canImport(FoundationXML)
import FoundationXML   // XMLParser on Linux
#endif
import Testing

/// The examples' building blocks: seed statistics, markdown tables (written and read back) and
/// SVG line plots.
struct OutputsTests {
    @Test func seedSpreadMatchesHandComputedValues() {
        let s = SeedSpread([97.0, 98.0, 99.5])
        #expect(abs(s.mean - 98.166_666_7) < 1e-6)
        // sd = √(((−1.1667)² + (−0.1667)² + 1.3333²)/2) = 1.2583
        #expect(abs(s.standardDeviation - 1.258_305_7) < 1e-6)
        #expect(abs(s.confidenceHalfWidth - 4.303 * 1.258_305_7 / 3.0.squareRoot()) < 1e-6)
        #expect(s.formatted(1) == "98.2 ± 1.3")
        #expect(SeedSpread([2]).standardDeviation == 0 && SeedSpread([2]).confidenceHalfWidth.isNaN)
    }

    @Test func markdownTablesRoundTrip() throws {
        let table = MarkdownTable(header: ["model", "FD", "note"], rows: [["a", "2.53 ± 0.10", "x|y"], ["b", "3.72 ± 0.40", ""]])
        let page = "# Title\n\ntext\n\n" + table.text + "\nafter\n\n| k | v |\n|---|---|\n| 1 | 2 |\n"
        let parsed = MarkdownTable.parse(page)
        #expect(parsed.count == 2)
        #expect(parsed[0] == table)
        #expect(parsed[1].rows == [["1", "2"]])
        let cell = try #require(parsed[0].cell(row: "b", column: "FD"))
        let value = try #require(MarkdownTable.meanAndSpread(cell))
        #expect(value.mean == 3.72 && value.sd == 0.40)
        #expect(MarkdownTable.meanAndSpread("–") == nil)
    }

    @Test func linePlotIsWellFormedSVG() throws {
        var plot = LinePlot(title: "FD <by> step", xLabel: "step", yLabel: "FD", logY: true)
        plot.series = [LinePlot.Series(name: "ikl & co", x: [0, 100, 200], y: [10, 5, 2.5], band: [1, 0.5, 0.2]),
                       LinePlot.Series(name: "sds", x: [0, 100, 200], y: [10, 20, .nan])]
        let svg = plot.svg
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(svg.components(separatedBy: "<polyline").count == 3 && svg.contains("<polygon"))
        #expect(svg.contains("ikl &amp; co") && svg.contains("(log scale)"))
    }
}
