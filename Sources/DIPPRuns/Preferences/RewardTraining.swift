import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPNN
import DIPPTensor
import Foundation

/// Fits a ``LearnedReward`` to preference pairs with the Bradley–Terry loss (ImageReward, PickScore):
///
///     P(a ≻ b | c) = σ(r(a, c) − r(b, c)),
///     L = −E[ y·log σ(d) + (1 − y)·log σ(−d) ] = E[ y·softplus(−d) + (1 − y)·softplus(d) ],  d = r(left) − r(right),
///
/// with `y = 1` (left chosen), `0` (right) or `½` (a tie: the two are equally likely to win).
/// A seeded share of the pairs is held out: accuracy (ties excluded), loss and calibration are
/// measured there only. A further share of the training pairs is kept for validation, and the
/// weights of the epoch with the lowest validation loss are kept (early stopping: a few thousand
/// pairs overfit a network of this size within tens of epochs).
public enum RewardTraining {
    /// The pairs as tensors: samples flattened, conditions built once.
    struct Batch {
        let left: Tensor, right: Tensor, targets: Tensor
        let conditions: Conditions
    }

    /// What training measured (written as `report.json` and `report.md`).
    public struct Report: Codable, Sendable {
        public struct Epoch: Codable, Sendable {
            public var epoch: Int
            public var trainLoss: Double
            /// `nil` without a validation share (the last epoch is kept).
            public var validationLoss: Double?
            public var heldOutLoss: Double
            public var heldOutAccuracy: Double
        }

        /// A reliability bin: held-out pairs whose predicted `P(left ≻ right)` fell in `[lower, upper)`.
        public struct CalibrationBin: Codable, Sendable {
            public var lower: Double, upper: Double
            public var count: Int
            public var meanPredicted: Double
            /// The observed frequency of "left" (a tie counts ½).
            public var observed: Double
        }

        public var pairs: Int
        public var trainPairs: Int
        public var validationPairs: Int
        /// The epoch whose weights were kept (lowest validation loss).
        public var bestEpoch: Int
        /// Indices (into the pairs file) of the held-out pairs.
        public var heldOut: [Int]
        public var heldOutTies: Int
        /// Agreement of `sign(d)` with the recorded choice on held-out pairs that are not ties.
        public var heldOutAccuracy: Double
        public var heldOutLoss: Double
        /// `nil` when every training pair is a tie.
        public var trainAccuracy: Double?
        public var calibration: [CalibrationBin]
        /// `Σ_bins (n_b/n)·|mean predicted − observed|`.
        public var expectedCalibrationError: Double
        public var curve: [Epoch]
        public var seconds: Double
    }

    /// Conditioning chosen from the pairs: prompts if any pair has one, else labels if every pair
    /// has one, else none.
    public static func configuration(for pairs: [PreferencePair], textEncoder: String = "all-MiniLM-L6-v2",
                                     components: Components = .standard()) throws -> LearnedRewardConfiguration {
        let shape = pairs[0].shape
        if pairs.contains(where: { $0.prompt != nil }) {
            let encoder = try components.textEncoder(textEncoder)
            return LearnedRewardConfiguration(sampleShape: shape, conditioning: .prompt, textDimension: encoder.dimension, textEncoder: encoder.identifier)
        }
        if pairs.allSatisfy({ $0.label != nil }) {
            return LearnedRewardConfiguration(sampleShape: shape, conditioning: .label, classCount: (pairs.compactMap(\.label).max() ?? 0) + 1)
        }
        return LearnedRewardConfiguration(sampleShape: shape, conditioning: .none)
    }

