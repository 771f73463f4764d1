// swift-tools-version:6.0
import PackageDescription

import Foundation

/// Compilation conditions for instruction sets of the build machine that `-target-cpu native`
/// enables but Swift cannot test with `#if` (an intrinsic of a missing feature does not even
/// resolve): `MOE_AVX512_VNNI` when the CPU has AVX-512 VNNI with 256-bit forms
/// (`vpdpbusd ymm`). Read from Linux's /proc/cpuinfo; elsewhere none is set.
let cpuFeatureDefines: [SwiftSetting] = {
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flagLine = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
    let flags = Set(flagLine.split(separator: " ").map(String.init))
    return flags.isSuperset(of: ["avx512_vnni", "avx512vl", "avx512bw"]) ? [.define("MOE_AVX512_VNNI")] : []
}()

/// Kernels are compiled for the build machine's CPU (AVX2 / AVX-512 / NEON as present) with
/// unchecked arithmetic: generic SIMD conversions only inline at a real target CPU (see
/// DESIGN.md §5). These are `unsafeFlags`, so this package is meant to be built from source
/// as a root package; the flags only touch the kernel module.
let kernelFlags: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-target-cpu", "native"], .when(configuration: .release)),
    .unsafeFlags(["-target-cpu", "native"], .when(configuration: .debug)),
] + cpuFeatureDefines

let package = Package(
    name: "swift-moe",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "moe", targets: ["moe"]),
        .library(name: "MoEKernels", targets: ["MoEKernels"]),
        .library(name: "MoEFormats", targets: ["MoEFormats"]),
        .library(name: "MoEModels", targets: ["MoEModels"]),
        .library(name: "MoEConvert", targets: ["MoEConvert"]),
        .library(name: "MoERuntime", targets: ["MoERuntime"]),
        .library(name: "MoETokenizers", targets: ["MoETokenizers"]),
        .library(name: "MoEChatTemplates", targets: ["MoEChatTemplates"]),
        .library(name: "MoETraining", targets: ["MoETraining"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "MoEKernels", swiftSettings: kernelFlags),
        .target(name: "MoEFormats"),
        .target(name: "MoETokenizers", dependencies: ["MoEFormats"]),
        .target(name: "MoEChatTemplates", dependencies: ["MoEFormats"]),
        .target(name: "MoEModels", dependencies: ["MoEKernels", "MoEFormats"]),
        .target(name: "MoEConvert", dependencies: ["MoEModels", "MoEKernels", "MoEFormats", "MoETokenizers"]),
        .target(name: "MoERuntime", dependencies: ["MoEModels", "MoEConvert", "MoEKernels", "MoEFormats", "MoETokenizers", "MoEChatTemplates"]),
        .target(name: "MoETraining", dependencies: ["MoEKernels", "MoEFormats", "MoEModels"], swiftSettings: kernelFlags),
        .executableTarget(
            name: "moe",
            dependencies: [
                "MoERuntime", "MoEModels", "MoEConvert", "MoEFormats", "MoEKernels", "MoETokenizers", "MoEChatTemplates", "MoETraining",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Test support, not a product: the committed fixtures under Tests/Fixtures that several test targets read.
        .target(name: "MoETestFixtures", dependencies: ["MoEFormats", "MoETokenizers"], path: "Tests/MoETestFixtures"),
        .testTarget(name: "MoEKernelsTests", dependencies: ["MoEKernels", "MoEFormats"]),
        .testTarget(name: "MoEFormatsTests", dependencies: ["MoEFormats"]),
        .testTarget(name: "MoEModelsTests", dependencies: ["MoEModels", "MoEFormats", "MoEKernels", "MoETestFixtures"]),
        .testTarget(name: "MoEConvertTests", dependencies: [
            "MoEConvert", "MoEModels", "MoEFormats", "MoEKernels", "MoETokenizers", "MoETestFixtures",
        ]),
        .testTarget(name: "MoERuntimeTests", dependencies: ["MoERuntime", "MoEModels"]),
        .testTarget(name: "MoECLITests", dependencies: ["moe", "MoEFormats", "MoETokenizers"]),
        .testTarget(name: "MoETokenizersTests", dependencies: ["MoETokenizers", "MoEFormats", "MoETestFixtures"]),
        .testTarget(name: "MoEChatTemplatesTests", dependencies: ["MoEChatTemplates"]),
        .testTarget(name: "MoETrainingTests", dependencies: ["MoETraining", "MoEModels", "MoEConvert", "MoEFormats", "MoEKernels"]),
    ]
)
