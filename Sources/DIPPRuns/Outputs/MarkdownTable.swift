import Foundation

/// A GitHub-flavoured markdown table: what the examples write, and what the tests read back
/// from the checked-in results.
public struct MarkdownTable: Equatable, Sendable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]]) {
        (self.header, self.rows) = (header, rows)
    }

    /// `| a | b |` lines with the `|---|` separator.
    public var text: String {
        func line(_ cells: [String]) -> String { "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |" }
        return ([line(header), "|" + header.map { _ in "---" }.joined(separator: "|") + "|"] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    /// The cell in `column` (by header name) of the first row whose first cell is `row`.
    public func cell(row: String, column: String) -> String? {
        guard let c = header.firstIndex(of: column), let r = rows.first(where: { $0.first == row }), c < r.count else { return nil }
        return r[c]
    }

    /// Every table in `markdown`, in order: a header line, a `|---|` separator, then the rows up to
    /// the first line that is not a table line.
    public static func parse(_ markdown: String) -> [MarkdownTable] {
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        func cells(_ line: String) -> [String] {
            var body = line
            if body.hasPrefix("|") { body.removeFirst() }
            if body.hasSuffix("|") && !body.hasSuffix("\\|") { body.removeLast() }
            var out: [String] = [], current = "", escaped = false
            for ch in body {
                if escaped { current.append(ch); escaped = false } else if ch == "\\" { escaped = true } else if ch == "|" {
                    out.append(current.trimmingCharacters(in: .whitespaces)); current = ""
                } else { current.append(ch) }
            }
            out.append(current.trimmingCharacters(in: .whitespaces))
            return out
        }
        func isSeparator(_ line: String) -> Bool {
            line.hasPrefix("|") && line.contains("-") && line.allSatisfy { "|-: ".contains($0) }
        }
        var tables: [MarkdownTable] = [], i = 0
        while i + 1 < lines.count {
            if lines[i].hasPrefix("|"), isSeparator(lines[i + 1]) {
                var table = MarkdownTable(header: cells(lines[i]), rows: [])
                i += 2
                while i < lines.count, lines[i].hasPrefix("|") { table.rows.append(cells(lines[i])); i += 1 }
                tables.append(table)
            } else {
                i += 1
            }
        }
        return tables
    }

    /// The mean and standard deviation of a `"mean ± sd"` cell (a trailing `%` or text is ignored).
    public static func meanAndSpread(_ cell: String) -> (mean: Double, sd: Double)? {
        let parts = cell.components(separatedBy: "±")
        guard parts.count == 2 else { return nil }
        func number(_ s: String) -> Double? {
            Double(s.trimmingCharacters(in: .whitespaces).prefix { "0123456789.-+eE".contains($0) })
        }
        guard let m = number(parts[0]), let s = number(parts[1]) else { return nil }
        return (m, s)
    }
}
