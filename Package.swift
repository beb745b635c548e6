// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "SwiftTorch",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Torch", targets: ["Torch"]),
        .executable(name: "swifttorch", targets: ["SwiftTorchCLI"]),
        .executable(name: "swifttorch-conformance", targets: ["SwiftTorchConformance"]),
        .executable(name: "swifttorch-bench", targets: ["SwiftTorchBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
        .target(name: "CTorchKernels", path: "Sources/CTorchKernels", linkerSettings: [.linkedLibrary("dnnl")]),
        .target(
            name: "TorchCore",
            dependencies: ["CDNNL", "CTorchKernels", .product(name: "RealModule", package: "swift-numerics")]
        ),
        .target(name: "TorchNN", dependencies: ["TorchCore"]),
        .target(name: "TorchOptim", dependencies: ["TorchCore", "CTorchKernels"]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(name: "TorchData", dependencies: ["TorchCore", "CZlib"]),
        .target(name: "TorchIO", dependencies: ["TorchCore", "TorchNN", "TorchOptim"]),
        .target(name: "Torch", dependencies: ["TorchCore", "TorchNN", "TorchOptim", "TorchIO", "TorchData"]),
        .target(name: "TorchConformance", dependencies: ["Torch"]),
        .executableTarget(name: "SwiftTorchConformance", dependencies: ["Torch", "TorchConformance"]),
        .target(name: "CBenchKernels", path: "Sources/CBenchKernels"),
        .executableTarget(name: "SwiftTorchBench", dependencies: ["Torch", "CBenchKernels"]),
        .executableTarget(
            name: "SwiftTorchCLI",
            dependencies: ["Torch", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(
            name: "TorchCoreTests",
            dependencies: ["Torch", "TorchConformance", "CTorchKernels"],
            resources: [.copy("Fixtures")]
        ),
    ]
)
