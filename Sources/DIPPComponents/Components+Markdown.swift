import DIPPNN

extension Components {
    /// The catalogue as Markdown: one table per kind (name, options with their defaults, what it
    /// is), then the name patterns its resolvers take. `Configuration.md`'s component tables are
    /// this text for `Components.standard().withPlugins()` (`dipp components --markdown`), and a
    /// test fails when they differ.
    public var markdown: String {
        var lines: [String] = []
        for group in listing {
            lines += ["#### \(group.kind)", "", "| name | options (defaults) | what it is |", "|---|---|---|"]
            for entry in group.entries {
                let options = entry.defaults.isEmpty ? "–" : "`\(jsonText(entry.defaults))`"
                lines.append("| `\(entry.name)` | \(Self.cell(options)) | \(Self.cell(entry.summary)) |")
            }
            for (pattern, summary) in group.patterns {
                lines.append("| `\(pattern)` | (in the name) | \(Self.cell(summary)) |")
            }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    /// A table cell: `|` escaped so it does not end the cell.
    private static func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }

    /// `text` with the part between `<!-- components:begin -->` and `<!-- components:end -->`
    /// replaced by ``markdown``; `nil` when the markers are missing.
    public func replacingListing(in text: String) -> String? {
        let begin = "<!-- components:begin -->", end = "<!-- components:end -->"
        guard let b = text.range(of: begin), let e = text.range(of: end), b.upperBound <= e.lowerBound else { return nil }
        return String(text[..<b.upperBound]) + "\n" + markdown + String(text[e.lowerBound...])
    }
}
