import DIPPComponents
import DIPPRuns
import DiffInstruct
import Testing

/// The contributor's path (Documentation/Architecture.md, "Adding a component"): a divergence, a
/// reward, a sampler and a data set, each one file in `Components/` plus its line in
/// ``Contributed/all``, appear in the catalogue's listing (what `dipp components` prints), in
/// `names(kind)` (what the command-line help lists a catalogue's names with; `dipp`'s own
/// catalogue is the built-ins and plugins), in the generated Markdown tables, and in their kinds'
/// conformance tests (``CatalogueConformanceTests``) — with no other edit.
@Suite struct ContributorTests {
    static let contributed = [("divergence", "halved-ikl"), ("reward", "centre"), ("sampler", "midpoint"), ("data set", "ring")]

    @Test func contributedComponentsAppearWhereNamesAreListed() {
        let catalogue = CatalogueConformanceTests.catalogue, standard = Components.standard()
        for (kind, name) in Self.contributed {
            let group = catalogue.listing.first { $0.kind == kind }
            #expect(group?.entries.contains { $0.name == name } == true, "\(name) in the listing of \(kind)")
            #expect(catalogue.names(kind).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.contains(name),
                    "\(name) in the help's names for \(kind)")
            #expect(catalogue.markdown.contains("| `\(name)` |"), "\(name) in the generated tables")
            #expect(!standard.markdown.contains("| `\(name)` |"), "the standard catalogue does not have \(name)")
        }
    }

    @Test func contributedComponentsAreConformanceChecked() {
        let names = Set(Self.contributed.map(\.1))
        let results = Conformance.checkCatalogue(CatalogueConformanceTests.catalogue, probes: CatalogueConformanceTests.probes,
                                                 kinds: Set(Self.contributed.map(\.0)), names: names)
        #expect(Set(results.map(\.name)) == names)
        for entry in results { #expect(entry.passed, "\(entry)") }
    }
}
