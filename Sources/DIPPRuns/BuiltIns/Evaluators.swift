import DIPPComponents
import DIPPData
import DIPPEvaluation
import DIPPTensor

extension ModeCoverageEvaluator: ComponentRegistration {
    public static func register(in components: Components) {
        components.evaluators.register("mode-coverage", summary: "the 2-D toy: fraction within 3σ of their mode, modes covered, spread, MMD² to held-out data") {
            guard $0.train.dimension == 2, (1...GaussianMixture2D().modes).contains($0.train.classCount) else {
                throw ConfigurationError(location: "evaluator 'mode-coverage'", what: "the data \($0.train.name) is not the 2-D toy's points",
                                         hint: "mode-coverage measures samples of gmm2d; sample-statistics fits any data")
            }
            return ModeCoverageEvaluator(heldOut: $0.heldOut)
        }
    }
}

extension ImageClassifierEvaluator: ComponentRegistration {
    public static func register(in components: Components) {
        components.evaluators.register("image-classifier", summary: "images with classes: in-project classifier accuracy and Fréchet distance in its features, with the real-data floor") {
            guard $0.train.classCount > 0 else {
                throw ConfigurationError(location: "evaluator 'image-classifier'", what: "the data \($0.train.name) has no classes to train a classifier on",
                                         hint: "sample-statistics fits data without classes")
            }
            return try ImageClassifierEvaluator(context: $0)
        }
    }
}

extension SampleStatisticsEvaluator: ComponentRegistration {
    public static func register(in components: Components) {
        components.evaluators.register("sample-statistics", summary: "any data: per-dimension mean gap and spread ratio, MMD² to held-out samples") {
            SampleStatisticsEvaluator(heldOut: $0.heldOut)
        }
    }
}
