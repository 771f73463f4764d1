#if arch(x86_64)
import XCTest
@_spi(Benchmarks) @testable import MoEKernels

/// The integer tiles (`MatmulQ8Int`, and `MatmulQ8IntWide` where AVX-512 VNNI is compiled
/// in) against the per-token decode matvec of the same quantised activations: the same
/// integer products and scales, so outputs agree to f32 rounding whatever the tiling of rows,
/// tokens and block pairs.
final class MatmulQ8IntTests: XCTestCase {
    /// The 32-weight block types.
    private let types: [WeightType] = [.q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .mxfp4]

    /// Every compiled tile kernel, by name.
    private var kernels: [(String, (WeightMatrix, ActivationQ8, Int, UnsafeMutablePointer<Float>, Range<Int>) -> Void)] {
        var all: [(String, (WeightMatrix, ActivationQ8, Int, UnsafeMutablePointer<Float>, Range<Int>) -> Void)] = [
            ("signed", { MatmulDriver.q8IntTiles($0, dot: SignedPairDot.self, x: $1, tokens: $2, y: $3, rows: $4) }),
        ]
        #if MOE_AVX512_VNNI
        all.append(("offset", { MatmulDriver.q8IntTiles($0, dot: OffsetPairDot.self, x: $1, tokens: $2, y: $3, rows: $4) }))
        all.append(("wide", { MatmulDriver.q8IntTilesWide($0, x: $1, tokens: $2, y: $3, rows: $4) }))
        #endif
        return all
    }

    func testTilesMatchPerTokenMatvecsForEveryShape() {
        var rng = SplitMix64(seed: 71)
        for type in types {
            // 1-3 blocks: odd and even block counts (the wide kernel pairs blocks); rows not a
            // multiple of the 4-row tile; token counts covering 1, 2 and 3-token tiles.
            for (rows, blocks) in [(1, 1), (5, 2), (9, 3), (6, 5)] {
                let cols = 32 * blocks
                let w = TestMatrix(type: type, rows: rows, cols: cols, rng: &rng)
                for tokens in [1, 2, 3, 4, 7] {
                    let input = rng.floats(tokens * cols)
                    let expected = perToken(w.matrix, input, tokens: tokens)
                    let x = input.withUnsafeBufferPointer { ActivationQ8($0.baseAddress!, cols: cols, tokens: tokens) }
                    defer { x.deallocate() }
                    for (name, kernel) in kernels {
                        var out = [Float](repeating: .nan, count: tokens * rows)
                        out.withUnsafeMutableBufferPointer { kernel(w.matrix, x, tokens, $0.baseAddress!, 0..<rows) }
                        for i in 0..<out.count {
                            XCTAssertEqual(out[i], expected[i], accuracy: 1e-5 * max(1, abs(expected[i])),
                                           "\(name) \(type) rows \(rows) blocks \(blocks) tokens \(tokens) output \(i)")
                        }
                    }
                }
            }
        }
    }

    func testQuantisedInputTakesTheTilesForAnyTokenCount() {
        // Routed experts ask for quantised input: 40 tokens run the integer tiles, the same
        // arithmetic as 40 decode matvecs; block types without tiles keep the default forms.
        var rng = SplitMix64(seed: 74)
        for type in types {
            let w = TestMatrix(type: type, rows: 7, cols: 64, rng: &rng)
            XCTAssertEqual(MatmulDriver.form(w.matrix, tokens: 40, quantisedInput: true), .integerTiles)
            XCTAssertNotEqual(MatmulDriver.form(w.matrix, tokens: 40), .integerTiles)
            let input = rng.floats(40 * 64)
            let expected = perToken(w.matrix, input, tokens: 40)
            var out = [Float](repeating: .nan, count: 40 * 7)
            input.withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer { y in
                    Kernels.matmul(w.matrix, input: x.baseAddress!, output: y.baseAddress!, tokens: 40, quantisedInput: true,
                                   pool: TestPools.all[1])
                }
            }
            for i in 0..<out.count {
                XCTAssertEqual(out[i], expected[i], accuracy: 1e-5 * max(1, abs(expected[i])), "\(type) output \(i)")
            }
        }
        let k = TestMatrix(type: .q4_K, rows: 3, cols: 256, rng: &rng)
        XCTAssertEqual(MatmulDriver.form(k.matrix, tokens: 40, quantisedInput: true), MatmulDriver.form(k.matrix, tokens: 40))
    }

    func testRowRangeWritesOnlyItsRows() {
        var rng = SplitMix64(seed: 72)
        let w = TestMatrix(type: .q8_0, rows: 11, cols: 64, rng: &rng)
        let input = rng.floats(3 * 64)
        let x = input.withUnsafeBufferPointer { ActivationQ8($0.baseAddress!, cols: 64, tokens: 3) }
        defer { x.deallocate() }
        for (name, kernel) in kernels {
            var out = [Float](repeating: .nan, count: 3 * 11)
            out.withUnsafeMutableBufferPointer { kernel(w.matrix, x, 3, $0.baseAddress!, 2..<7) }
            for t in 0..<3 {
                for r in 0..<11 {
                    XCTAssertEqual(out[t * 11 + r].isNaN, !(2..<7).contains(r), "\(name) token \(t) row \(r)")
                }
            }
        }
    }

    func testQuantisingRowsOnThePoolMatchesOneThread() {
        var rng = SplitMix64(seed: 73)
        let tokens = ActivationQ8.parallelTokens + 5, cols = 96
        let input = rng.floats(tokens * cols)
        input.withUnsafeBufferPointer { p in
            let serial = ActivationQ8(p.baseAddress!, cols: cols, tokens: tokens)
            let pooled = ActivationQ8(p.baseAddress!, cols: cols, tokens: tokens, pool: TestPools.all[2])
            defer { serial.deallocate(); pooled.deallocate() }
            XCTAssertEqual(Array(UnsafeBufferPointer(start: serial.q, count: tokens * cols)),
                           Array(UnsafeBufferPointer(start: pooled.q, count: tokens * cols)))
            XCTAssertEqual(Array(UnsafeBufferPointer(start: serial.scale, count: tokens * 3)),
                           Array(UnsafeBufferPointer(start: pooled.scale, count: tokens * 3)))
        }
    }

    func testQuantisedCodesRoundToNearestEven() {
        // Block scale 127 / 127 = 1: codes are the inputs rounded half to even.
        var x = [Float](repeating: 0, count: 32)
        x[0] = 127
        x[1] = 2.5
        x[2] = -3.5
        x[3] = 0.5
        x[4] = -126.6
        let q = x.withUnsafeBufferPointer { ActivationQ8($0.baseAddress!, cols: 32) }
        defer { q.deallocate() }
        XCTAssertEqual(q.scale[0], 1)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: q.q, count: 5)), [127, 2, -4, 0, -127])
        XCTAssertEqual(q.sum[0], 127 + 2.5 - 3.5 + 0.5 - 126.6, accuracy: 1e-4)
    }

    /// The decode matvec of each token in turn.
    private func perToken(_ w: WeightMatrix, _ input: [Float], tokens: Int) -> [Float] {
        var out = [Float](repeating: 0, count: tokens * w.rows)
        input.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                MatmulDriver.matvecQ8IntTokens(w, input: x.baseAddress!, output: y.baseAddress!, tokens: tokens,
                                               pool: TestPools.all[0])
            }
        }
        return out
    }
}
#endif
