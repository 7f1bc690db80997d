import DIPPComponents
import DIPPData
import DIPPNN
import DIPPRuns
import DIPPTensor
import Foundation

/// The state behind the labelling page: pairs drawn from a generator run, waiting for a choice,
/// and the pairs file every choice is appended to (``PreferencePairs/append(_:to:)``: one write
/// plus `fsync` per pair, so a killed server loses nothing that was acknowledged).
///
/// Thread-safe (one lock): the server's connections are concurrent tasks.
public final class LabelSession: @unchecked Sendable {
    /// A pair shown on the page.
    public struct Shown: Codable, Sendable {
        public var id: String
        public var label: Int
        public var className: String
        public var prompt: String?
        /// PNG images as `data:` URLs.
        public var left: String, right: String
        public var recorded: Int
    }

    public enum ChoiceError: Error, Equatable {
        /// Not a pair this server handed out (or one already judged): the page fetches a new one.
        case unknownPair(String)
    }

    public let source: PairSource
    public let pairsFile: URL
    let classNames: [String]
    let imageSize: (height: Int, width: Int)
    private var rng: RandomStream
    private var pending: [String: PairSource.Draw] = [:]
    private var order: [String] = []
    private var nextID = 0
    private let lock = NSLock()
    /// Pairs in the file (complete lines), counting those recorded before this server started.
    public private(set) var recorded: Int
    public private(set) var skipped = 0
    /// Bytes of a torn last line removed at start (a crash inside a write), for the start message.
    public let repairedBytes: Int

    /// Opens `pairsFile` (created on the first choice; a torn last line is removed) for `runFolder`'s samples.
    public init(runFolder: URL, pairsFile: URL, seed: UInt64, components: Components = .standard()) throws {
        source = try PairSource(runFolder: runFolder, components: components)
        guard let size = source.imageSize else {
            throw ConfigurationError(location: runFolder.path, what: "the run's samples are not images",
                                     hint: "the labelling page shows image pairs: use a digits or Fashion-MNIST run")
        }
        (classNames, imageSize, self.pairsFile) = (source.classNames, size, pairsFile)
        rng = RandomStream(seed: seed, .preferencePairs)
        repairedBytes = try PreferencePairs.removeTornTail(pairsFile)
        recorded = PreferencePairs.count(pairsFile)
    }

    /// A new pair to judge (two samples of one class, or of one prompt).
    public func next() throws -> Shown {
        let (id, draw, count) = lock.withLock { () -> (String, PairSource.Draw, Int) in
            let draw = source.draw(1, rng: &rng)[0]
            nextID += 1
            let id = "p\(nextID)"
            pending[id] = draw
            order.append(id)
            if order.count > 256 { pending[order.removeFirst()] = nil }   // abandoned pairs are forgotten
            return (id, draw, recorded)
        }
        return Shown(id: id, label: draw.label, className: draw.label < classNames.count ? classNames[draw.label] : "\(draw.label)",
                     prompt: draw.prompt, left: try png(draw.left), right: try png(draw.right), recorded: count)
    }

    /// Records the choice for pair `id` (`nil`: skipped, nothing written) and returns the number
    /// of recorded pairs. Each pair is judged once.
    @discardableResult
    public func choose(_ id: String, _ choice: PreferencePair.Choice?) throws -> Int {
        try lock.withLock {
            guard let draw = pending.removeValue(forKey: id) else { throw ChoiceError.unknownPair(id) }
            order.removeAll { $0 == id }
            guard let choice else { skipped += 1; return recorded }
            try PreferencePairs.append(source.pair(draw, choice: choice, source: "label-page"), to: pairsFile)
            recorded += 1
            return recorded
        }
    }

    /// A sample as a `data:image/png;base64,…` URL (libpng, enlarged for the page).
    func png(_ values: [Float]) throws -> String {
        let scale = max(1, 192 / max(imageSize.height, imageSize.width))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-label-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: file) }
        try ImageGrid.writeGrid([values], rows: 1, columns: 1, height: imageSize.height, width: imageSize.width, scale: scale, to: file.path)
        return "data:image/png;base64," + (try Data(contentsOf: file)).base64EncodedString()
    }
}
