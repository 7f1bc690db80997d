import DIPPComponents
import DIPPNN
import DIPPRender
import DIPPTensor
import DiffInstruct

extension OneStepGenerator: ComponentRegistration {
    public struct Options: Codable, Sendable, Equatable {
        /// `σ_init` of `g(z) = D_θ(σ_init·z; σ_init)`.
        public var sigmaInit: Float = 2.5
        public init() {}
    }

    public static func register(in components: Components) {
        components.generators.register("one-step", summary: "the teacher at one noise level, initialised from its weights (DI++, SiD)",
                                       options: Options()) { o, context in
            OneStepGenerator(teacher: context.teacher, sigmaInit: o.sigmaInit)
        }
    }
}

extension MLPGenerator: ComponentRegistration {
    public static func register(in components: Components) {
        components.generators.register("mlp", summary: "a conditional MLP whose latent size differs from the data size",
                                       options: Configuration()) { o, context in
            guard o.latentDimension >= 1, o.embeddingDimension >= 1, o.hidden.allSatisfy({ $0 >= 1 }) else {
                throw ConfigurationError(location: "configuration, key 'generator'",
                                         what: "sizes latentDimension \(o.latentDimension), embeddingDimension \(o.embeddingDimension), hidden \(o.hidden)",
                                         hint: "every size ≥ 1 (defaults 8, 16, [256, 256])")
            }
            var rng = RandomStream(seed: context.seed, .generatorInitialisation)
            return MLPGenerator(o, sampleShape: context.train.sampleShape, classCount: context.train.classCount, rng: &rng)
        }
    }
}

extension VoxelFieldGenerator: ComponentRegistration {
    public static func register(in components: Components) {
        components.generators.register("voxel", summary: "text-to-3D: a voxel field rendered from each sample's camera (teachers trained on rendered views)",
                                       options: Configuration()) { o, context in
            guard context.train.kind == .renderedViews, let size = context.train.imageSize, size.height == size.width else {
                throw ConfigurationError(location: "generator 'voxel'", what: "the teacher's data \(context.train.name) has no cameras",
                                         hint: "a voxel field is rendered from cameras: use a teacher trained with --data shapes3d")
            }
            guard o.gridSize >= 2 else {
                throw ConfigurationError(location: "configuration, key 'generator.gridSize'", what: "a grid of \(o.gridSize) node(s) per side",
                                         hint: "a voxel grid needs at least 2 nodes per side (default 24)")
            }
            return VoxelFieldGenerator(o, renderer: VolumeRenderer(imageSize: size.height))
        }
    }
}
