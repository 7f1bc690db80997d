import DIPPTensor

/// Saving and restoring optimizer and EMA state as named tensors for checkpoints.
extension Adam {
    /// `prefix + "m.i"` and `prefix + "v.i"` for each parameter `i` (empty before the first step).
    public func stateTensors(prefix: String) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (i, (m, v)) in zip(firstMoments, secondMoments).enumerated() {
            out["\(prefix)m.\(i)"] = Tensor(shape: [m.count], storage: m)
            out["\(prefix)v.\(i)"] = Tensor(shape: [v.count], storage: v)
        }
        return out
    }

    /// Restores moments saved by ``stateTensors(prefix:)`` for `parameters`, and the step count.
    public mutating func restore(from tensors: [String: Tensor], prefix: String, step: Int, parameters: [Tensor],
                                 source: String) throws {
        self.step = step
        guard step > 0 else { firstMoments = []; secondMoments = []; return }
        var m: [[Float]] = [], v: [[Float]] = []
        for (i, p) in parameters.enumerated() {
            guard let mi = tensors["\(prefix)m.\(i)"], let vi = tensors["\(prefix)v.\(i)"], mi.count == p.count, vi.count == p.count else {
                throw ConfigurationError(location: "\(source), tensor '\(prefix)m.\(i)'", what: "optimizer state is missing or mis-sized",
                                         hint: "the checkpoint does not match this model; start a new run folder")
            }
            m.append(mi.storage)
            v.append(vi.storage)
        }
        firstMoments = m
        secondMoments = v
    }
}

extension ExponentialMovingAverage {
    /// The averages under the parameters' names, each prefixed.
    public func stateTensors(prefix: String, names: [String], shapes: [[Int]]) -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: zip(zip(names, shapes), averages).map { ("\(prefix)\($0.0)", Tensor(shape: $0.1, storage: $1)) })
    }

    /// Restores averages saved by ``stateTensors(prefix:names:shapes:)``.
    public init(restoring tensors: [String: Tensor], prefix: String, names: [String], counts: [Int], schedule: Schedule,
                source: String) throws {
        var averages: [[Float]] = []
        for (name, count) in zip(names, counts) {
            guard let t = tensors["\(prefix)\(name)"], t.count == count else {
                throw ConfigurationError(location: "\(source), tensor '\(prefix)\(name)'", what: "EMA state is missing or mis-sized",
                                         hint: "the checkpoint does not match this model; start a new run folder")
            }
            averages.append(t.storage)
        }
        self.init(averages: averages, schedule: schedule)
    }
}