    /// Trains a reward on `pairs` (progress lines through `log`).
    public static func train(pairs: [PreferencePair], configuration: LearnedRewardConfiguration, components: Components = .standard(),
                             log: (String) -> Void = { _ in }) throws -> (reward: LearnedReward, report: Report) {
        let t = configuration.training
        guard pairs.count >= 2 else {
            throw ConfigurationError(location: "pairs", what: "\(pairs.count) pair(s) cannot be split for training and held-out accuracy",
                                     hint: "label at least a few dozen pairs")
        }
        guard t.epochs >= 1, t.batchSize >= 1, t.heldOutFraction > 0, t.heldOutFraction < 1, t.validationFraction >= 0, t.validationFraction < 1 else {
            throw ConfigurationError(location: "training", what: "epochs and batchSize must be ≥ 1, heldOutFraction in (0, 1) and validationFraction in [0, 1)",
                                     hint: "e.g. {\"epochs\": 50, \"batchSize\": 64, \"heldOutFraction\": 0.2}")
        }
        guard pairs[0].shape == configuration.sampleShape else {
            throw ConfigurationError(location: "pairs", what: "sample shape \(pairs[0].shape) differs from the reward's \(configuration.sampleShape)",
                                     hint: "train the reward on pairs of the data it will score")
        }
        let start = Date()
        var rng = RandomStream(seed: t.seed, .rewardTraining)
        let model = LearnedReward(configuration, rng: &rng)
        let order = rng.permutation(pairs.count)
        let heldOutCount = min(pairs.count - 1, max(1, Int((Double(pairs.count) * t.heldOutFraction).rounded())))
        let heldOut = Array(order.prefix(heldOutCount)).sorted(), rest = Array(order.dropFirst(heldOutCount))
        let validationCount = t.validationFraction > 0 && rest.count >= 2 ? max(1, Int((Double(rest.count) * t.validationFraction).rounded())) : 0
        let validation = Array(rest.prefix(validationCount)), trainIndices = Array(rest.dropFirst(validationCount))
        let trainSet = try batch(pairs, trainIndices, configuration, components), testSet = try batch(pairs, heldOut, configuration, components)
        let validationSet = try batch(pairs, validation, configuration, components)
        var best: (epoch: Int, loss: Double, weights: [[Float]]) = (0, .infinity, model.parameters.map(\.storage))

        var adam = Adam(.init(learningRate: t.learningRate, weightDecay: t.weightDecay))
        var curve: [Report.Epoch] = []
        for epoch in 1...t.epochs {
            let shuffled = rng.permutation(trainIndices.count)
            var lossSum = 0.0
            for start in stride(from: 0, to: shuffled.count, by: t.batchSize) {
                let rows = Array(shuffled[start..<min(start + t.batchSize, shuffled.count)])
                let b = trainSet.rows(rows)
                let noise = { (x: Tensor) in t.inputNoise > 0 ? x + Tensor.randomNormal(x.shape, using: &rng) * t.inputNoise : x }
                let loss = bradleyTerryLoss(model, left: noise(b.left), right: noise(b.right), targets: b.targets, conditions: b.conditions)
                _ = try applyGradientStep(Tensor.gradients(of: loss, withRespectTo: model.parameters), to: model.parameters, optimizer: &adam,
                                          clip: 0, what: "the gradient norm", at: "reward training, epoch \(epoch), batch \(start / t.batchSize + 1)")
                lossSum += Double(loss.scalar) * Double(rows.count)
            }
            let test = evaluate(model, testSet), check = evaluate(model, validationSet)
            if validationCount == 0 || check.loss < best.loss { best = (epoch, check.loss, model.parameters.map(\.storage)) }
            curve.append(.init(epoch: epoch, trainLoss: lossSum / Double(max(trainIndices.count, 1)), validationLoss: validationCount > 0 ? check.loss : nil,
                               heldOutLoss: test.loss, heldOutAccuracy: test.accuracy))
            if epoch == 1 || epoch % 10 == 0 || epoch == t.epochs {
                log(String(format: "epoch %d/%d  train loss %.4f  held-out loss %.4f  held-out accuracy %.3f",
                           epoch, t.epochs, curve.last!.trainLoss, test.loss, test.accuracy))
            }
        }
        for (parameter, weights) in zip(model.parameters, best.weights) { parameter.withMutableStorage { $0 = weights } }
        model.setTrainable(false)
        let test = evaluate(model, testSet), train = evaluate(model, trainSet)
        guard test.accuracy.isFinite else {
            throw ConfigurationError(location: "pairs", what: "every held-out pair is a tie: no pairwise accuracy to measure",
                                     hint: "label more pairs, or hold out a larger share (--held-out)")
        }
        let bins = calibration(test.probabilities, targets: testSet.targets.storage)
        let ece = bins.reduce(0.0) { $0 + Double($1.count) / Double(max(heldOut.count, 1)) * abs($1.meanPredicted - $1.observed) }
        let report = Report(pairs: pairs.count, trainPairs: trainIndices.count, validationPairs: validationCount, bestEpoch: best.epoch, heldOut: heldOut,
                            heldOutTies: heldOut.filter { pairs[$0].choice == .tie }.count, heldOutAccuracy: test.accuracy,
                            heldOutLoss: test.loss, trainAccuracy: train.accuracy.isFinite ? train.accuracy : nil, calibration: bins, expectedCalibrationError: ece,
                            curve: curve, seconds: Date().timeIntervalSince(start))
        return (model, report)
    }

