import XCTest
@testable import MoEFormats

/// Files written by gguf-py's `GGUFWriter`, checked against what gguf-py's `GGUFReader`
/// reported about them (`expected.json`).
final class GGUFReaderFixtureTests: XCTestCase {
    private func check(_ fileName: String) throws {
        let expected = try XCTUnwrap(try ggufExpected()[fileName] as? [String: Any])
        let file = try GGUFFile(path: ggufFixtureRoot + "/" + fileName)
        XCTAssertEqual(Int(file.version), expected["version"] as? Int)
        XCTAssertEqual(file.alignment, expected["alignment"] as? Int)
        XCTAssertEqual(file.dataOffset, expected["data_offset"] as? Int)
        let metadata = try XCTUnwrap(expected["metadata"] as? [[String: Any]])
        XCTAssertEqual(file.metadataKeys, metadata.compactMap { $0["key"] as? String })
        XCTAssertEqual(file.metadata.count, metadata.count)
        for entry in metadata {
            let key = try XCTUnwrap(entry["key"] as? String)
            XCTAssertEqual(file.metadata[key], try ggufValue(fromExpected: entry), key)
        }
        let tensors = try XCTUnwrap(expected["tensors"] as? [[String: Any]])
        XCTAssertEqual(file.tensors.map(\.name), tensors.compactMap { $0["name"] as? String })
        for (info, want) in zip(file.tensors, tensors) {
            XCTAssertEqual(info.type.name, want["type"] as? String, info.name)
            XCTAssertEqual(info.shape, want["shape"] as? [Int], info.name)
            XCTAssertEqual(info.dims, info.shape.reversed(), info.name)
            XCTAssertEqual(info.offset, want["offset"] as? Int, info.name)
            XCTAssertEqual(info.byteCount, want["bytes"] as? Int, info.name)
            XCTAssertEqual(info.rowCount * info.rowByteCount, info.byteCount, info.name)
            XCTAssertEqual(Int(bitPattern: info.data.baseAddress) % file.alignment, 0, info.name)
            XCTAssertIdentical(file.tensor(named: info.name).map { _ in file }, file)
            XCTAssertEqual(file.tensor(named: info.name)?.offset, info.offset)
        }
        XCTAssertNil(file.tensor(named: "missing"))
    }

    func testReferenceFile() throws { try check("reference.gguf") }

    func testSmallFile() throws { try check("small.gguf") }

    func testVersion2File() throws { try check("small_v2.gguf") }

    func testTypedAccessors() throws {
        let file = try GGUFFile(path: ggufFixtureRoot + "/reference.gguf")
        XCTAssertEqual(file.architecture, "test")
        XCTAssertEqual(file.string("test.string"), "héllo, GGUF ✓")
        XCTAssertEqual(file.int("test.uint8"), 255)
        XCTAssertEqual(file.int("test.int64"), Int(Int64.min))
        XCTAssertNil(file.int("test.uint64"), "UInt64.max does not fit in Int")
        XCTAssertNil(file.int("test.string"))
        XCTAssertEqual(file.double("test.float32"), -1.25)
        XCTAssertEqual(file.double("test.float64"), 3.141592653589793)
        XCTAssertEqual(file.bool("test.bool_true"), true)
        XCTAssertEqual(file.bool("test.bool_false"), false)
        XCTAssertEqual(file.stringArray("test.array.string"), ["a", "", "ünïcode", "tab\there"])
        XCTAssertEqual(file.floatArray("test.array.float32"), [0.5, -2, 1e-3])
        XCTAssertEqual(file.intArray("test.array.int32"), [-1, 2, -3])
        XCTAssertNil(file.stringArray("test.array.int32"))
        XCTAssertNil(file.string("no.such.key"))
        let nested = try XCTUnwrap(file.metadata["test.array.nested_int32"]?.arrayValue)
        XCTAssertEqual(nested.map { $0.arrayValue?.compactMap(\.intValue) }, [[1, 2], [3], [4, 5, 6]])
    }

    func testPlainTensorsDecode() throws {
        let file = try GGUFFile(path: ggufFixtureRoot + "/small.gguf")
        let embedding = try XCTUnwrap(file.tensor(named: "token_embd.weight"))
        XCTAssertEqual(try file.dequantize(embedding), (0..<12).map(Float.init))
        let norm = try XCTUnwrap(file.tensor(named: "output_norm.weight"))
        XCTAssertEqual(try file.dequantize(norm), [Float](repeating: 1, count: 5))
    }

    func testUnsupportedTypesAreListedButNotDecoded() throws {
        let file = try GGUFFile(path: ggufFixtureRoot + "/reference.gguf")
        for name in ["random.Q2_K", "plain.I32"] {
            let tensor = try XCTUnwrap(file.tensor(named: name))
            XCTAssertFalse(tensor.type.isDequantizable)
            assertFormatError(try file.dequantize(tensor), [tensor.type.name, "not supported"], tensor: name)
        }
    }
}
