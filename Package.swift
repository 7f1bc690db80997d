// swift-tools-version:6.0
import PackageDescription

// Layers, lowest first (see Documentation/Architecture.md):
//   CDIPPBackend (C shim: oneDNN sgemm, OpenMP threads, FMA peak probe)
//   → DIPPTensor (tensors, reverse-mode autodiff, RNG, GEMM backend, safetensors)
//   → DIPPNN (layers, named parameters, optimizers, EMA)
//   → dipp (command-line tool)
// Nothing below imports anything above.
let package = Package(
    name: "DIPP",
    products: [
        .library(name: "DIPPTensor", targets: ["DIPPTensor"]),
        .library(name: "DIPPNN", targets: ["DIPPNN"]),
        .executable(name: "dipp", targets: ["dipp"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .target(
            name: "CDIPPBackend",
            path: "Sources/CDIPPBackend",
            cSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("gomp"), .linkedLibrary("pthread")]
        ),
        .target(name: "DIPPTensor", dependencies: ["CDIPPBackend"], path: "Sources/DIPPTensor"),
        .target(name: "DIPPNN", dependencies: ["DIPPTensor"], path: "Sources/DIPPNN"),
        .executableTarget(
            name: "dipp",
            dependencies: ["DIPPTensor", "DIPPNN", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/dipp"
        ),
        .testTarget(name: "DIPPTensorTests", dependencies: ["DIPPTensor"], path: "Tests/DIPPTensorTests"),
        .testTarget(name: "DIPPNNTests", dependencies: ["DIPPNN"], path: "Tests/DIPPNNTests"),
    ],
    swiftLanguageModes: [.v6]
)
