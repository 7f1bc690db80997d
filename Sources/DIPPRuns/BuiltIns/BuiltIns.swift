import DIPPComponents
import DIPPData
import DIPPDiffusion
import DIPPEvaluation
import DiffInstruct

/// DIPP's own components, each registered by its own ``ComponentRegistration`` conformance (in
/// the type's file, or for a type of a lower module in this folder's file of its kind). Adding a
/// built-in is its file plus one line here; the listing, the help texts, `Configuration.md`'s
/// tables and the conformance tests follow from the catalogue.
public enum BuiltIns {
    public static var all: [any ComponentRegistration.Type] { [
        // generators
        OneStepGenerator.self, MLPGenerator.self, VoxelFieldGenerator.self,
        // divergences
        IntegralKL.self, ScoreIdentity.self, ScoreDistillationSampling.self,
        // rewards
        NoReward.self, ClassifierReward.self, PromptAlignmentReward.self, LearnedReward.self, HiddenUtilityReward.self,
        ModeDistanceReward.self, LinearReward.self, CLIPScoreReward.self, AestheticReward.self,
        // guidance and the TA's objective
        ClassifierFreeGuidance.self, IntervalGuidance.self, EDMAssistantObjective.self,
        // samplers
        HeunSampler.self, EulerSampler.self, StochasticEDMSampler.self, GeneratorSampler.self,
        // evaluators
        ModeCoverageEvaluator.self, ImageClassifierEvaluator.self, SampleStatisticsEvaluator.self,
        // data sets
        GaussianMixture2D.self, Digits.self, DigitCaptions.self, Shapes3D.self, FashionMNIST.self, ImageFolder.self,
        // denoiser architectures and text encoders
        MLPDenoiserNetwork.self, UNetDenoiserNetwork.self, UNet2DNetwork.self, MiniLMEncoder.self,
        CLIPTextEncoderRegistration.self,
    ] }
}

extension Components {
    /// A catalogue with every built-in component registered (``BuiltIns/all``).
    public static func standard() -> Components {
        let c = Components()
        c.register(BuiltIns.all)
        return c
    }
}
