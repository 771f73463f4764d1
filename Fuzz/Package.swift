// swift-tools-version:6.0
// libFuzzer harness for the GGUF and safetensors readers; not part of the root package's
// build or tests. Build and run with scripts/fuzz_readers.sh (Linux, Swift's -sanitize=fuzzer).
import PackageDescription

let package = Package(
    name: "MoEFuzz",
    dependencies: [
        .package(name: "swift-moe", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "FuzzReaders",
            dependencies: [.product(name: "MoEFormats", package: "swift-moe")]
        ),
    ]
)
