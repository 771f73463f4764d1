import XCTest
@_spi(Benchmarks) @testable import MoEKernels

/// `Kernels.matmul` on ggml blocks (decode matvec and prefill) against a Double reference
/// over the reference-dequantised weights. Paths that accumulate in f32 with the f32 input
/// meet the f32 tolerance; on x86-64 the decode matvec of the block types (also run per token
/// for a few tokens) and the integer tiles quantise the input to q8_0 (`ActivationQ8`, as
/// llama.cpp): every output is within the worst-case
/// input-rounding error, and the relative L2 error on long rows stays below 1e-2.
final class QuantMatmulTests: XCTestCase {
    private func check(type: WeightType, rows: Int, blocks: Int, tokens: [Int], rng: inout SplitMix64,
                       offsetBytes: Int = 0) {
        let cols = blocks * type.blockSize
        let w = TestMatrix(type: type, rows: rows, cols: cols, rng: &rng, offsetBytes: offsetBytes)
        for tokens in tokens {
            let x = rng.floats(tokens * cols)
            let expected = referenceMatmul(w, x, tokens: tokens)
            for pool in TestPools.all {
                let out = kernelMatmul(w, x, tokens: tokens, pool: pool)
                if Self.quantisesInput(w.matrix, tokens: tokens) {
                    for t in 0..<tokens {
                        checkQuantisedInputBound(w, Array(x[t * cols..<(t + 1) * cols]), Array(out[t * rows..<(t + 1) * rows]),
                                                 Array(expected[t * rows..<(t + 1) * rows]),
                                                 "\(type) rows \(rows) cols \(cols) token \(t) of \(tokens) threads \(pool.threadCount)")
                    }
                    continue
                }
                let err = relativeError(out, expected)
                XCTAssertLessThan(err, 1e-5, "\(type) rows \(rows) cols \(cols) tokens \(tokens) threads \(pool.threadCount)")
            }
        }
    }

    /// Types whose decode matvec may quantise the input (`ActivationQ8`).
    private static let quantisedInputTypes: Set<WeightType> = Set(blockWeightTypes)

    /// Whether the form `Kernels.matmul` takes for `tokens` rows quantises the input.
    private static func quantisesInput(_ w: WeightMatrix, tokens: Int) -> Bool {
        #if arch(x86_64)
        let forms: Set<MatmulForm> = [.matvec, .matvecPerToken, .integerTiles]
        return quantisedInputTypes.contains(w.type) && forms.contains(MatmulDriver.form(w, tokens: tokens))
        #else
        return false
        #endif
    }

    /// Each output of a decode matvec with a q8_0-quantised input is within the worst case
    /// of the input rounding, `sum_b max|x_b| / 254 * sum_{i in b} |w_i|`, plus f32 rounding.
    private func checkQuantisedInputBound(_ w: TestMatrix, _ x: [Float], _ out: [Float], _ expected: [Double],
                                          _ context: String) {
        let cols = w.matrix.cols
        for r in 0..<w.matrix.rows {
            var bound = 0.0, magnitude = 0.0
            for b in 0..<cols / 32 {
                var amax = 0.0, wsum = 0.0
                for c in 32 * b..<32 * b + 32 {
                    amax = max(amax, Double(abs(x[c])))
                    wsum += Double(abs(w.values[r * cols + c]))
                    magnitude += Double(abs(w.values[r * cols + c] * x[c]))
                }
                bound += amax / 254 * wsum
            }
            XCTAssertLessThanOrEqual(abs(Double(out[r]) - expected[r]), bound * 1.001 + 1e-5 * magnitude, "\(context) row \(r)")
        }
    }

    func testQuantisedInputDecodeErrorIsSmall() {
        // The activation-quantisation error over long dot products of uniform data: 2e-3 to 4e-3.
        var rng = SplitMix64(seed: 33)
        for type in Self.quantisedInputTypes {
            let w = TestMatrix(type: type, rows: 64, cols: 1024, rng: &rng)
            let x = rng.floats(1024)
            let out = kernelMatmul(w, x, tokens: 1, pool: TestPools.all[1])
            XCTAssertLessThan(relativeError(out, referenceMatmul(w, x, tokens: 1)), 1e-2, "\(type)")
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

    func testPanelTokenCounts() {
        // 8-token panels: one (8), a padded pair decoded block by block (13, 16), whole tiles
        // with pairs and a lone panel (24, 40), and tail tiles of 1 to 5 rows.
        var rng = SplitMix64(seed: 34)
        for type in blockWeightTypes {
            for rows in [5, 13] {
                check(type: type, rows: rows, blocks: 2, tokens: [8, 13, 16, 40], rng: &rng)
            }
        }
        XCTAssertTrue([8, 13, 16, 40].allSatisfy { MatmulPanels.suits(tokens: $0) })
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
