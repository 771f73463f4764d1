import XCTest
@testable import MoEFormats

/// Writer -> reader round trips: every dtype, odd / scalar / zero-size shapes, metadata.
final class RoundTripTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder()
    }

    override func tearDown() {
        removeTemporaryFolder(folder)
    }

    private static let shapes: [[Int]] = [[], [0], [1], [7], [3, 0, 2], [2, 3, 5], [1, 1, 1, 1], [13, 3]]

    private func sampleTensors() -> [TensorData] {
        var rng = SeededGenerator(seed: 42)
        var tensors: [TensorData] = []
        for dtype in TensorDType.allCases {
            for (i, shape) in Self.shapes.enumerated() {
                let count = shape.reduce(1, *) * dtype.byteSize
                let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
                tensors.append(TensorData(name: "\(dtype.rawValue).t\(i)", dtype: dtype, shape: shape, bytes: bytes))
            }
        }
        return tensors
    }

    func testEveryDTypeAndShapeRoundTrips() throws {
        let path = folder + "/all.safetensors"
        let tensors = sampleTensors()
        try SafetensorsWriter.write(tensors, to: path)
        let file = try SafetensorsFile(path: path)
        XCTAssertEqual(file.names, tensors.map(\.name).sorted())
        XCTAssertEqual(file.metadata, [:])
        for tensor in tensors {
            let view = try XCTUnwrap(file.tensor(tensor.name))
            XCTAssertEqual(view.name, tensor.name)
            XCTAssertEqual(view.dtype, tensor.dtype)
            XCTAssertEqual(view.shape, tensor.shape)
            XCTAssertEqual(Array(view.data), tensor.bytes, tensor.name)
        }
    }

    func testDataIsInGivenOrderAndHeaderIsPadded() throws {
        let path = folder + "/order.safetensors"
        let tensors = [
            TensorData(name: "z", dtype: .U8, shape: [3], bytes: [1, 2, 3]),
            TensorData(name: "a", dtype: .I16, shape: [2], bytes: [4, 5, 6, 7]),
        ]
        try SafetensorsWriter.write(tensors, to: path)
        let bytes = try readBytes(path)
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
        XCTAssertEqual(headerLength % 8, 0)
        XCTAssertEqual(Array(bytes[(8 + headerLength)...]), [1, 2, 3, 4, 5, 6, 7])
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        XCTAssertEqual(header.trimmingCharacters(in: .whitespaces),
                       #"{"z":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},"a":{"dtype":"I16","shape":[2],"data_offsets":[3,7]}}"#)
    }

    func testMetadataAndUnusualNamesRoundTrip() throws {
        let path = folder + "/meta.safetensors"
        let metadata = ["format": "pt", "quote\"back\\slash": "line\nbreak\ttab\u{01}", "ünï": "💡 emoji"]
        let tensors = [
            TensorData(name: "weird \"name\"\\/\n", dtype: .F32, shape: [1], bytes: [0, 0, 128, 63]),
            TensorData(name: "层.权重", dtype: .BOOL, shape: [2], bytes: [1, 0]),
        ]
        try SafetensorsWriter.write(tensors, metadata: metadata, to: path)
        let store = try TensorStore(file: path)
        XCTAssertEqual(store.metadata, metadata)
        XCTAssertEqual(store.names, tensors.map(\.name).sorted())
        XCTAssertEqual(store.tensor("层.权重").map { Array($0.data) }, [1, 0])
        XCTAssertEqual(store.tensor("weird \"name\"\\/\n").map(elements), [.float(1)])
    }

    func testNoTensorsRoundTrips() throws {
        let path = folder + "/none.safetensors"
        try SafetensorsWriter.write([TensorData](), to: path)
        XCTAssertEqual(try readBytes(path).count, 16)
        XCTAssertEqual(try SafetensorsFile(path: path).names, [])
    }

    func testViewsCanBeWrittenDirectly() throws {
        let source = folder + "/source.safetensors"
        let copy = folder + "/copy.safetensors"
        let tensors = sampleTensors()
        try SafetensorsWriter.write(tensors, metadata: ["k": "v"], to: source)
        let file = try SafetensorsFile(path: source)
        try SafetensorsWriter.write(tensors.compactMap { file.tensor($0.name) }, metadata: ["k": "v"], to: copy)
        XCTAssertEqual(try readBytes(copy), try readBytes(source))
    }

    func testWriterRejectsInconsistentTensors() {
        let path = folder + "/bad.safetensors"
        assertFormatError(try SafetensorsWriter.write([TensorData(name: "x", dtype: .F32, shape: [2], bytes: [0, 0, 0])], to: path),
                          ["needs 8 bytes", "got 3"], tensor: "x")
        assertFormatError(try SafetensorsWriter.write([TensorData(name: "x", dtype: .U8, shape: [-1], bytes: [])], to: path),
                          ["negative"], tensor: "x")
        assertFormatError(try SafetensorsWriter.write([TensorData(name: "x", dtype: .U8, shape: [Int.max, 2], bytes: [])], to: path),
                          ["overflows"], tensor: "x")
        let twice = [TensorData(name: "x", dtype: .U8, shape: [], bytes: [1]), TensorData(name: "x", dtype: .U8, shape: [], bytes: [2])]
        assertFormatError(try SafetensorsWriter.write(twice, to: path), ["twice"], tensor: "x")
        assertFormatError(try SafetensorsWriter.write([TensorData(name: "__metadata__", dtype: .U8, shape: [], bytes: [1])], to: path),
                          ["reserved"], tensor: "__metadata__")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }
}
