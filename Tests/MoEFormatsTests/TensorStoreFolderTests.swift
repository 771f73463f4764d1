import XCTest
@testable import MoEFormats

/// `TensorStore(folder:)`: file selection, index validation and duplicate detection.
final class TensorStoreFolderTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder()
    }

    override func tearDown() {
        removeTemporaryFolder(folder)
    }

    private func writeFile(_ name: String, _ tensors: [String], metadata: [String: String]? = nil) throws {
        let data = tensors.map { TensorData(name: $0, dtype: .U8, shape: [1], bytes: [UInt8($0.utf8.count)]) }
        try SafetensorsWriter.write(data, metadata: metadata, to: folder + "/" + name)
    }

    private func writeIndex(_ weightMap: [String: String]) throws {
        let entries = weightMap.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", ")
        try writeBytes(Array(#"{"metadata": {"total_size": 3}, "weight_map": {"#.utf8) + Array(entries.utf8) + Array("}}".utf8),
                       to: folder + "/model.safetensors.index.json")
    }

    func testIndexedShards() throws {
        try writeFile("a.safetensors", ["x", "y"], metadata: ["format": "pt"])
        try writeFile("b.safetensors", ["z"], metadata: ["format": "ignored", "extra": "1"])
        try writeIndex(["x": "a.safetensors", "y": "a.safetensors", "z": "b.safetensors"])
        let store = try TensorStore(folder: folder)
        XCTAssertEqual(store.names, ["x", "y", "z"])
        XCTAssertEqual(store.files.count, 2)
        XCTAssertEqual(store.metadata, ["format": "pt", "extra": "1"])
        XCTAssertEqual(store.tensor("z").map { Array($0.data) }, [1])
    }

    func testIndexTakesPrecedenceOverOtherFiles() throws {
        try writeFile("a.safetensors", ["x"])
        try writeFile("model.safetensors", ["stale"])
        try writeIndex(["x": "a.safetensors"])
        XCTAssertEqual(try TensorStore(folder: folder).names, ["x"])
    }

    func testModelSafetensorsPreferredOverOtherFiles() throws {
        try writeFile("model.safetensors", ["x"])
        try writeFile("other.safetensors", ["x", "y"])
        XCTAssertEqual(try TensorStore(folder: folder).names, ["x"])
    }

    func testAllSafetensorsFilesWhenNoIndexOrModelFile() throws {
        try writeFile("b.safetensors", ["y"])
        try writeFile("a.safetensors", ["x"])
        try writeBytes([1, 2, 3], to: folder + "/notes.txt")
        let store = try TensorStore(folder: folder)
        XCTAssertEqual(store.files.map { PathNames.lastComponent($0.path) }, ["a.safetensors", "b.safetensors"])
        XCTAssertEqual(store.names, ["x", "y"])
    }

    func testDuplicateTensorAcrossFiles() throws {
        try writeFile("a.safetensors", ["x", "dup"])
        try writeFile("b.safetensors", ["dup"])
        assertFormatError(try TensorStore(folder: folder), ["b.safetensors", "also present in", "a.safetensors"], tensor: "dup")
    }

    func testDuplicateTensorAcrossIndexedShards() throws {
        try writeFile("a.safetensors", ["dup"])
        try writeFile("b.safetensors", ["dup", "y"])
        try writeIndex(["dup": "a.safetensors", "y": "b.safetensors"])
        assertFormatError(try TensorStore(folder: folder), ["also present"], tensor: "dup")
    }

    func testIndexNamingMissingShard() throws {
        try writeFile("a.safetensors", ["x"])
        try writeIndex(["x": "a.safetensors", "y": "missing.safetensors"])
        assertFormatError(try TensorStore(folder: folder), ["missing.safetensors", "cannot open"])
    }

    func testTensorMissingFromItsShard() throws {
        try writeFile("a.safetensors", ["x"])
        try writeFile("b.safetensors", ["z"])
        try writeIndex(["x": "a.safetensors", "y": "a.safetensors", "z": "b.safetensors"])
        assertFormatError(try TensorStore(folder: folder), ["index.json", "'a.safetensors'", "does not contain"], tensor: "y")
    }

    func testTensorInWrongShard() throws {
        try writeFile("a.safetensors", ["x"])
        try writeFile("b.safetensors", ["y"])
        try writeIndex(["x": "b.safetensors", "y": "a.safetensors"])
        assertFormatError(try TensorStore(folder: folder), ["index maps it to"])
    }

    func testShardTensorMissingFromIndex() throws {
        try writeFile("a.safetensors", ["x", "unlisted"])
        try writeIndex(["x": "a.safetensors"])
        assertFormatError(try TensorStore(folder: folder), ["maps it to nothing"], tensor: "unlisted")
    }

    func testShardNamesCannotEscapeFolder() throws {
        for bad in ["../a.safetensors", "sub/a.safetensors", "..", ".", "", "/etc/passwd", #"a\\b"#] {
            try writeIndex(["x": bad])
            assertFormatError(try TensorStore(folder: folder), ["plain file name"], tensor: "x")
        }
    }

    func testMalformedIndex() throws {
        let indexPath = folder + "/model.safetensors.index.json"
        try writeBytes(Array("{not json".utf8), to: indexPath)
        assertFormatError(try TensorStore(folder: folder), ["index.json", "not valid JSON"])
        try writeBytes(Array("[]".utf8), to: indexPath)
        assertFormatError(try TensorStore(folder: folder), ["must be a JSON object"])
        try writeBytes(Array(#"{"metadata": {}}"#.utf8), to: indexPath)
        assertFormatError(try TensorStore(folder: folder), ["missing 'weight_map'"])
        try writeBytes(Array(#"{"weight_map": {"x": 1}}"#.utf8), to: indexPath)
        assertFormatError(try TensorStore(folder: folder), ["file name string"], tensor: "x")
    }

    func testEmptyOrMissingFolder() {
        assertFormatError(try TensorStore(folder: folder), ["no model.safetensors.index.json"])
        assertFormatError(try TensorStore(folder: folder + "/absent"), ["absent", "cannot list"])
    }
}
