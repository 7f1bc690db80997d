// swift-tools-version:6.0
import PackageDescription

// Layers, lowest first (see Documentation/Architecture.md). Nothing below imports anything above.
//   CDIPPBackend, CDIPPIO      C shims over Debian libraries (oneDNN, LAPACK, zlib, libpng, libjpeg-turbo)
//   CDIPPMPI                   MPI loaded at run time with dlopen (data-parallel jobs under mpirun)
//   DIPPTensor                 tensors, reverse-mode autodiff, RNG, GEMM backend, safetensors
//   DIPPNN                     layers, optimizers, EMA, checkpoints, configuration files, the communicator
//   DIPPRender                 cameras, differentiable volume rendering, isosurface meshes (PLY)
//   DIPPData                   self-describing data sets (gmm2d, digits, Fashion-MNIST, shapes3d, image folders), gzip, PNG, JPEG
//   DIPPText                   text encoders: the WordPiece tokenizer, BERT, all-MiniLM-L6-v2, a trainable bag of tokens; CLIP (both towers, BPE)
//   DIPPDiffusion              Conditions, ScoreModel, Guidance, EDM preconditioning/loss, samplers, denoisers (diffusers' UNet2DModel among them)
//   DiffInstruct               the core: Generator, RewardModel, Divergence (IKL, SiD), TA objectives, the DI++
//                              trainer, scheduled scalars, conformance checkers (no data, files or plugins)
//   DIPPEvaluation             evaluators (2-D mode coverage, sample statistics, in-project classifiers,
//                              Fréchet distance), ClassifierReward
//   DIPPComponents             the component catalogue: one registry per kind, per instance
//   CDIPPPluginABI, DIPPPlugins  the versioned C plugin ABI and the host that loads plugins with dlopen
//                              (plugin resolvers for any catalogue; no application module);
//   CDIPPFFI, CDIPPConfine     with libffi for foreign functions, and the validator's confined child process
//   DIPPRuns                   the application: the built-ins' registrations, run folders, teacher training,
//                              DI++ runs, logs, catalogue conformance
//   DIPPPluginSDK              Swift plugins: the core + the ABI only
//   DIPPLabel                  the preference-labelling page (an HTTP server on FlyingFox)
//   dipp                       the command-line tool
let package = Package(
    name: "DIPP",
    products: [
        .library(name: "DIPPTensor", targets: ["DIPPTensor"]),
        .library(name: "DIPPNN", targets: ["DIPPNN"]),
        .library(name: "DIPPRender", targets: ["DIPPRender"]),
        .library(name: "DIPPData", targets: ["DIPPData"]),
        .library(name: "DIPPDiffusion", targets: ["DIPPDiffusion"]),
        .library(name: "DIPPText", targets: ["DIPPText"]),
        .library(name: "DIPPEvaluation", targets: ["DIPPEvaluation"]),
        .library(name: "DiffInstruct", targets: ["DiffInstruct"]),
        .library(name: "DIPPComponents", targets: ["DIPPComponents"]),
        .library(name: "DIPPRuns", targets: ["DIPPRuns"]),
        .library(name: "DIPPPlugins", targets: ["DIPPPlugins"]),
        // Run-time plugins shipped with DIPP (loaded with dlopen, never linked).
        .library(name: "SymmetryReward", type: .dynamic, targets: ["SymmetryReward"]),
        .library(name: "WarmthReward", type: .dynamic, targets: ["WarmthReward"]),
        .library(name: "NeRFGenerator", type: .dynamic, targets: ["NeRFGenerator"]),
        .library(name: "StyleGenerator", type: .dynamic, targets: ["StyleGenerator"]),
        .library(name: "SwiftClassifierReward", type: .dynamic, targets: ["SwiftClassifierReward"]),
        .library(name: "DIPPPluginSDK", targets: ["DIPPPluginSDK"]),
        .library(name: "RustPlugins", targets: ["RustPlugins"]),
        // Broken plugins the validator must diagnose (test fixtures).
        .library(name: "BrokenNaN", type: .dynamic, targets: ["BrokenNaN"]),
        .library(name: "BrokenWrongGradient", type: .dynamic, targets: ["BrokenWrongGradient"]),
        .library(name: "BrokenSegfault", type: .dynamic, targets: ["BrokenSegfault"]),
        .library(name: "BrokenHang", type: .dynamic, targets: ["BrokenHang"]),
        .library(name: "BrokenWrongMajor", type: .dynamic, targets: ["BrokenWrongMajor"]),
        .library(name: "BrokenSmallTable", type: .dynamic, targets: ["BrokenSmallTable"]),
        .library(name: "FixtureGood", type: .dynamic, targets: ["FixtureGood"]),
        .library(name: "FixtureConditions", type: .dynamic, targets: ["FixtureConditions"]),
        .library(name: "FixtureSwiftPrompts", type: .dynamic, targets: ["FixtureSwiftPrompts"]),
        .library(name: "BrokenGeneratorVJP", type: .dynamic, targets: ["BrokenGeneratorVJP"]),
        .library(name: "BrokenAcceptsAnything", type: .dynamic, targets: ["BrokenAcceptsAnything"]),
        .library(name: "BrokenOverflow", type: .dynamic, targets: ["BrokenOverflow"]),
        .library(name: "BrokenAllocates", type: .dynamic, targets: ["BrokenAllocates"]),
        .library(name: "ForeignScore", type: .dynamic, targets: ["ForeignScore"]),
        .executable(name: "dipp", targets: ["dipp"]),
        .executable(name: "dipp-fuzz", targets: ["dipp-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        .target(
            name: "CDIPPBackend",
            path: "Sources/CDIPPBackend",
            cSettings: [.unsafeFlags(["-O3", "-fopenmp-simd", "-fno-math-errno"])],
            linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("gomp"), .linkedLibrary("lapack"), .linkedLibrary("pthread")]
        ),
        .target(
            name: "CDIPPIO",
            path: "Sources/CDIPPIO",
            linkerSettings: [.linkedLibrary("png"), .linkedLibrary("z"), .linkedLibrary("jpeg")]
        ),
        .target(name: "DIPPTensor", dependencies: ["CDIPPBackend"], path: "Sources/DIPPTensor"),
        .target(name: "CDIPPMPI", path: "Sources/CDIPPMPI", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "DIPPNN", dependencies: ["DIPPTensor", "CDIPPBackend", "CDIPPMPI"], path: "Sources/DIPPNN"),
        .target(name: "DIPPRender", dependencies: ["DIPPTensor"], path: "Sources/DIPPRender"),
        .target(name: "DIPPData", dependencies: ["DIPPTensor", "DIPPRender", "CDIPPIO"], path: "Sources/DIPPData",
                exclude: ["Resources/DIGITS-ATTRIBUTION.md"], resources: [.copy("Resources/digits.csv.gz"), .copy("Resources/augmentation-words.txt")]),
        .target(name: "DIPPDiffusion", dependencies: ["DIPPNN"], path: "Sources/DIPPDiffusion"),
        .target(name: "DIPPText", dependencies: ["DIPPNN", "DIPPTensor"], path: "Sources/DIPPText"),
        .target(name: "DIPPEvaluation", dependencies: ["DiffInstruct", "DIPPDiffusion", "DIPPData", "DIPPNN", "DIPPTensor"], path: "Sources/DIPPEvaluation"),
        .target(name: "DiffInstruct", dependencies: ["DIPPDiffusion", "DIPPNN", "DIPPTensor", "DIPPRender"], path: "Sources/DiffInstruct"),
        .target(name: "DIPPComponents", dependencies: ["DiffInstruct", "DIPPDiffusion", "DIPPEvaluation", "DIPPData", "DIPPNN", "DIPPText", "DIPPTensor"],
                path: "Sources/DIPPComponents"),
        .target(name: "DIPPRuns", dependencies: ["DIPPComponents", "DiffInstruct", "DIPPDiffusion", "DIPPEvaluation", "DIPPData", "DIPPNN", "DIPPText", "DIPPRender"],
                path: "Sources/DIPPRuns"),
        .target(name: "DIPPLabel", dependencies: ["DIPPRuns", "DIPPData", "DIPPNN", "DIPPTensor", .product(name: "FlyingFox", package: "FlyingFox"),
                                         .product(name: "FlyingSocks", package: "FlyingFox")],
                path: "Sources/DIPPLabel"),
        .target(name: "CDIPPPluginABI", path: "Sources/CDIPPPluginABI"),
        .target(name: "CDIPPConfine", path: "Sources/CDIPPConfine"),
        .target(name: "CDIPPFFI", path: "Sources/CDIPPFFI", linkerSettings: [.linkedLibrary("ffi"), .linkedLibrary("dl")]),
        .target(name: "ForeignScore", path: "Tests/PluginFixtures/ForeignScore"),
        .target(name: "DIPPPlugins", dependencies: ["CDIPPPluginABI", "CDIPPFFI", "CDIPPConfine", "DIPPComponents", "DiffInstruct", "DIPPDiffusion",
                                                    "DIPPNN", "DIPPRender", "DIPPTensor"],
                path: "Sources/DIPPPlugins"),
        .target(name: "SymmetryReward", dependencies: ["CDIPPPluginABI"], path: "Plugins/SymmetryReward", exclude: ["dipp-plugin.json"]),
        .target(name: "WarmthReward", dependencies: ["CDIPPPluginABI"], path: "Plugins/WarmthReward", exclude: ["dipp-plugin.json"]),
        .target(name: "NeRFGenerator", dependencies: ["CDIPPPluginABI"], path: "Plugins/NeRFGenerator", exclude: ["dipp-plugin.json"],
                cSettings: [.unsafeFlags(["-O3"])], linkerSettings: [.linkedLibrary("m")]),
        // The Rust plugins: built by cargo from a build-tool plugin during `swift build`.
        .plugin(name: "CargoBuild", capability: .buildTool(), path: "Sources/CargoBuild"),
        .target(name: "RustPlugins", path: "Sources/RustPlugins", plugins: ["CargoBuild"]),
        .target(name: "StyleGenerator", dependencies: ["CDIPPPluginABI"], path: "Plugins/StyleGenerator", exclude: ["dipp-plugin.json"],
                cSettings: [.unsafeFlags(["-O3"])], linkerSettings: [.linkedLibrary("m")]),
        .target(name: "DIPPPluginSDK", dependencies: ["CDIPPPluginABI", "DiffInstruct", "DIPPDiffusion", "DIPPTensor"],
                path: "Sources/DIPPPluginSDK"),
        .target(name: "SwiftClassifierReward", dependencies: ["DIPPPluginSDK", "DIPPData", "DIPPEvaluation", "DiffInstruct"],
                path: "Plugins/SwiftClassifierReward", exclude: ["dipp-plugin.json"]),
        .target(name: "PluginFixtureSupport", dependencies: ["CDIPPPluginABI"], path: "Tests/PluginFixtures/Support"),
        .target(name: "BrokenNaN", dependencies: ["PluginFixtureSupport"], path: "Tests/PluginFixtures/Broken-nan"),
        .target(name: "BrokenWrongGradient", dependencies: ["PluginFixtureSupport"], path: "Tests/PluginFixtures/Broken-wrong-gradient"),
        .target(name: "BrokenSegfault", dependencies: ["PluginFixtureSupport"], path: "Tests/PluginFixtures/Broken-segfault"),
        .target(name: "BrokenHang", dependencies: ["PluginFixtureSupport"], path: "Tests/PluginFixtures/Broken-hang"),
        .target(name: "BrokenWrongMajor", dependencies: ["PluginFixtureSupport"], path: "Tests/PluginFixtures/Broken-wrong-major"),
        .target(name: "BrokenSmallTable", dependencies: ["PluginFixtureSupport"], path: "Tests/PluginFixtures/Broken-small-table"),
        .target(name: "BrokenGeneratorVJP", dependencies: ["CDIPPPluginABI"], path: "Tests/PluginFixtures/Broken-generator-vjp"),
        .target(name: "BrokenAcceptsAnything", dependencies: ["PluginFixtureSupport"], path: "Tests/PluginFixtures/Broken-accepts-anything"),
        .target(name: "BrokenOverflow", dependencies: ["PluginFixtureSupport"], path: "Tests/PluginFixtures/Broken-overflow"),
        .target(name: "BrokenAllocates", dependencies: ["PluginFixtureSupport"], path: "Tests/PluginFixtures/Broken-allocates"),
        .target(name: "FixtureGood", dependencies: ["PluginFixtureSupport"], path: "Tests/PluginFixtures/Fixture-good"),
        .target(name: "FixtureConditions", dependencies: ["CDIPPPluginABI"], path: "Tests/PluginFixtures/Fixture-conditions"),
        .target(name: "FixtureSwiftPrompts", dependencies: ["DIPPPluginSDK", "DiffInstruct", "DIPPDiffusion", "DIPPTensor"],
                path: "Tests/PluginFixtures/Fixture-swift-prompts"),
        .executableTarget(
            name: "dipp",
            dependencies: ["DIPPTensor", "DIPPNN", "DIPPData", "DIPPDiffusion", "DIPPEvaluation", "DiffInstruct", "DIPPRuns", "DIPPPlugins", "DIPPText",
                           "DIPPLabel", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/dipp"
        ),
        // Fuzz harnesses for every parser of outside input (Documentation/Reliability.md): a corpus
        // replayer in a plain build, a libFuzzer target with `--sanitize fuzzer -Xswiftc -DDIPP_FUZZING`.
        .executableTarget(name: "dipp-fuzz", dependencies: ["DIPPTensor", "DIPPNN", "DIPPData", "DIPPDiffusion", "DIPPRuns", "DIPPPlugins"],
                          path: "Tests/Fuzz", exclude: ["Corpus", "README.md", "campaign.sh"]),
        .executableTarget(name: "digits-teacher", dependencies: ["DIPPRuns", "DIPPDiffusion", "DIPPEvaluation", "DIPPData", "DIPPNN"],
                          path: "Examples/DigitsTeacher", exclude: ["README.md"]),
        .target(name: "ExampleSupport", dependencies: ["DIPPRuns", "DiffInstruct", "DIPPDiffusion", "DIPPEvaluation", "DIPPNN"], path: "Examples/Support"),
        .executableTarget(name: "compare-divergences",
                          dependencies: ["ExampleSupport", "DIPPRuns", "DiffInstruct", "DIPPDiffusion", "DIPPEvaluation", "DIPPData", "DIPPNN", "DIPPTensor"],
                          path: "Examples/CompareDivergences", exclude: ["README.md"]),
        .executableTarget(name: "text-prompts", dependencies: ["ExampleSupport", "DIPPRuns", "DiffInstruct", "DIPPDiffusion", "DIPPEvaluation",
                                                             "DIPPData", "DIPPNN", "DIPPTensor", "DIPPText"],
                          path: "Examples/TextPrompts", exclude: ["README.md"]),
        .executableTarget(name: "table1", dependencies: ["ExampleSupport", "DIPPRuns", "DiffInstruct", "DIPPEvaluation", "DIPPNN"],
                          path: "Examples/Table1", exclude: ["README.md"]),
        .executableTarget(name: "reward-scale", dependencies: ["ExampleSupport", "DIPPRuns", "DIPPPlugins", "DiffInstruct", "DIPPNN"],
                          path: "Examples/RewardScale", exclude: ["README.md"]),
        .executableTarget(name: "preferences", dependencies: ["ExampleSupport", "DIPPRuns", "DiffInstruct", "DIPPDiffusion", "DIPPNN", "DIPPTensor"],
                          path: "Examples/Preferences", exclude: ["README.md", "explore.sh"]),
        .executableTarget(name: "text-to-3d", dependencies: ["ExampleSupport", "DIPPRuns", "DIPPPlugins", "DiffInstruct", "DIPPData", "DIPPNN"],
                          path: "Examples/TextTo3D", exclude: ["README.md", "teacher.json"]),
        // What the test targets share (the teachers they train once per process).
        .target(name: "DIPPTestSupport", dependencies: ["DIPPComponents", "DIPPData", "DIPPDiffusion", "DIPPNN", "DIPPRuns"], path: "Tests/Support"),
        .testTarget(name: "PreferenceTests", dependencies: ["DIPPTestSupport", "DIPPComponents", "DIPPRuns", "DIPPLabel", "DiffInstruct", "DIPPDiffusion", "DIPPData", "DIPPNN", "DIPPTensor"],
                    path: "Tests/PreferenceTests"),
        .testTarget(name: "DIPPRenderTests", dependencies: ["DIPPComponents", "DIPPRender", "DIPPData", "DIPPTensor", "DIPPDiffusion", "DiffInstruct", "DIPPRuns"], path: "Tests/DIPPRenderTests"),
        .testTarget(name: "DIPPTensorTests", dependencies: ["DIPPTensor"], path: "Tests/DIPPTensorTests"),
        .testTarget(name: "DIPPNNTests", dependencies: ["DIPPNN"], path: "Tests/DIPPNNTests"),
        .testTarget(name: "DIPPTextTests", dependencies: ["DIPPText", "DIPPNN", "DIPPTensor"], path: "Tests/DIPPTextTests"),
        .testTarget(name: "DiffInstructTests", dependencies: ["DIPPTestSupport", "DIPPComponents", "DiffInstruct", "DIPPRuns"], path: "Tests/DiffInstructTests"),
        .testTarget(name: "DIPPPluginsTests", dependencies: ["DIPPTestSupport", "DIPPComponents", "DIPPPlugins", "DiffInstruct", "DIPPRuns", "DIPPRender", "DIPPData", "DIPPText", "RustPlugins"], path: "Tests/DIPPPluginsTests"),
        .testTarget(name: "DIPPDiffusionTests", dependencies: ["DIPPTestSupport", "DIPPComponents", "DIPPDiffusion", "DIPPEvaluation", "DIPPData", "DIPPRuns", "DIPPText", "DiffInstruct"],
                    path: "Tests/DIPPDiffusionTests"),
    ],
    swiftLanguageModes: [.v6]
)
