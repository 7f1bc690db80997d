import ArgumentParser
import DIPPTensor
import Foundation

/// `dipp plugin new reward|generator --lang c|swift|rust NAME`: a plugin folder that builds
/// (`./build.sh` → `libNAME.so`) and passes `dipp plugin validate` as generated, with its
/// `dipp-plugin.json` manifest and a README saying what to edit.
struct PluginNew: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "new", abstract: "Create a plugin scaffold that builds and validates as generated.")

    enum Kind: String, ExpressibleByArgument, CaseIterable { case reward, generator }
    enum Language: String, ExpressibleByArgument, CaseIterable { case c, swift, rust }

    @Argument(help: "reward or generator.") var kind: Kind
    @Argument(help: "Plugin name: letters, digits and _, starting with a letter (the library is libNAME.so).") var name: String
    @Option(help: "c, swift or rust.") var lang: Language
    @Option(help: "Folder to create the plugin folder in.") var output: String = "."
    @Option(help: "The DIPP checkout whose headers and SDK the plugin builds against (default: the one this dipp was built from).")
    var dippRoot: String?

    /// The checkout this executable was compiled from.
    static var sourceRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    func validate() throws {
        guard let first = name.unicodeScalars.first, CharacterSet.letters.contains(first), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw ValidationError("'\(name)' is not a plugin name. Hint: letters, digits and _, starting with a letter (e.g. InkReward)")
        }
    }

    func run() throws {
        try reportingErrors {
            let root = URL(fileURLWithPath: dippRoot ?? Self.sourceRoot.path).standardizedFileURL
            guard FileManager.default.fileExists(atPath: root.appendingPathComponent("Sources/CDIPPPluginABI/include/dipp_plugin.h").path) else {
                throw ConfigurationError(location: root.path, what: "not a DIPP checkout (no Sources/CDIPPPluginABI/include/dipp_plugin.h)",
                                         hint: "pass --dipp-root")
            }
            let folder = URL(fileURLWithPath: output).appendingPathComponent(name)
            guard !FileManager.default.fileExists(atPath: folder.path) else {
                throw ConfigurationError(location: folder.path, what: "the folder already exists; nothing was overwritten",
                                         hint: "choose another name or --output")
            }
            let files = Self.files(kind: kind, language: lang, name: name, root: root)
            for (path, text) in files.sorted(by: { $0.key < $1.key }) {
                let url = folder.appendingPathComponent(path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try text.write(to: url, atomically: true, encoding: .utf8)
                if path.hasSuffix(".sh") { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path) }
            }
            print("created \(folder.path): \(files.keys.sorted().joined(separator: ", "))")
            print("next: \(folder.path)/build.sh && dipp plugin validate \(folder.path)/lib\(name).so")
        }
    }

    /// Every file of the scaffold, by relative path.
    static func files(kind: Kind, language: Language, name: String, root: URL) -> [String: String] {
        let crate = name.lowercased()
        let substitutions = ["__NAME__": name, "__ID__": "org.example.\(crate)", "__ROOT__": root.path,
                             "__PACKAGE__": root.lastPathComponent.lowercased(), "__CRATE__": crate]
        func fill(_ template: String) -> String {
            substitutions.reduce(template) { $0.replacingOccurrences(of: $1.key, with: $1.value) }
        }
        let capability = kind == .reward ? "dipp.reward/1" : "dipp.generator/1"
        var files: [String: String]
        switch language {
        case .c:
            files = ["\(name).c": kind == .reward ? CTemplates.reward : CTemplates.generator, "build.sh": CTemplates.build]
        case .rust:
            let source = (kind == .reward ? RustTemplates.reward : RustTemplates.generator).replacingOccurrences(of: "__ABI__\n", with: RustTemplates.abi)
            files = ["Cargo.toml": RustTemplates.cargo, "src/lib.rs": source, "build.sh": RustTemplates.build]
        case .swift:
            files = ["Package.swift": SwiftTemplates.package, "Sources/\(name)/\(name).swift": kind == .reward ? SwiftTemplates.reward : SwiftTemplates.generator,
                     "build.sh": SwiftTemplates.build, ".gitignore": ".build/\n*.so\n"]
        }
        files["dipp-plugin.json"] = """
        {
          "id": "__ID__",
          "name": "__NAME__",
          "version": "0.1.0",
          "language": "\(language.rawValue)",
          "library": "lib__NAME__.so",
          "capabilities": ["\(capability)"]
        }

        """
        files["README.md"] = """
        # __NAME__

        A DIPP \(kind.rawValue) plugin in \(language == .c ? "C" : language == .swift ? "Swift" : "Rust") (`\(capability)`), made by
        `dipp plugin new \(kind.rawValue) --lang \(language.rawValue) __NAME__`.

            ./build.sh                                    # → lib__NAME__.so
            dipp plugin validate lib__NAME__.so           # every ABI check, in a child process
            \(kind == .reward ? "dipp align --teacher runs/digits --init-from runs/distill --reward $PWD/lib__NAME__.so --out runs/__NAME__"
                              : "dipp distill --teacher runs/digits --generator $PWD/lib__NAME__.so --out runs/__NAME__")

        Edit the \(kind == .reward ? "reward and its gradient" : "forward pass and its VJP") in the source file (its header comment
        says where), rebuild, validate. References: Documentation/PluginABI.md and
        Documentation/WritingARewardPlugin.md in the DIPP checkout (__ROOT__).

        """
        return files.mapValues(fill)
    }
}
