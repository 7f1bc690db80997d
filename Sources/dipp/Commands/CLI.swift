import ArgumentParser
import DIPPComponents
import DIPPNN
import DIPPPlugins
import DIPPRuns
import Foundation

/// What the command line knows: the built-ins and the plugin resolvers. Help texts list names
/// from it, so they follow the registrations.
enum CLI {
    static let components = Components.standard().withPlugins()

    /// `"ikl, sid, sds"`: a kind's registered names and patterns, for a flag's help.
    static func names(_ kind: String) -> String { components.names(kind) }

    /// `"ikl|sid|sds"`: a kind's names as a flag's value name in `--help`.
    static func valueName(_ kind: String) -> String { names(kind).replacingOccurrences(of: ", ", with: "|") }
}
