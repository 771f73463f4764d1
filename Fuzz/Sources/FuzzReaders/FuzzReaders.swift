// libFuzzer entry point: each input is parsed as a GGUF file (in memory) and as a
// safetensors file (through a temporary file, since that reader maps paths), and every
// tensor the readers accept is touched or decoded. Any crash, trap or sanitizer report is a bug;
// a thrown FormatError is the expected outcome for malformed input.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MoEFormats

/// Per-process scratch file for the safetensors reader.
private let scratchPath = "/tmp/moe-fuzz-\(getpid()).safetensors"

/// libFuzzer's driver (linked in by `-sanitize=fuzzer`).
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(_ argc: UnsafeMutablePointer<CInt>,
                       _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                       _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// The program's entry point. SwiftPM links an executable target's entry as
/// `<target>_main`, so libFuzzer's own `main` is not used; this hands over to its driver.
@_cdecl("FuzzReaders_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments) { data, size in
        guard let data else { return 0 }
        return fuzzReaders(data, size)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReaders(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    fuzzGGUF(bytes)
    fuzzSafetensors(bytes)
    return 0
}

/// Parses `bytes` as GGUF and decodes every tensor of a decodable type.
private func fuzzGGUF(_ bytes: [UInt8]) {
    guard let file = try? GGUFFile(contents: bytes, name: "fuzz.gguf") else { return }
    var checksum: UInt32 = 0
    for tensor in file.tensors {
        checksum &+= UInt32(tensor.data.reduce(0) { $0 &+ $1 })
        if tensor.type.isDequantizable, let values = try? file.dequantize(tensor) {
            checksum &+= values.reduce(0) { $0 &+ $1.bitPattern }
        }
    }
    blackHole(checksum)
}

/// Writes `bytes` to the scratch file and opens it as safetensors.
private func fuzzSafetensors(_ bytes: [UInt8]) {
    let fd = open(scratchPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { return }
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    guard written == bytes.count, let file = try? SafetensorsFile(path: scratchPath) else { return }
    var checksum: UInt32 = 0
    for name in file.names {
        checksum &+= UInt32(file.tensor(name)?.data.reduce(0) { $0 &+ $1 } ?? 0)
    }
    blackHole(checksum)
}

/// Keeps a value alive so the reads producing it are not optimised away.
@inline(never)
private func blackHole(_ value: UInt32) {
    if value == 0x5EED_F00D { print("") }
}
