import Foundation
import XCTest
@testable import MoEFormats

/// Our writer: byte-identical to gguf-py's on the same content, and round trips.
final class GGUFWriterTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDown() { removeTemporaryFolder(folder) }

    /// Rewriting a gguf-py file (same metadata order, same tensors) gives the same bytes:
    /// gguf-py's layout is deterministic (header, KVs and infos in insertion order, zero
    /// padding to the alignment after the infos and after every tensor).
    func testRewriteIsByteIdenticalToGGUFPy() throws {
        for name in ["reference.gguf", "small.gguf"] {
            let source = try GGUFFile(path: ggufFixtureRoot + "/" + name)
            let target = folder + "/" + name
            let metadata = source.metadataKeys.compactMap { key in source.metadata[key].map { (key: key, value: $0) } }
            try GGUFWriter.write(metadata: metadata, views: source.tensors, to: target)
            XCTAssertEqual(try readBytes(target), try readBytes(ggufFixtureRoot + "/" + name), name)
        }
    }

    func testRoundTripOfEveryValueTypeAndTensorType() throws {
        let metadata: [(key: String, value: GGUFValue)] = [
            ("general.architecture", .string("qwen3moe")), ("u8", .uint8(7)), ("i8", .int8(-7)),
            ("u16", .uint16(700)), ("i16", .int16(-700)), ("u32", .uint32(70_000)), ("i32", .int32(-70_000)),
            ("u64", .uint64(.max)), ("i64", .int64(.min)), ("f32", .float32(.pi)), ("f64", .float64(-.pi)),
            ("b", .bool(true)), ("s", .string("")), ("empty", .array(.string, [])),
            ("nested", .array(.array, [.array(.uint8, [.uint8(1)]), .array(.bool, [])])),
            ("general.alignment", .uint32(128)),
        ]
        var rng = SeededGenerator(seed: 3)
        let tensors: [GGUFTensorData] = [GGMLType.F32, .F16, .BF16, .Q8_0, .Q4_0, .Q4_1, .Q5_0, .Q5_1, .Q4_K, .Q5_K, .Q6_K, .MXFP4, .IQ2_XS]
            .enumerated().map { index, type in
                let shape = [index % 3 + 1, 2, 256]
                let byteCount = (type.byteCount(elements: 256) ?? 0) * shape[0] * shape[1]
                return GGUFTensorData(name: "t.\(type)", type: type, shape: shape,
                                      bytes: (0..<byteCount).map { _ in UInt8.random(in: 0...255, using: &rng) })
            }
        let path = folder + "/all.gguf"
        try GGUFWriter.write(metadata: metadata, tensors: tensors, to: path)
        let file = try GGUFFile(path: path)
        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(file.alignment, 128)
        XCTAssertEqual(file.metadataKeys, metadata.map(\.key))
        for (key, value) in metadata { XCTAssertEqual(file.metadata[key], value, key) }
        XCTAssertEqual(file.tensors.count, tensors.count)
        for (info, want) in zip(file.tensors, tensors) {
            XCTAssertEqual(info.name, want.name)
            XCTAssertEqual(info.type, want.type)
            XCTAssertEqual(info.shape, want.shape)
            XCTAssertEqual(Array(info.data), want.bytes)
            XCTAssertEqual(info.offset % 128, 0)
        }
        XCTAssertEqual(try readBytes(path).count % 128, 0, "the last tensor is padded too")
    }

    func testWriterRejectsBadInput() throws {
        let path = folder + "/bad.gguf"
        let ok = GGUFTensorData(name: "w", type: .F32, shape: [2], bytes: [UInt8](repeating: 0, count: 8))
        assertFormatError(try GGUFWriter.write(metadata: [("k", .uint8(1)), ("k", .uint8(2))], tensors: [], to: path),
                          ["duplicate metadata key 'k'"])
        assertFormatError(try GGUFWriter.write(metadata: [], tensors: [ok, ok], to: path), ["duplicate tensor name"], tensor: "w")
        assertFormatError(try GGUFWriter.write(metadata: [("general.alignment", .uint32(24))], tensors: [ok], to: path),
                          ["general.alignment", "power of two"])
        assertFormatError(try GGUFWriter.write(metadata: [("general.alignment", .uint64(32))], tensors: [ok], to: path),
                          ["general.alignment"])
        assertFormatError(try GGUFWriter.write(metadata: [("a", .array(.int32, [.uint8(1)]))], tensors: [], to: path),
                          ["'a'", "array of INT32 holds a UINT8"])
        let cases: [(GGUFTensorData, String)] = [
            (GGUFTensorData(name: "x", type: .F32, shape: [3], bytes: [0, 0, 0, 0]), "needs 12 bytes"),
            (GGUFTensorData(name: "x", type: .Q4_0, shape: [2, 31], bytes: []), "not a multiple"),
            (GGUFTensorData(name: "x", type: .F32, shape: [], bytes: []), "positive dimensions"),
            (GGUFTensorData(name: "x", type: .F32, shape: [1, 1, 1, 1, 1], bytes: [0, 0, 0, 0]), "positive dimensions"),
            (GGUFTensorData(name: "x", type: .F32, shape: [0, 4], bytes: []), "positive dimensions"),
        ]
        for (tensor, fragment) in cases {
            assertFormatError(try GGUFWriter.write(metadata: [], tensors: [tensor], to: path), [fragment], tensor: "x")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "nothing is written on error")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [], "no temporary files left")
    }
}
