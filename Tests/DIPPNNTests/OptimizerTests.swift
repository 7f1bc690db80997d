import DIPPNN
import DIPPTensor
import Foundation
import Testing

/// Adam, clipping and EMA against their closed forms.
@Suite struct OptimizerTests {
    /// Adam's update written out in Double, independently of the implementation.
    static func referenceAdam(p0: Double, gradients: [Double], lr: Double, b1: Double, b2: Double, eps: Double, wd: Double) -> Double {
        var (p, m, v) = (p0, 0.0, 0.0)
        for (t, g) in gradients.enumerated() {
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            let mHat = m / (1 - Foundation.pow(b1, Double(t + 1))), vHat = v / (1 - Foundation.pow(b2, Double(t + 1)))
            p -= lr * (mHat / (vHat.squareRoot() + eps) + wd * p)
        }
        return p
    }

    @Test(arguments: [(Float(0.9), Float(0)), (0, 0), (0.9, 0.1)])
    func adamMatchesReference(_ c: (beta1: Float, weightDecay: Float)) {
        let p = Tensor(shape: [2], storage: [1, -0.5], requiresGrad: true)
        var adam = Adam(.init(learningRate: 0.1, beta1: c.beta1, beta2: 0.999, epsilon: 1e-8, weightDecay: c.weightDecay))
        let gradients: [[Float]] = [[0.3, -2], [0.1, 1], [-0.5, 0.25]]
        for g in gradients { adam.update([p], along: [Tensor(shape: [2], storage: g)]) }
        for j in 0..<2 {
            let expected = Self.referenceAdam(p0: [1, -0.5][j], gradients: gradients.map { Double($0[j]) }, lr: 0.1,
                                              b1: Double(c.beta1), b2: 0.999, eps: 1e-8, wd: Double(c.weightDecay))
            #expect(Swift.abs(Double(p.storage[j]) - expected) < 1e-5, "element \(j): \(p.storage[j]) vs \(expected)")
        }
        #expect(adam.step == 3)
    }

    @Test func adamFirstStepIsSignTimesLearningRate() {
        // Bias correction makes step 1 exactly lr·g/(|g| + ε) for any β₁, β₂.
        let p = Tensor(shape: [3], storage: [0, 0, 0], requiresGrad: true)
        var adam = Adam(.init(learningRate: 0.01, beta1: 0, beta2: 0.999))
        adam.update([p], along: [Tensor(shape: [3], storage: [5, -0.001, 2])])
        #expect(zip(p.storage, [-0.01, 0.01, -0.01]).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
    }

    @Test func decoupledWeightDecayWithZeroGradient() {
        let p = Tensor(shape: [1], storage: [2], requiresGrad: true)
        var adam = Adam(.init(learningRate: 0.1, weightDecay: 0.5))
        adam.update([p], along: [Tensor.zeros([1])])
        #expect(Swift.abs(p.storage[0] - 2 * (1 - 0.05)) < 1e-6)
    }

    @Test func clipping() {
        let grads = [Tensor(shape: [2], storage: [3, 0]), Tensor(shape: [1], storage: [4])]
        #expect(GradientClipping.globalNorm(grads) == 5)
        let (clipped, norm) = GradientClipping.clip(grads, maxNorm: 1)
        #expect(norm == 5)
        #expect(clipped[0].storage == [0.6, 0] && clipped[1].storage == [0.8])
        #expect(GradientClipping.clip(grads, maxNorm: 10).gradients[1].storage == [4])
    }

    @Test func emaFixedDecayClosedForm() {
        // Average starts at 0; parameter held at 1: after n steps ē = 1 − βⁿ.
        let p = Tensor(shape: [1], storage: [0], requiresGrad: true)
        var ema = ExponentialMovingAverage([p], schedule: .fixed(decay: 0.95))
        p.withMutableStorage { $0 = [1] }
        for _ in 0..<10 { ema.update([p], batchSize: 1, imagesSeen: 0) }
        #expect(Swift.abs(Double(ema.averages[0][0]) - (1 - Foundation.pow(0.95, 10))) < 1e-6)
    }

    @Test func emaHalfLife() {
        let schedule = ExponentialMovingAverage.Schedule.halfLife(images: 500, rampUp: nil)
        // After halfLife/batch steps the old value keeps weight ½.
        let beta = Double(schedule.decay(batchSize: 100, imagesSeen: 10_000))
        #expect(Swift.abs(Foundation.pow(beta, 5) - 0.5) < 1e-6)
        // Ramp-up: half-life = min(500, seen·0.05) = 50 images after 1000 seen.
        let ramped = Double(ExponentialMovingAverage.Schedule.halfLife(images: 500, rampUp: 0.05).decay(batchSize: 50, imagesSeen: 1000))
        #expect(Swift.abs(ramped - 0.5) < 1e-6)
    }

    /// The fused Adam + EMA pass equals Adam's update followed by the EMA's, bit for bit, on a
    /// parameter long enough to be split across threads (and one too short to be).
    @Test(arguments: [5, 100_003])
    func fusedAdamAndAverageEqualTheTwoUpdates(_ count: Int) {
        var rng = RandomStream(seed: 7)
        let start = rng.normal(count), schedule = ExponentialMovingAverage.Schedule.fixed(decay: 0.9)
        let (fused, separate) = (Tensor(shape: [count], storage: start, requiresGrad: true), Tensor(shape: [count], storage: start, requiresGrad: true))
        let configuration = Adam.Configuration(learningRate: 0.01, beta1: 0.5, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.1)
        var (adamFused, adamSeparate) = (Adam(configuration), Adam(configuration))
        var (emaFused, emaSeparate) = (ExponentialMovingAverage([fused], schedule: schedule), ExponentialMovingAverage([separate], schedule: schedule))
        for _ in 0..<3 {
            let g = Tensor(shape: [count], storage: rng.normal(count))
            emaFused.update([fused], adam: &adamFused, along: [g], batchSize: 1, imagesSeen: 0)
            adamSeparate.update([separate], along: [g])
            emaSeparate.update([separate], batchSize: 1, imagesSeen: 0)
        }
        #expect(fused.storage == separate.storage)
        #expect(emaFused.averages == emaSeparate.averages)
        #expect(adamFused.secondMoments == adamSeparate.secondMoments)
    }
}