    /// `mean_i [ y_i·softplus(−d_i) + (1 − y_i)·softplus(d_i) ]`, `d_i = r(left_i) − r(right_i)`.
    public static func bradleyTerryLoss(_ reward: LearnedReward, left: Tensor, right: Tensor, targets: Tensor, conditions: Conditions) -> Tensor {
        let d = reward.reward(left, conditions: conditions) - reward.reward(right, conditions: conditions)
        return (targets * (-d).softplus() + (1 - targets) * d.softplus()).mean()
    }

    /// Held-out loss, accuracy (ties excluded) and `P(left ≻ right)` per pair.
    static func evaluate(_ model: LearnedReward, _ set: Batch) -> (loss: Double, accuracy: Double, probabilities: [Float]) {
        guard set.targets.count > 0 else { return (.nan, .nan, []) }
        return withoutGradients {
            let d = (model.reward(set.left, conditions: set.conditions) - model.reward(set.right, conditions: set.conditions)).storage
            let y = set.targets.storage
            var loss = 0.0, right = 0, decided = 0
            for (di, yi) in zip(d, y) {
                loss += Double(yi * softplus(-di) + (1 - yi) * softplus(di))
                if yi != 0.5 { decided += 1; if (di > 0) == (yi == 1) { right += 1 } }
            }
            return (loss / Double(d.count), decided > 0 ? Double(right) / Double(decided) : .nan, d.map { 1 / (1 + Foundation.exp(-$0)) })
        }
    }

    /// Ten equal-width bins of predicted `P(left ≻ right)` (empty bins omitted).
    static func calibration(_ p: [Float], targets: [Float]) -> [Report.CalibrationBin] {
        (0..<10).compactMap { b in
            let (lower, upper) = (Double(b) / 10, Double(b + 1) / 10)
            let members = p.indices.filter { Double(p[$0]) >= lower && (Double(p[$0]) < upper || (b == 9 && p[$0] <= 1)) }
            guard !members.isEmpty else { return nil }
            return .init(lower: lower, upper: upper, count: members.count,
                         meanPredicted: members.reduce(0.0) { $0 + Double(p[$1]) } / Double(members.count),
                         observed: members.reduce(0.0) { $0 + Double(targets[$1]) } / Double(members.count))
        }
    }

    static func softplus(_ x: Float) -> Float { x > 20 ? x : Foundation.log1p(Foundation.exp(x)) }

    /// The pairs at `indices` as tensors, with their conditions.
    static func batch(_ pairs: [PreferencePair], _ indices: [Int], _ c: LearnedRewardConfiguration, _ components: Components) throws -> Batch {
        let d = c.sampleShape.reduce(1, *), n = indices.count
        let chosen = indices.map { pairs[$0] }
        let conditions: Conditions
        switch c.conditioning {
        case .none:
            conditions = .null(count: n)
        case .label:
            conditions = Conditions(labels: chosen.map { $0.label ?? Conditions.nullLabel })
        case .prompt:
            let encoder = try components.textEncoder(c.textEncoder ?? "all-MiniLM-L6-v2")
            let prompts = chosen.map { $0.prompt ?? "" }
            let pooled = n > 0 ? encoder.embed(prompts).storage : []
            conditions = Conditions(count: n, labels: chosen.map { $0.label ?? Conditions.nullLabel },
                                    text: TextEmbedding(dimension: encoder.dimension, pooled: pooled, prompts: prompts),
                                    isNull: prompts.map(\.isEmpty))
        }
        return Batch(left: Tensor(shape: [n, d], storage: chosen.flatMap(\.left)), right: Tensor(shape: [n, d], storage: chosen.flatMap(\.right)),
                     targets: Tensor(shape: [n], storage: chosen.map(\.choice.target)), conditions: conditions)
    }
}

extension RewardTraining.Batch {
    /// The pairs at `rows` of this batch.
    func rows(_ rows: [Int]) -> RewardTraining.Batch {
        .init(left: left.indexSelect(axis: 0, indices: rows), right: right.indexSelect(axis: 0, indices: rows),
              targets: targets.indexSelect(axis: 0, indices: rows), conditions: conditions.subset(rows))
    }
}
