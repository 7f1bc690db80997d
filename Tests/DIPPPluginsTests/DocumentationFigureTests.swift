import Foundation
import Testing

/// Figures in the guides cannot drift from what produced them, and user docs do not point at the
/// issue tracker.
///
/// **Figures.** In `README.md` and `Documentation/*.md` (not `Documentation/Results/`), a *figure*
/// is a number with a unit right after it (`%`, `×`, `pp`, `s`, `ms`, `µs`, `min`, `h`, `GiB`,
/// `MiB`, `KiB`, `GB/s`, `GFLOP/s`, `dB`, `steps/s`, … — ``FigureCheck/units``), a range of two
/// (`1.69–2.35×`), or a pair `a ± b` with or without a unit. Every figure must either
/// - occur in a text file under `Documentation/Results/`: the pair `a ± b` as it stands (signs
///   agree; the unit may sit in the table's header), a single number with the same unit right
///   after it (`88.0%`, `3242 s`), a range with both ends so — after normalising thousands
///   separators, `−`, white space and a leading `+`; or
/// - sit under a marker `<!-- figures: COMMAND -->`, the command that reproduces it. A marker
///   covers its own line and the lines after it up to the next Markdown heading (any level) or
///   the next marker; right under a heading it covers that section. Heading lines are never covered.
///
/// A figure right after `≥`, `≤`, `<` or `>` is a bound (a target, a threshold), not a result.
/// Fenced and indented code, code spans, HTML comments, URLs and link targets, and the generated
/// tables between `<!-- components:begin -->` and `<!-- components:end -->` are not read.
///
/// **Issues.** `README.md`, `Documentation/*.md` and `Examples/**/README.md` name no issue
/// ("issue 11", "issues 3–5", "#12", `issue "…"`) and no "the issue's …" / "the … issue".
@Suite struct DocumentationFigureTests {
    @Test func everyQuotedFigureHasASource() throws {
        let unsourced = try FigureCheck().unsourcedFigures(root: TestSupport.root)
        #expect(unsourced.isEmpty, """
            \(unsourced.count) figure(s) without a source — quote it from a Documentation/Results file \
            or put it under `<!-- figures: COMMAND -->`:
            \(unsourced.joined(separator: "\n"))
            """)
    }

    @Test func userDocsReferToNoIssue() throws {
        let references = try FigureCheck().issueReferences(root: TestSupport.root)
        #expect(references.isEmpty, """
            \(references.count) reference(s) to the issue tracker — say what the target or the change is instead:
            \(references.joined(separator: "\n"))
            """)
    }
}

/// The rule of ``DocumentationFigureTests`` over a checkout's files.
struct FigureCheck {
    /// What makes a number a figure, longest first where one is a prefix of another.
    static let units = ["GFLOP/s", "GFLOPS", "GFLOP", "GB/s", "steps/s", "samples/s", "images/s", "sentences/s", "exec/s",
                        "it/s", "GiB", "MiB", "KiB", "GB", "MB", "KB", "GHz", "dB", "µs", "μs", "ms",
                        "minutes", "minute", "min", "hours", "hour", "h", "seconds", "second", "pp", "s"]
    /// A number: optional sign (`+`, `-`, `−`), optional thousands separators (space, no-break space, comma).
    static let number = #"[+\-−]?(?:\d{1,3}(?:[ \x{00A0}\x{202F},]\d{3})+(?!\d)|\d+)(?:\.\d+)?"#

    let figure: NSRegularExpression, marker: NSRegularExpression, heading: NSRegularExpression
    let skipped: [NSRegularExpression], thousands: NSRegularExpression, space: NSRegularExpression
    let issue: NSRegularExpression

    init() throws {
        let unit = Self.units.map(NSRegularExpression.escapedPattern(for:)).joined(separator: "|")
        // % (attached or after a space), an attached × not followed by a digit (`4 × 256`, `8×8` are
        // products), or a word unit after one space.
        let suffix = #"(?:\s?%|×(?![\d ]?\d)|[ \x{00A0}](?:\#(unit))(?![\w/]))"#
        let n = Self.number
        // Groups: 1, 2 the pair; 3, 4, 5 a range and its unit; 6, 7 a number and its unit.
        figure = try NSRegularExpression(pattern: #"(?<![\w.\-−+])(?:(\#(n))\s?±\s?(\#(n))(?:\#(suffix))?"#
                                             + #"|(\#(n))\s?[–-]\s?(\#(n))(\#(suffix))|(\#(n))(\#(suffix)))"#)
        marker = try NSRegularExpression(pattern: #"<!--\s*figures:\s*\S.*?-->"#)
        heading = try NSRegularExpression(pattern: #"^#{1,6}\s"#)
        skipped = try [#"(`+)(?:(?!\1).)+?\1"#, #"<!--.*?-->"#, #"https?://[^\s)>\]]+"#, #"\]\([^)]*\)"#]
            .map { try NSRegularExpression(pattern: $0) }
        thousands = try NSRegularExpression(pattern: #"(?<=\d)[ ,](?=\d{3}(?!\d))"#)
        space = try NSRegularExpression(pattern: #"\s+"#)
        issue = try NSRegularExpression(pattern: #"\bissues?\s*#?\d+|(?<![\w&/])#\d+\b|\bthe\s+(?:[\w-]+\s+)?issue(?:'s|’s)?\b|\bissues?\s+["“]"#,
                                        options: .caseInsensitive)
    }

    /// `file:line: figure` for every figure of the guides with neither a Results file nor a marker.
    func unsourcedFigures(root: URL) throws -> [String] {
        let results = try Self.files(under: root.appendingPathComponent("Documentation/Results"), root: root) {
            ["md", "json", "txt", "csv"].contains(($0 as NSString).pathExtension)
        }
        let corpus = try results.map { normalisedText(try String(contentsOf: root.appendingPathComponent($0), encoding: .utf8)) }
            .joined(separator: "\n")
        var unsourced: [String] = []
        for doc in try Self.guides(root: root) {
            var covered = false
            for (number, line) in proseLines(try String(contentsOf: root.appendingPathComponent(doc), encoding: .utf8)) {
                if matches(heading, line) { covered = false }
                if matches(marker, line) { covered = true }
                if covered { continue }
                let clean = skipped.reduce(line) { $1.stringByReplacingMatches(in: $0, range: Self.whole($0), withTemplate: " ") }
                for figure in figures(in: clean) where !hasSource(figure, in: corpus) {
                    unsourced.append("\(doc):\(number): \(figure.text)")
                }
            }
        }
        return unsourced
    }

    /// `file:line: text` for every reference to an issue in the user docs.
    func issueReferences(root: URL) throws -> [String] {
        let examples = try Self.files(under: root.appendingPathComponent("Examples"), root: root) { ($0 as NSString).lastPathComponent == "README.md" }
        var references: [String] = []
        for doc in try Self.guides(root: root) + examples {
            let lines = try String(contentsOf: root.appendingPathComponent(doc), encoding: .utf8).components(separatedBy: "\n")
            for (index, line) in lines.enumerated() {
                for match in issue.matches(in: line, range: Self.whole(line)) {
                    references.append("\(doc):\(index + 1): \((line as NSString).substring(with: match.range))")
                }
            }
        }
        return references
    }

    /// A figure as written, and what to look for: a pair, or numbers (one, or a range's two) with their unit.
    struct Figure { var text: String, pair: (String, String)?, numbers: [String], unit: String }

    /// The figures of a line whose code, comments and links are blanked out; bounds (`≥ 90%`) left out.
    func figures(in line: String) -> [Figure] {
        let text = line as NSString
        return figure.matches(in: line, range: Self.whole(line)).compactMap { match in
            let before = text.substring(to: match.range.location).trimmingCharacters(in: .whitespaces)
            if let last = before.last, "≥≤<>".contains(last) { return nil }
            func group(_ i: Int) -> String? { match.range(at: i).location == NSNotFound ? nil : text.substring(with: match.range(at: i)) }
            let whole = text.substring(with: match.range).trimmingCharacters(in: .whitespaces)
            if let a = group(1), let b = group(2) { return Figure(text: whole, pair: (normalisedNumber(a), normalisedNumber(b)), numbers: [], unit: "") }
            if let low = group(3), let high = group(4), let unit = group(5) {
                return Figure(text: whole, pair: nil, numbers: [normalisedNumber(low), normalisedNumber(high)], unit: unit.trimmingCharacters(in: .whitespaces))
            }
            return Figure(text: whole, pair: nil, numbers: [normalisedNumber(group(6) ?? "")], unit: (group(7) ?? "").trimmingCharacters(in: .whitespaces))
        }
    }

    /// Whether the normalised Results text holds the figure: its pair, or each number followed by its unit.
    func hasSource(_ figure: Figure, in corpus: String) -> Bool {
        let unit = NSRegularExpression.escapedPattern(for: figure.unit)
        let patterns: [String]
        if let pair = figure.pair {
            patterns = [Self.token(pair.0) + " ?± ?" + Self.token(pair.1)]
        } else {
            patterns = figure.numbers.map { Self.token($0) + #" ?\#(unit)(?![\w/])"# }
        }
        return patterns.allSatisfy { pattern in
            (try? NSRegularExpression(pattern: pattern)).map { $0.firstMatch(in: corpus, range: Self.whole(corpus)) != nil } ?? false
        }
    }

    /// A normalised number as a whole token: not part of a longer number, and of the same sign.
    static func token(_ number: String) -> String {
        #"(?<![\d.\-])"# + NSRegularExpression.escapedPattern(for: number) + #"(?!\d|\.\d)"#
    }

    func normalisedNumber(_ number: String) -> String {
        let plain = number.replacingOccurrences(of: "−", with: "-").replacingOccurrences(of: "\u{00A0}", with: "")
            .replacingOccurrences(of: "\u{202F}", with: "")
        let joined = thousands.stringByReplacingMatches(in: plain, range: Self.whole(plain), withTemplate: "")
        return joined.hasPrefix("+") ? String(joined.dropFirst()) : joined
    }

    func normalisedText(_ text: String) -> String {
        let plain = text.replacingOccurrences(of: "−", with: "-").replacingOccurrences(of: "\u{00A0}", with: " ")
            .replacingOccurrences(of: "\u{202F}", with: " ")
        let joined = thousands.stringByReplacingMatches(in: plain, range: Self.whole(plain), withTemplate: "")
        return space.stringByReplacingMatches(in: joined, range: Self.whole(joined), withTemplate: " ")
    }

    /// (line number, line) for the lines that are prose: not in fenced or indented code, not in the
    /// generated component tables.
    func proseLines(_ text: String) -> [(Int, String)] {
        var prose: [(Int, String)] = []
        var fenced = false, components = false, indented = false, previousBlank = true
        for (index, line) in text.components(separatedBy: "\n").enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                fenced.toggle()
                previousBlank = false
                continue
            }
            if fenced { continue }
            if line.contains("<!-- components:begin -->") { components = true }
            if line.contains("<!-- components:end -->") {
                components = false
                continue
            }
            if components { continue }
            if (line.hasPrefix("    ") || line.hasPrefix("\t")) && (previousBlank || indented) {
                indented = true
                previousBlank = false
                continue
            }
            if !trimmed.isEmpty { indented = false }
            previousBlank = trimmed.isEmpty
            prose.append((index + 1, line))
        }
        return prose
    }

    func matches(_ expression: NSRegularExpression, _ line: String) -> Bool {
        expression.firstMatch(in: line, range: Self.whole(line)) != nil
    }

    static func whole(_ text: String) -> NSRange { NSRange(location: 0, length: (text as NSString).length) }

    /// `README.md` and `Documentation/*.md`, relative to the checkout.
    static func guides(root: URL) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Documentation").path)
        return ["README.md"] + names.filter { $0.hasSuffix(".md") }.sorted().map { "Documentation/\($0)" }
    }

    /// The files under `folder` (hidden folders such as `.build` left out) that `include` accepts,
    /// relative to `root`, sorted.
    static func files(under folder: URL, root: URL, include: (String) -> Bool) throws -> [String] {
        guard let walk = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var found: [String] = []
        while let path = walk.nextObject() as? String {
            if path.split(separator: "/").contains(where: { $0.hasPrefix(".") }) {
                walk.skipDescendants()
                continue
            }
            var isFolder: ObjCBool = false
            let full = folder.appendingPathComponent(path)
            if FileManager.default.fileExists(atPath: full.path, isDirectory: &isFolder), !isFolder.boolValue, include(path) {
                found.append(String(full.path.dropFirst(root.path.count + 1)))
            }
        }
        return found.sorted()
    }
}
