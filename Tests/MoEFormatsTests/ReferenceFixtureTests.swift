import Foundation
import XCTest
@testable import MoEFormats

/// Files written by the reference Python `safetensors` package
/// (`scripts/make_safetensors_fixtures.py`), checked against `expected.json`.
final class ReferenceFixtureTests: XCTestCase {
    struct ExpectedTensor: Decodable {
        let dtype: String
        let shape: [Int]
        let values: [String]
    }

    struct ExpectedSingle: Decodable {
        let path: String
        let metadata: [String: String]
        let tensors: [String: ExpectedTensor]
    }

    struct ExpectedSharded: Decodable {
        let folder: String
        let maxShardBytes: Int
        let metadata: [String: String]
        let order: [String]
        let shards: Int
        let tensors: [String: ExpectedTensor]

        enum CodingKeys: String, CodingKey {
            case folder, metadata, order, shards, tensors
            case maxShardBytes = "max_shard_bytes"
        }
    }

    struct Expected: Decodable {
        let single: ExpectedSingle
        let sharded: ExpectedSharded
    }

    static func loadExpected() throws -> Expected {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixtureRoot + "/expected.json"))
        return try JSONDecoder().decode(Expected.self, from: data)
    }

    private func check(_ store: TensorStore, against expected: [String: ExpectedTensor]) throws {
        XCTAssertEqual(store.names, expected.keys.sorted())
        for (name, want) in expected {
            let view = try XCTUnwrap(store.tensor(name), name)
            XCTAssertEqual(view.dtype.rawValue, want.dtype, name)
            XCTAssertEqual(view.shape, want.shape, name)
            let wanted = want.values.map { Element(expected: $0, dtype: view.dtype) }
            XCTAssertEqual(elements(of: view), wanted, name)
        }
    }

    func testSingleFile() throws {
        let expected = try Self.loadExpected()
        let store = try TensorStore(file: fixtureRoot + "/" + expected.single.path)
        XCTAssertEqual(store.metadata, expected.single.metadata)
        try check(store, against: expected.single.tensors)
        XCTAssertEqual(store.tensor("scale")?.shape, [])
        XCTAssertEqual(store.tensor("empty")?.data.count, 0)
        XCTAssertNil(store.tensor("missing"))
    }

    func testSingleFileViaFolder() throws {
        let expected = try Self.loadExpected()
        try check(TensorStore(folder: fixtureRoot + "/single"), against: expected.single.tensors)
    }

    func testShardedFolderWithIndex() throws {
        let expected = try Self.loadExpected()
        let store = try TensorStore(folder: fixtureRoot + "/" + expected.sharded.folder)
        XCTAssertEqual(store.files.count, expected.sharded.shards)
        XCTAssertEqual(store.metadata, expected.sharded.metadata)
        try check(store, against: expected.sharded.tensors)
    }

    /// Our writer reproduces the reference shards byte for byte given the same data order.
    func testWriterMatchesReferenceBytes() throws {
        let folder = try makeTemporaryFolder()
        defer { removeTemporaryFolder(folder) }
        let expected = try Self.loadExpected()
        for index in 1...expected.sharded.shards {
            let name = "model-0000\(index)-of-0000\(expected.sharded.shards).safetensors"
            let reference = fixtureRoot + "/sharded/" + name
            let file = try SafetensorsFile(path: reference)
            let byOffset = file.names.compactMap(file.tensor).sorted {
                UInt(bitPattern: $0.data.baseAddress) < UInt(bitPattern: $1.data.baseAddress)
            }
            try SafetensorsWriter.write(byOffset, metadata: file.metadata, to: folder + "/" + name)
            XCTAssertEqual(try readBytes(folder + "/" + name), try readBytes(reference), name)
        }
    }
}
