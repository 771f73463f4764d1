import XCTest
@_spi(Benchmarks) @testable import MoEKernels

final class MatmulTests: XCTestCase {
    private func check(type: WeightType, rows: Int, cols: Int, tokens: Int, rng: inout SplitMix64,
                       offsetBytes: Int = 0) {
        let w = TestMatrix(type: type, rows: rows, cols: cols, rng: &rng, offsetBytes: offsetBytes)
        let x = rng.floats(tokens * cols)
        let expected = referenceMatmul(w, x, tokens: tokens)
        for pool in TestPools.all {
            let out = kernelMatmul(w, x, tokens: tokens, pool: pool)
            let err = relativeError(out, expected)
            XCTAssertLessThan(err, 1e-5, "\(type) rows \(rows) cols \(cols) tokens \(tokens) threads \(pool.threadCount)")
        }
    }

    func testOddShapesEveryTypeAndTokenCount() {
        var rng = SplitMix64(seed: 1)
        for type in plainWeightTypes {
            for rows in [1, 3, 64] {
                for cols in [1, 15, 17, 33, 100, 257] {
                    for tokens in 1...9 {
                        check(type: type, rows: rows, cols: cols, tokens: tokens, rng: &rng)
                    }
                }
            }
        }
    }

    func testLargerMatricesSpanningManyChunks() {
        var rng = SplitMix64(seed: 2)
        for type in plainWeightTypes {
            for tokens in [1, 4, 6] {
                check(type: type, rows: 301, cols: 320, tokens: tokens, rng: &rng)
            }
        }
    }

    func testPanelTokenCounts() {
        // The outer-product form over 8-token panels (f32 weights used in place, others
        // widened whole): one panel, a padded pair, pairs plus a lone panel; tail row tiles.
        var rng = SplitMix64(seed: 6)
        for type in plainWeightTypes {
            for rows in [1, 7, 23] {
                for tokens in [8, 14, 16, 40] {
                    check(type: type, rows: rows, cols: 37, tokens: tokens, rng: &rng)
                }
            }
        }
        XCTAssertTrue([8, 14, 16, 40].allSatisfy { MatmulPanels.suits(tokens: $0) })
        XCTAssertFalse([7, 9, 20, 27].contains { MatmulPanels.suits(tokens: $0) })
    }

    func testManyTokensStreamTheWeightPastTokenPanels() {
        // f32 with many panel pairs (training's shape): each task packs its own pair, the
        // last pair holding one partial panel.
        var rng = SplitMix64(seed: 8)
        for rows in [5, 13] {
            check(type: .f32, rows: rows, cols: 40, tokens: 190, rng: &rng)
        }
        XCTAssertTrue(MatmulPanels.suits(tokens: 190))
    }

    func testJobsSharingAnInput() {
        // q/k/v-style products of one input: grouped (one packing, one dispatch) for panel
        // token counts, one after another otherwise, matvecGroup for one token.
        var rng = SplitMix64(seed: 7)
        for type in [WeightType.f32, .bf16, .q8_0, .q4_K] {
            let cols = 256
            let matrices = [13, 4, 9].map { TestMatrix(type: type, rows: $0, cols: cols, rng: &rng) }
            for tokens in [1, 3, 9, 16, 40] {
                let x = rng.floats(tokens * cols)
                let pointers = matrices.map { UnsafeMutablePointer<Float>.allocate(capacity: tokens * $0.matrix.rows) }
                defer { pointers.forEach { $0.deallocate() } }
                x.withUnsafeBufferPointer { xp in
                    Kernels.matmul(zip(matrices, pointers).map { MatvecJob($0.matrix, input: xp.baseAddress!, output: $1) },
                                   tokens: tokens, pool: TestPools.byThreads[2]!)
                }
                for (m, pointer) in zip(matrices, pointers) {
                    let out = Array(UnsafeBufferPointer(start: pointer, count: tokens * m.matrix.rows))
                    let expected = referenceMatmul(m, x, tokens: tokens)
                    // Forms that quantise the input to q8_0 (block types only) meet the looser bound.
                    let quantising: Set<MatmulForm> = [.matvec, .matvecPerToken, .integerTiles]
                    let bound = type.isBlockQuantized && quantising.contains(MatmulDriver.form(m.matrix, tokens: tokens))
                        ? 1e-2 : 1e-5
                    XCTAssertLessThan(relativeError(out, expected), bound, "\(type) rows \(m.matrix.rows) tokens \(tokens)")
                }
            }
        }
    }

    func testColumnsSpanningSeveralPrefillBlocks() {
        var rng = SplitMix64(seed: 5)
        for type in plainWeightTypes {
            for tokens in [1, 2, 7] {
                check(type: type, rows: 19, cols: 1100, tokens: tokens, rng: &rng)
            }
        }
    }

    func testUnalignedWeights() {
        var rng = SplitMix64(seed: 3)
        for type in plainWeightTypes {
            for offset in [1, 2] {
                for tokens in [1, 5] {
                    check(type: type, rows: 9, cols: 70, tokens: tokens, rng: &rng, offsetBytes: offset)
                }
            }
        }
    }

    func testZeroRowsOrTokensWriteNothing() {
        var rng = SplitMix64(seed: 4)
        let w = TestMatrix(type: .f32, rows: 3, cols: 5, rng: &rng)
        let empty = WeightMatrix(base: w.matrix.base, type: .f32, rows: 0, cols: 5)
        var out: [Float] = [7, 7, 7]
        let x = [Float](repeating: 1, count: 5)
        out.withUnsafeMutableBufferPointer { op in
            Kernels.matmul(w.matrix, input: x, output: op.baseAddress!, tokens: 0, pool: TestPools.byThreads[2]!)
            Kernels.matmul(empty, input: x, output: op.baseAddress!, tokens: 1, pool: TestPools.byThreads[2]!)
        }
        XCTAssertEqual(out, [7, 7, 7])
    }

    func testHalfSpecialValues() {
        // Largest finite, smallest subnormal, negative zero, infinity in f16.
        let halves: [Float16] = [65504, -65504, Float16(bitPattern: 1), -0.0, 1, .infinity]
        for (i, h) in halves.enumerated() {
            let cols = 40  // one pair block of 32 plus a tail
            var bits = [UInt16](repeating: 0, count: cols)
            bits[i] = h.bitPattern
            bits[33] = Float16(2).bitPattern
            var x = [Float](repeating: 0, count: cols)
            x[i] = 1
            x[33] = 0.5
            var out: [Float] = [0]
            bits.withUnsafeBytes { raw in
                let m = WeightMatrix(base: raw.baseAddress!, type: .f16, rows: 1, cols: cols)
                Kernels.matmul(m, input: x, output: &out, tokens: 1, pool: TestPools.byThreads[1]!)
            }
            XCTAssertEqual(out[0], Float(h) + 1, "half \(h)")
        }
    }
}
