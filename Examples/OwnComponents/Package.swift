// swift-tools-version:6.0
import PackageDescription

// A researcher's own package: it depends on DIPP by path (a checkout beside it, here the one
// this folder sits in) and adds a divergence and a reward without touching DIPP.
let package = Package(
    name: "OwnComponents",
    dependencies: [.package(name: "DIPP", path: "../..")],
    targets: [
        .executableTarget(name: "own-components", dependencies: [
            .product(name: "DIPPComponents", package: "DIPP"),
            .product(name: "DIPPRuns", package: "DIPP"),
            .product(name: "DiffInstruct", package: "DIPP"),
            .product(name: "DIPPDiffusion", package: "DIPP"),
            .product(name: "DIPPNN", package: "DIPP"),
            .product(name: "DIPPTensor", package: "DIPP"),
        ], path: "Sources/OwnComponents"),
    ],
    swiftLanguageModes: [.v6]
)
