import DIPPComponents
import DIPPPlugins
import DIPPRuns
import Foundation
import Testing

/// Lists of names in the documentation are generated from the catalogue and kept equal to it.
@Suite struct DocumentationTests {
    /// `Documentation/Configuration.md`'s component tables are `dipp components --markdown`.
    @Test func configurationTablesAreTheCatalogue() throws {
        let file = TestSupport.root.appendingPathComponent("Documentation/Configuration.md")
        let text = try String(contentsOf: file, encoding: .utf8)
        let regenerated = try #require(Components.standard().withPlugins().replacingListing(in: text), "the markers are missing")
        #expect(regenerated == text, "the tables differ from the catalogue: run `dipp components --update Documentation/Configuration.md`")
    }
}
