import XCTest
@testable import MoEFormats

/// `ShardedSafetensorsWriter`: shard planning, Hugging Face naming and index layout.
final class ShardedWriterTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder()
    }

    override func tearDown() {
        removeTemporaryFolder(folder)
    }

    func testPlanPacksGreedilyAndIsolatesOversizedTensors() {
        XCTAssertEqual(ShardedSafetensorsWriter.plan(sizes: [], maxShardBytes: 10), [0..<0])
        XCTAssertEqual(ShardedSafetensorsWriter.plan(sizes: [4, 4, 2], maxShardBytes: 10), [0..<3])
        XCTAssertEqual(ShardedSafetensorsWriter.plan(sizes: [4, 4, 2, 1], maxShardBytes: 10), [0..<3, 3..<4])
        XCTAssertEqual(ShardedSafetensorsWriter.plan(sizes: [4, 4, 3, 1], maxShardBytes: 10), [0..<2, 2..<4])
        XCTAssertEqual(ShardedSafetensorsWriter.plan(sizes: [2, 25, 3, 30], maxShardBytes: 10), [0..<1, 1..<2, 2..<3, 3..<4])
        XCTAssertEqual(ShardedSafetensorsWriter.plan(sizes: [0, 0, 10, 0], maxShardBytes: 10), [0..<4])
        XCTAssertEqual(ShardedSafetensorsWriter.plan(sizes: [Int.max, Int.max], maxShardBytes: 10), [0..<1, 1..<2])
    }

    /// Writing the reference tensors gives the same shard split and a byte-identical index.
    func testMatchesTransformersLayout() throws {
        let expected = try ReferenceFixtureTests.loadExpected().sharded
        let reference = try TensorStore(folder: fixtureRoot + "/" + expected.folder)
        let tensors = expected.order.compactMap(reference.tensor)
        let names = try ShardedSafetensorsWriter.write(tensors, metadata: expected.metadata, toFolder: folder,
                                                       maxShardBytes: expected.maxShardBytes)
        XCTAssertEqual(names, ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"])
        let indexName = "/model.safetensors.index.json"
        XCTAssertEqual(String(decoding: try readBytes(folder + indexName), as: UTF8.self),
                       String(decoding: try readBytes(fixtureRoot + "/" + expected.folder + indexName), as: UTF8.self))
        let store = try TensorStore(folder: folder)
        XCTAssertEqual(store.names, reference.names)
        XCTAssertEqual(store.metadata, expected.metadata)
        for name in reference.names {
            XCTAssertEqual(store.tensor(name).map { Array($0.data) }, reference.tensor(name).map { Array($0.data) }, name)
        }
    }

    func testSingleShardWritesModelSafetensorsAndRemovesStaleIndex() throws {
        try writeBytes(Array("{}".utf8), to: folder + "/model.safetensors.index.json")
        let tensors = [TensorData(name: "a", dtype: .F32, shape: [2], bytes: Array(repeating: 0, count: 8))]
        let names = try ShardedSafetensorsWriter.write(tensors, toFolder: folder, maxShardBytes: 1 << 30)
        XCTAssertEqual(names, ["model.safetensors"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/model.safetensors.index.json"))
        XCTAssertEqual(try TensorStore(folder: folder).names, ["a"])
    }

    func testManyShardsAndEscapedIndexNames() throws {
        let tensors = (0..<12).map { i in
            TensorData(name: "layer.\(i).wé\"", dtype: .I32, shape: [i % 3 + 1], bytes: Array(repeating: UInt8(i), count: 4 * (i % 3 + 1)))
        }
        let names = try ShardedSafetensorsWriter.write(tensors, toFolder: folder, maxShardBytes: 8)
        XCTAssertEqual(names.count, 12)
        XCTAssertEqual(names.first, "model-00001-of-00012.safetensors")
        XCTAssertEqual(names.last, "model-00012-of-00012.safetensors")
        let index = String(decoding: try readBytes(folder + "/model.safetensors.index.json"), as: UTF8.self)
        XCTAssertTrue(index.contains(#""layer.0.w\u00e9\"": "model-00001-of-00012.safetensors""#), index)
        XCTAssertTrue(index.contains(#""total_size": 96"#), index)
        let store = try TensorStore(folder: folder)
        XCTAssertEqual(store.names, tensors.map(\.name).sorted())
        for tensor in tensors {
            XCTAssertEqual(store.tensor(tensor.name).map { Array($0.data) }, tensor.bytes)
        }
    }

    func testRejectsNonPositiveShardSize() {
        assertFormatError(try ShardedSafetensorsWriter.write([TensorData](), toFolder: folder, maxShardBytes: 0), ["maxShardBytes"])
    }

    func testInvalidTensorWritesNothing() throws {
        let tensors = [
            TensorData(name: "a", dtype: .U8, shape: [4], bytes: [1, 2, 3, 4]),
            TensorData(name: "b", dtype: .U8, shape: [4], bytes: [1, 2, 3, 4]),
            TensorData(name: "a", dtype: .U8, shape: [4], bytes: [1, 2, 3, 4]),
        ]
        assertFormatError(try ShardedSafetensorsWriter.write(tensors, toFolder: folder, maxShardBytes: 4), ["twice"], tensor: "a")
        let mismatched = [TensorData(name: "a", dtype: .U8, shape: [4], bytes: [1, 2, 3, 4]),
                          TensorData(name: "b", dtype: .F32, shape: [4], bytes: [1, 2, 3, 4])]
        assertFormatError(try ShardedSafetensorsWriter.write(mismatched, toFolder: folder, maxShardBytes: 4), ["needs 16 bytes"], tensor: "b")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [])
    }
}
