import Foundation
import Testing

/// The layering of `Documentation/Architecture.md` holds: every target under `Sources/` imports
/// only the modules its row of the table "What each target owns" lists under *may import*
/// (`everything` lets a row import any).
@Suite struct LayeringTests {
    /// Target → the modules its table row allows, read from the Markdown table.
    static func allowedImports() throws -> [String: Set<String>?] {
        let text = try String(contentsOf: TestSupport.root.appendingPathComponent("Documentation/Architecture.md"), encoding: .utf8)
        var allowed: [String: Set<String>?] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 5 else { continue }
            let targets = Self.codeSpans(cells[1]), may = cells[cells.count - 2]
            let modules: Set<String>? = may.hasPrefix("everything") ? nil : Set(Self.codeSpans(may))
            for target in targets { allowed[target] = modules }
        }
        return allowed
    }

    /// The `code spans` of a table cell.
    static func codeSpans(_ cell: String) -> [String] {
        cell.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    @Test func everyTargetImportsOnlyWhatTheTableAllows() throws {
        let allowed = try Self.allowedImports()
        let sources = TestSupport.root.appendingPathComponent("Sources")
        let targets = try FileManager.default.contentsOfDirectory(atPath: sources.path).filter { !$0.hasPrefix(".") }.sorted()
        let system: Set<String> = ["Foundation", "Glibc", "Dispatch", "Testing", "PackagePlugin"]
        var checked = 0
        for target in targets {
            let folder = sources.appendingPathComponent(target)
            guard let files = FileManager.default.enumerator(atPath: folder.path)?.compactMap({ $0 as? String }).filter({ $0.hasSuffix(".swift") }),
                  !files.isEmpty else { continue }   // C targets
            guard let entry = allowed[target] else {
                Issue.record("Sources/\(target) has no row in Architecture.md's table")
                continue
            }
            checked += 1
            guard let modules = entry else { continue }   // "everything"
            for file in files {
                let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                for line in text.split(separator: "\n") where line.hasPrefix("import ") {
                    let module = String(line.dropFirst("import ".count)).trimmingCharacters(in: .whitespaces)
                    guard !system.contains(module), module != target else { continue }
                    #expect(modules.contains(module), "Sources/\(target)/\(file) imports \(module), which its row does not list")
                }
            }
        }
        #expect(checked >= 12, "\(checked) Swift targets checked")
    }
}
