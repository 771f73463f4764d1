// swift-tools-version:6.0
import Foundation
import PackageDescription

// Kernel-level benchmark of MoEKernels' matmul on every weight type (not a test).
// Run: swift run -c release --package-path scripts/quant-bench quant-bench [threads...]
// or quant-bench TYPE [threads] for one decode matvec (QB_BYTES=1000000 keeps weights in cache).
// or quant-bench prefill TYPE ROWS COLS TOKENS THREADS for one prefill matmul shape
// (QB_PREFILL_BYTES=200000000 streams its weights from memory), or
// quant-bench gemm M N K T|N THREADS for the training GEMM (T: left operand transposed), or
// quant-bench deltanet THREADS [TOKENS...] for the gated DeltaNet delta rule at Qwen3-Next-80B's shape.
// After adding a source file to MoEKernels, remove scripts/quant-bench/.build: its cached
// copy of the package does not see new files.
/// SwiftPM names a path dependency after its directory: the repository root, two levels up.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "quant-bench",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "quant-bench",
            dependencies: [.product(name: "MoEKernels", package: root), .product(name: "MoEFormats", package: root)],
            path: "Sources/QuantBench",
            swiftSettings: [.unsafeFlags(["-Ounchecked", "-target-cpu", "native"])]
        ),
    ]
)
