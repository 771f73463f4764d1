import XCTest
@testable import MoEKernels

/// `Kernels.matmul` on ggml blocks (decode matvec and prefill) against a Double reference
/// over the reference-dequantised weights. Paths that accumulate in f32 with the f32 input
/// meet the f32 tolerance; the q8_0 decode matvec on x86-64 quantises the input to q8_0
/// (`ActivationQ8`, as llama.cpp) and meets a 1e-2 relative tolerance instead.
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
                XCTAssertLessThan(err, tolerance(type, tokens: tokens), "\(type) rows \(rows) cols \(cols) tokens \(tokens) threads \(pool.threadCount)")
            }
        }
    }

    /// Relative L2 error allowed for `type` and `tokens`.
    private func tolerance(_ type: WeightType, tokens: Int) -> Double {
        type == .q8_0 && tokens == 1 ? 1e-2 : 1e-5
    }

    func testQ8_0DecodeErrorIsSmall() {
        // The activation-quantisation error over long dot products of uniform data: 3.9e-3 here.
        var rng = SplitMix64(seed: 33)
        let w = TestMatrix(type: .q8_0, rows: 64, cols: 1024, rng: &rng)
        let x = rng.floats(1024)
        var out = [Float](repeating: .nan, count: 64)
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                Kernels.matmul(w.matrix, input: xp.baseAddress!, output: op.baseAddress!, tokens: 1, pool: TestPools.all[1])
            }
        }
        XCTAssertLessThan(relativeError(out, reference(w, x, tokens: 1)), 1e-2)
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
