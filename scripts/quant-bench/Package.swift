// swift-tools-version:6.0
import PackageDescription

// Kernel-level benchmark of MoEKernels' matmul on every weight type (not a test).
// Run: swift run -c release --package-path scripts/quant-bench quant-bench [threads...]
// or quant-bench TYPE [threads] for one decode matvec (QB_BYTES=1000000 keeps weights in cache).
let package = Package(
    name: "quant-bench",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "quant-bench",
            dependencies: [.product(name: "MoEKernels", package: "wt-quant")],
            path: "Sources/QuantBench",
            swiftSettings: [.unsafeFlags(["-Ounchecked", "-target-cpu", "native"])]
        ),
    ]
)
