import XCTest
import MoEFormats
@testable import MoEKernels

/// `Kernels.decodeRow` on ggml blocks is bit-identical to MoEFormats' reference dequantisers.
final class QuantDecodeRowTests: XCTestCase {
    func testBlockLayoutsMatchGGML() {
        for type in WeightType.allCases {
            let ggml = QuantTestBlocks.ggmlType(type)
            XCTAssertEqual(type.blockSize, ggml.blockSize, "\(type)")
            XCTAssertEqual(type.blockBytes, ggml.typeSize, "\(type)")
            XCTAssertEqual(type.rowBytes(cols: 4 * type.blockSize), 4 * ggml.typeSize, "\(type)")
        }
    }

    func testDecodesBitIdenticalToReference() {
        var rng = SplitMix64(seed: 20)
        for type in blockWeightTypes {
            for (blocks, offset) in [(1, 0), (2, 1), (3, 3), (5, 0)] {
                let cols = blocks * type.blockSize
                let w = TestMatrix(type: type, rows: 3, cols: cols, rng: &rng, offsetBytes: offset)
                for row in 0..<3 {
                    var out = [Float](repeating: .nan, count: cols)
                    Kernels.decodeRow(w.matrix, row: row, into: &out)
                    let expected = w.values[row * cols..<(row + 1) * cols]
                    XCTAssertEqual(out.map(\.bitPattern), expected.map(\.bitPattern), "\(type) cols \(cols) row \(row)")
                }
            }
        }
    }
}
