import XCTest
@testable import MoEKernels

/// `Kernels.matmul` on ggml blocks (decode matvec and prefill) against a Double reference
/// over the reference-dequantised weights. Both paths accumulate in f32 with the f32 input
/// (no activation quantisation), so the tolerance is the f32 one.
final class QuantMatmulTests: XCTestCase {
    /// `sum_c w[r, c] * x[t, c]` in Double, `(tokens, rows)`.
    private func reference(_ w: TestMatrix, _ x: [Float], tokens: Int) -> [Double] {
        let rows = w.matrix.rows, cols = w.matrix.cols
        var out = [Double](repeating: 0, count: tokens * rows)
        for t in 0..<tokens {
            for r in 0..<rows {
                var s = 0.0
                for c in 0..<cols { s += Double(w.values[r * cols + c]) * Double(x[t * cols + c]) }
                out[t * rows + r] = s
            }
        }
        return out
    }

    private func check(type: WeightType, rows: Int, blocks: Int, tokens: [Int], rng: inout SplitMix64,
                       offsetBytes: Int = 0) {
        let cols = blocks * type.blockSize
        let w = TestMatrix(type: type, rows: rows, cols: cols, rng: &rng, offsetBytes: offsetBytes)
        for tokens in tokens {
            let x = rng.floats(tokens * cols)
            let expected = reference(w, x, tokens: tokens)
            for pool in TestPools.all {
                var out = [Float](repeating: .nan, count: tokens * rows)
                x.withUnsafeBufferPointer { xp in
                    out.withUnsafeMutableBufferPointer { op in
                        Kernels.matmul(w.matrix, input: xp.baseAddress!, output: op.baseAddress!, tokens: tokens, pool: pool)
                    }
                }
                let err = relativeError(out, expected)
                XCTAssertLessThan(err, 1e-5, "\(type) rows \(rows) cols \(cols) tokens \(tokens) threads \(pool.threadCount)")
            }
        }
    }

    func testOddShapesEveryTokenCount() {
        var rng = SplitMix64(seed: 30)
        for type in blockWeightTypes {
            for rows in [1, 3, 17] {
                for blocks in [1, 2, 3] {
                    check(type: type, rows: rows, blocks: blocks, tokens: Array(1...9), rng: &rng)
                }
            }
        }
    }

    func testManyChunksAndPrefillColumnBlocks() {
        var rng = SplitMix64(seed: 31)
        for type in blockWeightTypes {
            // 1 152 or 1 280 columns: three prefill column blocks, the last partial.
            check(type: type, rows: 67, blocks: type.blockSize == 32 ? 36 : 5, tokens: [1, 2, 7], rng: &rng)
        }
    }

    func testUnalignedWeights() {
        var rng = SplitMix64(seed: 32)
        for type in blockWeightTypes {
            for offset in [1, 3] {
                check(type: type, rows: 9, blocks: 2, tokens: [1, 5], rng: &rng, offsetBytes: offset)
            }
        }
    }
}
