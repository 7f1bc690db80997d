import DIPPDiffusion
import DIPPNN
import DIPPRuns
import DIPPTensor
import Foundation
import Testing

/// The learned reward and its Bradley–Terry training: the loss against its closed form, gradients
/// against finite differences, and learning a known utility up to the noise ceiling.
@Suite struct RewardModelTests {
    /// A linear reward `r(x) = wᵀx + b` (no hidden layer) with chosen weights.
    func linearReward(_ w: [Float], bias: Float, conditioning: LearnedRewardConfiguration.Conditioning = .none, classCount: Int = 0) -> LearnedReward {
        var c = LearnedRewardConfiguration(sampleShape: [w.count - (conditioning == .label ? classCount + 1 : 0)], conditioning: conditioning,
                                           classCount: classCount)
        c.network.hidden = []
        var rng = RandomStream(seed: 1)
        let reward = LearnedReward(c, rng: &rng)
        reward.layers[0].weight.withMutableStorage { $0 = w }
        reward.layers[0].bias!.withMutableStorage { $0 = [bias] }
        return reward
    }

    @Test func bradleyTerryLossMatchesItsClosedForm() {
        // r(x) = 2x₁ − x₂ + 0.3; pairs with targets 1 (left), 0 (right), ½ (tie).
        let reward = linearReward([2, -1], bias: 0.3)
        let left = Tensor(shape: [3, 2], storage: [1, 0, 0.5, 0.5, -1, 2])
        let right = Tensor(shape: [3, 2], storage: [0, 0, 1, -1, 0, 0])
        let targets = Tensor(shape: [3], storage: [1, 0, 0.5])
        let loss = RewardTraining.bradleyTerryLoss(reward, left: left, right: right, targets: targets, conditions: .null(count: 3)).scalar
        func softplus(_ x: Double) -> Double { log(1 + exp(x)) }
        let d: [Double] = [2, 0.5 - 3, -4]   // r(left) − r(right)
        let expected = (softplus(-d[0]) + softplus(d[1]) + 0.5 * softplus(-d[2]) + 0.5 * softplus(d[2])) / 3
        #expect(abs(Double(loss) - expected) < 1e-5, "\(loss) vs \(expected)")
    }

    @Test func bradleyTerryGradientsMatchFiniteDifferences() {
        var c = LearnedRewardConfiguration(sampleShape: [5], conditioning: .label, classCount: 3)
        c.network.hidden = [7]
        var rng = RandomStream(seed: 4)
        let reward = LearnedReward(c, rng: &rng)
        let left = Tensor.randomNormal([4, 5], using: &rng), right = Tensor.randomNormal([4, 5], using: &rng)
        let targets = Tensor(shape: [4], storage: [1, 0, 0.5, 1])
        let conditions = Conditions(labels: [0, 2, Conditions.nullLabel, 1])
        let parameters = GradientCheck.checkInPlace(reward.parameters) {
            RewardTraining.bradleyTerryLoss(reward, left: left, right: right, targets: targets, conditions: conditions)
        }
        #expect(parameters.passed, "\(parameters)")
        // ∇ₓ r, what DI++ uses.
        let inputs = GradientCheck.check([left]) { reward.reward($0[0], conditions: conditions) }
        #expect(inputs.passed, "\(inputs)")
    }

    @Test func labelConditioningReadsTheClassAndTheNullSlot() {
        // Weights: 0 on the sample, 1, 2, 3 on the one-hot of classes 0, 1 and ∅.
        let reward = linearReward([0, 0, 1, 2, 3], bias: 0, conditioning: .label, classCount: 2)
        let r = reward.reward(Tensor.zeros([3, 2]), conditions: Conditions(labels: [0, 1, Conditions.nullLabel])).storage
        #expect(r == [1, 2, 3])
    }

    /// Pairs of Gaussian samples judged by `σ((u(a) − u(b))/τ)` with `u(x) = kᵀx`.
    static func syntheticPairs(count: Int, seed: UInt64) -> [PreferencePair] {
        var rng = RandomStream(seed: seed)
        let k: [Float] = [1, -0.5, 0.25, 0, 0, 0.75]
        return (0..<count).map { _ in
            let a = Tensor.randomNormal([6], using: &rng).storage, b = Tensor.randomNormal([6], using: &rng).storage
            let delta = zip(k, zip(a, b)).reduce(Float(0)) { $0 + $1.0 * ($1.1.0 - $1.1.1) }
            let choice: PreferencePair.Choice = rng.uniform(1)[0] < 1 / (1 + exp(-delta / 0.3)) ? .left : .right
            return PreferencePair(label: nil, shape: [6], left: a, right: b, choice: choice)
        }
    }

