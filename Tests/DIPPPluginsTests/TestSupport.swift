import Foundation

/// What the plugin tests share: finding what `swift build` produced, and running a command.
enum TestSupport {
    /// This checkout's root folder.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `file` (the `dipp` executable, a `lib<Name>.so`) next to the test binary or in this
    /// checkout's `.build/release` or `.build/debug`.
    static func builtProduct(_ file: String) -> String? {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let folders = [testBinary.deletingLastPathComponent(), testBinary.deletingLastPathComponent().deletingLastPathComponent()]
            + ["release", "debug"].map { root.appendingPathComponent(".build/\($0)") }
        return folders.map { $0.appendingPathComponent(file).path }.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Runs `executable arguments` (with `extraPath` in front of `PATH`, the variables of
    /// `environment` set or replaced, in `folder`): exit status and standard output and error together.
    static func run(_ executable: String, _ arguments: [String], extraPath: String? = nil, environment: [String: String] = [:],
                    in folder: URL? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = folder }
        if extraPath != nil || !environment.isEmpty {
            var variables = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
            if let extraPath { variables["PATH"] = "\(extraPath):\(variables["PATH"] ?? "/usr/bin:/bin")" }
            process.environment = variables
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}
