import DIPPTensor

/// Why a plugin was refused or failed. Each case names one specific defect.
public struct PluginError: DiagnosticError, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// `dlopen` failed (not an ELF file, missing dependency, wrong architecture).
        case notLoadable
        /// The library does not export `dipp_plugin_entry`.
        case missingEntry
        /// The entry returned NULL or a different major version.
        case versionMismatch
        /// A table's `struct_size` is smaller than ABI 1.0's.
        case tableTooSmall
        /// The plugin does not provide the requested capability.
        case missingCapability
        /// A call returned an error status.
        case callFailed
        /// A call produced NaN or Inf.
        case nonFiniteOutput
        /// A hyper-parameter the plugin does not declare, or a value outside its range.
        case invalidHyperparameter
        /// A plugin's shapes or classes do not fit the data or the other components.
        case incompatible
        /// A `dipp-plugin.json` that is not a manifest.
        case invalidManifest
        /// A foreign-function declaration is not one of the supported signatures.
        case invalidSignature
        /// A foreign function's symbol is not exported by the library.
        case missingSymbol
    }

    public let kind: Kind
    public let location: String
    public let what: String
    public let hint: String

    public init(_ kind: Kind, location: String, what: String, hint: String) {
        (self.kind, self.location, self.what, self.hint) = (kind, location, what, hint)
    }
}
