/// The condition `c` of each sample in a batch: a class label, or the null condition `∅`.
///
/// Classifier-free guidance evaluates a model at `c` and at `∅`; conditional models learn both
/// by dropping labels to `∅` during training. Networks map labels to learned embedding
/// vectors, with one extra learned vector for `∅`.
public struct Conditions: Sendable, Equatable, Codable {
    /// The label that means "no condition".
    public static let nullLabel = -1

    /// Per-sample labels in `0..<classCount`, or ``nullLabel``.
    public var labels: [Int]

    public init(labels: [Int]) { self.labels = labels }

    /// `count` null conditions.
    public static func null(count: Int) -> Conditions { Conditions(labels: [Int](repeating: nullLabel, count: count)) }

    public var count: Int { labels.count }

    /// The same batch with every label replaced by `∅`.
    public var nulled: Conditions { .null(count: count) }

    /// This batch followed by `other` (for evaluating both CFG branches in one pass).
    public func appending(_ other: Conditions) -> Conditions { Conditions(labels: labels + other.labels) }

    /// Row index into an embedding table of `classCount + 1` rows (the last is `∅`).
    public func embeddingRows(classCount: Int) -> [Int] {
        labels.map { label in
            precondition(label == Self.nullLabel || (0..<classCount).contains(label),
                         "condition label \(label) is outside 0..<\(classCount)")
            return label == Self.nullLabel ? classCount : label
        }
    }
}
