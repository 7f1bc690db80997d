import Foundation

/// libFuzzer's entry point: the harness named by `DIPP_FUZZ_HARNESS`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    Entry.harness(Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size)))
    return 0
}

enum Entry {
    static let harness: @Sendable ([UInt8]) -> Void = {
        let name = ProcessInfo.processInfo.environment["DIPP_FUZZ_HARNESS"] ?? ""
        guard let h = Harnesses.all[name] else {
            FileHandle.standardError.write(Data("set DIPP_FUZZ_HARNESS to one of: \(Harnesses.all.keys.sorted().joined(separator: ", "))\n".utf8))
            exit(2)
        }
        return h
    }()
}

#if DIPP_FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// Built with libFuzzer (`-sanitize=fuzzer`): libFuzzer's driver, with libFuzzer's flags.
@main
struct Fuzz {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv) { fuzzOneInput($0, $1) })
    }
}
#else
/// Without libFuzzer (a plain build): `dipp-fuzz replay HARNESS PATH…` runs every file (or
/// every file in every folder) through the harness — what CI does with the corpora.
@main
struct Replay {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.count >= 3, arguments[0] == "replay", let harness = Harnesses.all[arguments[1]] else {
            print("usage: dipp-fuzz replay HARNESS PATH…   (harnesses: \(Harnesses.all.keys.sorted().joined(separator: ", ")))")
            exit(2)
        }
        var count = 0
        for path in arguments.dropFirst(2) {
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
            let files = isFolder.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { "\(path)/\($0)" } : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                harness([UInt8](data))
                count += 1
            }
        }
        print("\(arguments[1]): \(count) inputs replayed, none crashed")
    }
}
#endif
