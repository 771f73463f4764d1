import XCTest
@testable import MoEKernels

final class DecodeRowTests: XCTestCase {
    func testDecodesExactStoredValues() {
        var rng = SplitMix64(seed: 10)
        for type in WeightType.allCases {
            for cols in [1, 15, 17, 33, 100, 257] {
                let w = TestMatrix(type: type, rows: 3, cols: cols, rng: &rng)
                for row in 0..<3 {
                    var out = [Float](repeating: .nan, count: cols)
                    Kernels.decodeRow(w.matrix, row: row, into: &out)
                    XCTAssertEqual(out, Array(w.values[row * cols..<(row + 1) * cols]), "\(type) cols \(cols)")
                }
            }
        }
    }
}
