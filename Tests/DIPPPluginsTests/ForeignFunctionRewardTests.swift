import DIPPDiffusion
import DIPPPlugins
import DIPPTensor
import DiffInstruct
import Foundation
import Testing

/// Foreign-function rewards through libffi, against `libForeignScore.so` (a plain C library).
@Suite(.serialized) struct ForeignFunctionRewardTests {
    static func library() throws -> String {
        try #require(PluginHostTests.builtPlugin("ForeignScore"), "libForeignScore.so is built by `swift build`")
    }

    /// Found by reading for the fuzz harness: a spec with nothing after the path indexed an
    /// empty array; now it is an error that says what is missing.
    @Test func aSpecWithoutADeclarationIsRefused() {
        for spec in ["libscore.so:", "libscore.so: ", "libscore.so:;grad=void g(const float *x, int64_t n, float *g)"] {
            #expect { try ForeignFunctionReward.split(spec: spec) } throws: { ($0 as? PluginError)?.kind == .invalidSignature }
        }
    }

    @Test func declarationsAreParsedAndCheckedBeforeAnyCall() throws {
        let d = try ForeignFunctionReward.parse("float ink(const float *x, int64_t n)", gradient: false)
        #expect(d == .init(symbol: "ink", returnsDouble: false, lengthIs32Bit: false, lengthFirst: false))
        let e = try ForeignFunctionReward.parse("double  ink_double ( int32_t n,const float* x )", gradient: false)
        #expect(e == .init(symbol: "ink_double", returnsDouble: true, lengthIs32Bit: true, lengthFirst: true))
        for bad in ["int ink(const float *x, int64_t n)", "float ink(float *x, int64_t n)", "float ink(const float *x)",
                    "float ink(const float *x, double n)", "ink", "float (const float *x, int64_t n)"] {
            #expect(throws: PluginError.self, "\(bad)") { try ForeignFunctionReward.parse(bad, gradient: false) }
        }
        #expect(throws: PluginError.self) { try ForeignFunctionReward.parse("float g(const float *x, int64_t n, float *g)", gradient: true) }
        let path = try Self.library()
        do {
            _ = try ForeignFunctionReward(spec: "\(path):float nope(const float *x, int64_t n)")
            Issue.record("a missing symbol was accepted")
        } catch let error as PluginError {
            #expect(error.kind == .missingSymbol && error.what.contains("nope"))
        }
    }

    @Test(arguments: [
        "float ink(const float *x, int64_t n);grad=void ink_grad(const float *x, int64_t n, float *g)",
        "float ink(const float *x, int64_t n)",
        "double ink_double(int32_t n, const float *x)",
    ])
    func valuesAndGradients(_ declaration: String) throws {
        let reward = try ForeignFunctionReward(spec: "\(Self.library()):\(declaration)")
        #expect(reward.usesFiniteDifferences == !declaration.contains("grad="))
        let x = Tensor(shape: [2, 4], storage: [-1, 1, 0, 0.5, 1, 1, 1, 1])
        let values = reward.reward(x, conditions: .null(count: 2)).storage
        #expect(Swift.abs(values[0] - (0 + 1 + 0.5 + 0.75) / 4) < 1e-6 && Swift.abs(values[1] - 1) < 1e-6)
        let report = GradientCheck.check([x]) { reward.reward($0[0], conditions: .null(count: 2)) }
        #expect(report.passed, "\(report)")
    }

    /// Aligning a one-step digits generator with the foreign `ink` function raises its mean.
    @Test func aligningWithAForeignFunctionRaisesIt() throws {
        let reward = try ForeignFunctionReward(spec: "\(Self.library()):float ink(const float *x, int64_t n);grad=void ink_grad(const float *x, int64_t n, float *g)")
        // ∇ink = 1/(2·64) per pixel is small, but gradient normalisation (the default) makes
        // α_rew independent of it.
        let (before, after) = try RewardAlignment.meanReward(aligningWith: reward, named: "ffi:ink", rewardScale: 10)
        #expect(after > before + 0.02, "mean ink \(before) → \(after)")
    }

    @Test func foreignRewardsConform() throws {
        var rng = RandomStream(seed: 9)
        let ink = try ForeignFunctionReward(spec: "\(Self.library()):float ink(const float *x, int64_t n)")
        let results = Conformance.checkReward(ink, samples: Tensor.randomUniform([4, 64], in: -1...1, using: &rng),
                                              conditions: Conditions(labels: [0, 1, 2, Conditions.nullLabel]))
        #expect(results.allPassed, "\(results.failures)")
    }

    /// Evaluating a foreign reward without gradients calls the function once per sample: the
    /// central differences (2·n calls per sample) run only when a backward pass asks for them.
    @Test func foreignRewardsComputeGradientsOnlyWhenAsked() throws {
        let library = try ForeignFunctionRewardTests.library()
        let ink = try ForeignFunctionReward(spec: "\(library):float ink(const float *x, int64_t n)")
        let counter = try #require(dlsym(dlopen(library, RTLD_NOW), "ink_calls"), "the fixture counts its calls")
        let calls = unsafeBitCast(counter, to: (@convention(c) () -> Int64).self)
        let x = Tensor(shape: [5, 8], storage: (0..<40).map { Float($0) / 40 })
        let before = calls()
        _ = ink.meanReward(x, conditions: Conditions(labels: [Int](repeating: 0, count: 5)))
        #expect(calls() - before == 5)
        _ = ink.rewardAndGradient(x, conditions: Conditions(labels: [Int](repeating: 0, count: 5)))
        #expect(calls() - before == 5 + 5 + 5 * 8 * 2)
    }
}
