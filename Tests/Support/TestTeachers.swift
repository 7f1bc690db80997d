import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPNN
import DIPPRuns
import Foundation

/// Teachers the test suites share: each trained once per test process (every test target runs
/// in the same process, so a digits teacher used by the preference and the plugin tests is
/// trained once), in a temporary folder.
public enum TestTeachers {
    /// A digits teacher: MLP 2×128, 300 steps of 256.
    public static func digits() throws -> URL {
        try trained("digits") { c in
            c.data = "digits"
            c.hidden = [128, 128]
            c.steps = 300
        }
    }

    /// A small gmm2d teacher: MLP 2×32, 50 steps of 64.
    public static func gmm2d() throws -> URL {
        try trained("gmm2d") { c in
            c.data = "gmm2d"
            c.hidden = [32, 32]
            c.steps = 50
            c.batchSize = 64
        }
    }

    /// The teacher `name`, trained from the defaults changed by `configure` (a checkpoint at its
    /// last step only) the first time it is asked for. Names must be unique per configuration.
    public static func trained(_ name: String, _ configure: (inout TeacherTrainingConfiguration) -> Void) throws -> URL {
        try lock.withLock {
            if let done = folders[name] { return try done.get() }
            var c = TeacherTrainingConfiguration()
            configure(&c)
            c.checkpointEvery = c.steps
            let folder = root.appendingPathComponent(name)
            let result = Result { () throws -> URL in
                try TeacherTrainer(configuration: c, folder: folder).run(progress: false)
                return folder
            }
            folders[name] = result
            return try result.get()
        }
    }

    public static let root = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-test-teachers-\(UUID())")
    nonisolated(unsafe) private static var folders: [String: Result<URL, Error>] = [:]
    private static let lock = NSLock()
}
