import Foundation
import MoEFormats
import MoEKernels
import MoETestFixtures
import XCTest

/// OpenAI's split MXFP4 layout (`_blocks` + `_scales`) regrouped into ggml blocks decodes to
/// exactly what transformers' `convert_moe_packed_tensors` makes of the same bytes
/// (Tests/Fixtures/mxfp4/split-layout.json, written by scripts/make_gpt_oss_fixtures.py).
final class MXFP4RegroupTests: XCTestCase {
    private struct Vectors: Decodable {
        let rows: Int
        let blocks_per_row: Int
        let blocks: [UInt8]
        let scales: [UInt8]
        let values: [String]
    }

    func testRegroupedBlocksDecodeToTransformersValues() throws {
        let path = URL(fileURLWithPath: ModelFixture.root).deletingLastPathComponent().appendingPathComponent("mxfp4/split-layout.json")
        let v = try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: path))
        let cols = v.blocks_per_row * 32
        let expected = v.values.compactMap(Float.init)
        XCTAssertEqual(expected.count, v.rows * cols)
        // Rows out of order, as the gate/up split takes them.
        let order = [2, 0, 1]
        let storage = try WeightStorage(type: .mxfp4, rows: order.count, cols: cols) { out in
            try v.blocks.withUnsafeBytes { b in
                try v.scales.withUnsafeBytes { s in
                    try MXFP4Regroup.ggmlRows(blocks: b, scales: s, blocksPerRow: v.blocks_per_row, rows: order, into: out)
                }
            }
        }
        var row = [Float](repeating: .nan, count: cols)
        for (i, r) in order.enumerated() {
            Kernels.decodeRow(storage.matrix, row: i, into: &row)
            for c in 0..<cols {
                XCTAssertEqual(row[c], expected[r * cols + c], "row \(r) column \(c)")
            }
        }
    }

    func testMismatchedSizesAndRowsAreErrors() throws {
        let blocks = [UInt8](repeating: 0, count: 32), scales = [UInt8](repeating: 127, count: 2)
        var out = [UInt8](repeating: 0, count: 17)
        try blocks.withUnsafeBytes { b in
            try scales.withUnsafeBytes { s in
                try out.withUnsafeMutableBytes { o in
                    XCTAssertThrowsError(try MXFP4Regroup.ggmlRows(blocks: b, scales: s, blocksPerRow: 1, rows: [2], into: o))
                    XCTAssertThrowsError(try MXFP4Regroup.ggmlRows(blocks: b, scales: s, blocksPerRow: 3, rows: [0], into: o))
                    XCTAssertNoThrow(try MXFP4Regroup.ggmlRows(blocks: b, scales: s, blocksPerRow: 1, rows: [1], into: o))
                }
            }
        }
    }
}
