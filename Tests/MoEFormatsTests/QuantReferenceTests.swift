import XCTest
@testable import MoEFormats

/// Our reference codecs against gguf-py's, on the blocks and values in `reference.gguf`.
final class QuantReferenceTests: XCTestCase {
    private static let file = Result { try GGUFFile(path: ggufFixtureRoot + "/reference.gguf") }

    private func tensor(_ name: String) throws -> GGUFTensorInfo {
        try XCTUnwrap(try Self.file.get().tensor(named: name), name)
    }

    /// Dequantising random valid blocks gives exactly gguf-py's f32 bits.
    func testDequantizeMatchesGGUFPy() throws {
        let types: [GGMLType] = [.Q8_0, .Q4_0, .Q4_1, .Q5_0, .Q5_1, .MXFP4, .Q4_K, .Q5_K, .Q6_K]
        for type in types {
            let blocks = try tensor("random.\(type)")
            XCTAssertEqual(blocks.type, type)
            let expected = try tensor("random.\(type).f32")
            let want = try GGMLQuants.dequantize(expected.data, type: .F32, count: expected.elementCount)
            let got = try GGMLQuants.dequantize(blocks.data, type: type, count: blocks.elementCount)
            XCTAssertEqual(bits(got), bits(want), "\(type)")
        }
    }

    /// Quantising the same f32 input gives exactly gguf-py's bytes, and F16/BF16 decode back
    /// to the values gguf-py would.
    func testQuantizeMatchesGGUFPy() throws {
        let input = try tensor("quant.input")
        let values = try GGMLQuants.dequantize(input.data, type: .F32, count: input.elementCount)
        for type: GGMLType in [.F16, .BF16, .Q8_0, .Q4_0, .Q4_1, .Q5_0, .Q5_1] {
            let want = try tensor("quant.\(type)")
            XCTAssertEqual(try GGMLQuants.quantize(values, to: type), Array(want.data), "\(type)")
        }
    }

    /// Q4_K, Q5_K and Q6_K (no gguf-py quantiser) give exactly the bytes of ggml's C reference
    /// quantisers (`ggml_quantize_chunk` without importance matrix, via llama-cpp-python's
    /// libggml-base).
    func testKQuantizeMatchesGGMLReference() throws {
        let input = try tensor("quantk.input")
        let values = try GGMLQuants.dequantize(input.data, type: .F32, count: input.elementCount)
        for type: GGMLType in [.Q4_K, .Q5_K, .Q6_K] {
            let want = try tensor("quantk.\(type)")
            XCTAssertEqual(want.type, type)
            XCTAssertEqual(try GGMLQuants.quantize(values, to: type), Array(want.data), "\(type)")
        }
    }

    /// Plain element tensors decode through the same entry point.
    func testPlainTypes() throws {
        let bf16 = try tensor("plain.BF16")
        let decoded = try GGMLQuants.dequantize(bf16.data, type: .BF16, count: bf16.elementCount)
        XCTAssertEqual(try GGMLQuants.quantize(decoded, to: .BF16), Array(bf16.data))
        let f16 = try tensor("plain.F16")
        let halves = try GGMLQuants.dequantize(f16.data, type: .F16, count: f16.elementCount)
        XCTAssertEqual(try GGMLQuants.quantize(halves, to: .F16), Array(f16.data))
    }

    func testSizeErrors() throws {
        XCTAssertThrowsError(try GGMLQuants.quantize([Float](repeating: 0, count: 33), to: .Q8_0))
        XCTAssertThrowsError(try GGMLQuants.quantize([Float](repeating: 0, count: 32), to: .MXFP4))
        let bytes = [UInt8](repeating: 0, count: 34)
        try bytes.withUnsafeBytes { raw in
            XCTAssertThrowsError(try GGMLQuants.dequantize(raw, type: .Q8_0, count: 64))
            XCTAssertThrowsError(try GGMLQuants.dequantize(raw, type: .Q2_K, count: 256)) { error in
                XCTAssertTrue("\(error)".contains("Q2_K"), "\(error)")
            }
            XCTAssertEqual(try GGMLQuants.dequantize(raw, type: .Q8_0, count: 32), [Float](repeating: 0, count: 32))
        }
    }
}