    @Test func learnsALinearUtilityToTheNoiseCeiling() throws {
        let pairs = Self.syntheticPairs(count: 1000, seed: 7)
        var c = try RewardTraining.configuration(for: pairs)
        #expect(c.conditioning == .none)
        c.training.epochs = 30
        let (reward, report) = try RewardTraining.train(pairs: pairs, configuration: c)
        // The noise ceiling: sign(kᵀ(a − b)) on the same held-out pairs.
        let k: [Float] = [1, -0.5, 0.25, 0, 0, 0.75]
        let ceiling = Double(report.heldOut.filter { i in
            let p = pairs[i]
            return (zip(k, zip(p.left, p.right)).reduce(Float(0)) { $0 + $1.0 * ($1.1.0 - $1.1.1) } > 0) == (p.choice == .left)
        }.count) / Double(report.heldOut.count)
        #expect(report.heldOut.count == 200 && report.trainPairs + report.validationPairs == 800)
        #expect(report.heldOutAccuracy >= 0.9 * ceiling, "accuracy \(report.heldOutAccuracy), ceiling \(ceiling)")
        #expect(report.expectedCalibrationError < 0.1, "ECE \(report.expectedCalibrationError)")
        #expect(report.bestEpoch >= 1 && report.curve.count == 30)
        // The learned reward orders samples along k.
        let x = Tensor(shape: [2, 6], storage: k.map { -$0 } + k)
        let r = reward.reward(x, conditions: .null(count: 2)).storage
        #expect(r[1] > r[0])
    }

    @Test func savedRewardsLoadWithTheSameOutputs() throws {
        let pairs = Self.syntheticPairs(count: 100, seed: 8)
        var c = try RewardTraining.configuration(for: pairs)
        c.training.epochs = 2
        let (reward, _) = try RewardTraining.train(pairs: pairs, configuration: c)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-learned-reward-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try reward.save(to: folder)
        let loaded = try LearnedReward.load(from: folder)
        var rng = RandomStream(seed: 2)
        let x = Tensor.randomNormal([5, 6], using: &rng)
        #expect(loaded.reward(x, conditions: .null(count: 5)).storage == reward.reward(x, conditions: .null(count: 5)).storage)
        #expect(loaded.configuration == c)
        #expect(throws: ConfigurationError.self) { try LearnedReward.load(from: folder.appendingPathComponent("missing")) }
    }

    /// Reward training goes through the shared checked gradient step: NaN samples stop it.
    @Test func trainingStopsOnANonFiniteGradient() throws {
        let pairs = Self.syntheticPairs(count: 20, seed: 11).map { pair in
            var p = pair
            p.left[0] = .nan
            return p
        }
        var c = try RewardTraining.configuration(for: pairs)
        c.training.epochs = 1
        #expect {
            _ = try RewardTraining.train(pairs: pairs, configuration: c)
        } throws: { error in
            (error as? NonFiniteValueError)?.location.hasPrefix("reward training, epoch 1, batch 1") == true
        }
    }

    @Test func tooFewPairsAndBadOptionsAreRefused() throws {
        let pairs = Self.syntheticPairs(count: 10, seed: 9)
        var c = try RewardTraining.configuration(for: pairs)
        #expect(throws: ConfigurationError.self) { try RewardTraining.train(pairs: Array(pairs.prefix(1)), configuration: c) }
        for share in [0.0, 1.0] {
            c.training.heldOutFraction = share
            #expect(throws: ConfigurationError.self) { try RewardTraining.train(pairs: pairs, configuration: c) }
        }
    }

    @Test func withoutAValidationShareTheLastEpochIsKeptAndReported() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dipp-reward-run-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("pairs.jsonl")
        for pair in Self.syntheticPairs(count: 60, seed: 10) { try PreferencePairs.append(pair, to: file) }
        let (_, report) = try RewardRun.train(pairsFile: file, folder: folder.appendingPathComponent("rm"), configure: { c in
            c.training.validationFraction = 0
            c.training.epochs = 3
        }, log: { _ in })
        #expect(report.validationPairs == 0 && report.bestEpoch == 3 && report.curve.allSatisfy { $0.validationLoss == nil })
        let saved = try JSONDecoder().decode(RewardTraining.Report.self, from: Data(contentsOf: folder.appendingPathComponent("rm/report.json")))
        #expect(saved.heldOut == report.heldOut && saved.trainPairs == 48)
    }
}
