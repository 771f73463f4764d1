import XCTest
@testable import MoEKernels

final class DecodeRowTests: XCTestCase {
    func testDecodesExactStoredValues() {
        var rng = SplitMix64(seed: 10)
        for type in plainWeightTypes {
            for (cols, offset) in [(1, 0), (15, 1), (17, 0), (33, 2), (100, 0), (257, 3)] {
                let w = TestMatrix(type: type, rows: 3, cols: cols, rng: &rng, offsetBytes: offset)
                for row in 0..<3 {
                    var out = [Float](repeating: .nan, count: cols)
                    Kernels.decodeRow(w.matrix, row: row, into: &out)
                    XCTAssertEqual(out, Array(w.values[row * cols..<(row + 1) * cols]), "\(type) cols \(cols)")
                }
            }
        }
    }
}
