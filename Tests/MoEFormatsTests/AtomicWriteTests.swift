#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
@testable import MoEFormats

/// Failed writes leave no partial file behind and never touch an existing target.
final class AtomicWriteTests: XCTestCase {
    private var folder = ""
    private let tensors = [
        TensorData(name: "a", dtype: .U8, shape: [3], bytes: [1, 2, 3]),
        TensorData(name: "b", dtype: .U8, shape: [2], bytes: [4, 5]),
    ]

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder()
    }

    override func tearDown() {
        chmod(folder, 0o755)
        removeTemporaryFolder(folder)
    }

    private func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    func testMissingTargetFolder() throws {
        assertFormatError(try SafetensorsWriter.write(tensors, to: folder + "/absent/x.safetensors"), ["x.safetensors", "cannot create"])
        XCTAssertEqual(try contents(), [])
    }

    func testUnwritableTargetFolder() throws {
        try XCTSkipIf(geteuid() == 0, "root ignores directory permissions")
        chmod(folder, 0o555)
        assertFormatError(try SafetensorsWriter.write(tensors, to: folder + "/x.safetensors"), ["cannot create"])
        XCTAssertEqual(try contents(), [])
    }

    func testFolderOrDeviceTargetIsRefused() throws {
        let target = folder + "/target.safetensors"
        try FileManager.default.createDirectory(atPath: target + "/occupied", withIntermediateDirectories: true)
        assertFormatError(try SafetensorsWriter.write(tensors, to: target), ["target.safetensors", "not a regular file"])
        XCTAssertEqual(try contents(), ["target.safetensors"])
        assertFormatError(try AtomicFileWriter.write([1], to: "/dev/null"), ["/dev/null", "not a regular file"])
        var info = stat()
        XCTAssertEqual(lstat("/dev/null", &info), 0)
        XCTAssertEqual(info.st_mode & mode_t(S_IFMT), mode_t(S_IFCHR), "/dev/null is still a device")
    }

    func testSymbolicLinkIsWrittenThroughAndKept() throws {
        let real = folder + "/real.bin", link = folder + "/link.bin"
        try AtomicFileWriter.write([1, 2], to: real)
        XCTAssertEqual(symlink("real.bin", link), 0)
        try AtomicFileWriter.write([3], to: link)
        XCTAssertEqual(try readBytes(real), [3])
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), "real.bin")
        XCTAssertEqual(try contents(), ["link.bin", "real.bin"])
        XCTAssertEqual(symlink("missing.bin", folder + "/dangling.bin"), 0)
        assertFormatError(try AtomicFileWriter.write([4], to: folder + "/dangling.bin"), ["dangling.bin", "missing file"])
    }

    func testOverwritingAnInputIsRefused() throws {
        let input = folder + "/in"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        try AtomicFileWriter.write([1], to: input + "/model.safetensors")
        try AtomicFileWriter.write([2], to: folder + "/single.gguf")
        XCTAssertEqual(link(folder + "/single.gguf", folder + "/hard.gguf"), 0)
        assertFormatError(try AtomicFileWriter.refuseOverwritingInput(input + "/model.safetensors", inputs: [input]),
                          ["model.safetensors", "part of the input"])
        assertFormatError(try AtomicFileWriter.refuseOverwritingInput(folder + "/hard.gguf", inputs: [folder + "/single.gguf"]),
                          ["hard.gguf", "is the input"])
        XCTAssertNoThrow(try AtomicFileWriter.refuseOverwritingInput(folder + "/new.gguf", inputs: [input, folder + "/single.gguf"]))
        XCTAssertNoThrow(try AtomicFileWriter.refuseOverwritingInput(folder + "/single.gguf", inputs: [input]))
    }

    func testFailureMidWriteKeepsOldFile() throws {
        let target = folder + "/model.safetensors"
        try SafetensorsWriter.write(tensors, to: target)
        let before = try readBytes(target)
        struct Boom: Error {}
        let specs = tensors.map { SafetensorsWriter.Spec(name: $0.name, dtype: $0.dtype, shape: $0.shape, byteCount: $0.bytes.count) }
        XCTAssertThrowsError(try SafetensorsWriter.write(specs, metadata: nil, to: target) { index, sink in
            guard index == 0 else { throw Boom() }
            try self.tensors[0].bytes.withUnsafeBytes { try sink.write($0) }
        }) { XCTAssertTrue($0 is Boom) }
        XCTAssertEqual(try readBytes(target), before)
        XCTAssertEqual(try contents(), ["model.safetensors"])
    }

    func testInvalidTensorKeepsOldFile() throws {
        let target = folder + "/model.safetensors"
        try SafetensorsWriter.write(tensors, to: target)
        let before = try readBytes(target)
        assertFormatError(try SafetensorsWriter.write([TensorData(name: "bad", dtype: .F32, shape: [1], bytes: [])], to: target),
                          ["needs 4 bytes"], tensor: "bad")
        XCTAssertEqual(try readBytes(target), before)
        XCTAssertEqual(try contents(), ["model.safetensors"])
    }

    func testOverwriteReplacesContents() throws {
        let target = folder + "/model.safetensors"
        try SafetensorsWriter.write(tensors, to: target)
        try SafetensorsWriter.write([TensorData(name: "c", dtype: .I8, shape: [], bytes: [9])], to: target)
        XCTAssertEqual(try SafetensorsFile(path: target).names, ["c"])
        XCTAssertEqual(try contents(), ["model.safetensors"])
    }
}
