import XCTest
@testable import MoEKernels

/// The f32-accumulating block decode matvec (`MatmulDriver.matvecBlocks`, the path on
/// arm64, which x86-64 replaces by integer dot products) against a Double reference: exact
/// f32 products, so the f32 tolerance.
final class QuantFloatDotTests: XCTestCase {
    private func matvec(_ w: WeightMatrix, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ pool: ThreadPool) {
        switch w.type {
        case .q8_0: MatmulDriver.matvecBlocks(Q8_0Block.self, w, input: x, output: y, pool: pool)
        case .q4_0: MatmulDriver.matvecBlocks(Q4_0Block.self, w, input: x, output: y, pool: pool)
        case .q4_1: MatmulDriver.matvecBlocks(Q4_1Block.self, w, input: x, output: y, pool: pool)
        case .q5_0: MatmulDriver.matvecBlocks(Q5_0Block.self, w, input: x, output: y, pool: pool)
        case .q5_1: MatmulDriver.matvecBlocks(Q5_1Block.self, w, input: x, output: y, pool: pool)
        case .q4_K: MatmulDriver.matvecBlocks(Q4_KBlock.self, w, input: x, output: y, pool: pool)
        case .q5_K: MatmulDriver.matvecBlocks(Q5_KBlock.self, w, input: x, output: y, pool: pool)
        case .q6_K: MatmulDriver.matvecBlocks(Q6_KBlock.self, w, input: x, output: y, pool: pool)
        case .mxfp4: MatmulDriver.matvecBlocks(MXFP4Block.self, w, input: x, output: y, pool: pool)
        case .f32, .f16, .bf16: XCTFail("not a block type")
        }
    }

    func testEveryBlockTypeMatchesReference() {
        var rng = SplitMix64(seed: 40)
        for type in blockWeightTypes {
            for (rows, blocks) in [(1, 1), (17, 3), (67, 2)] {
                let cols = blocks * type.blockSize
                let w = TestMatrix(type: type, rows: rows, cols: cols, rng: &rng)
                let x = rng.floats(cols)
                var expected = [Double](repeating: 0, count: rows)
                for r in 0..<rows {
                    for c in 0..<cols { expected[r] += Double(w.values[r * cols + c]) * Double(x[c]) }
                }
                for pool in TestPools.all {
                    var out = [Float](repeating: .nan, count: rows)
                    x.withUnsafeBufferPointer { xp in
                        out.withUnsafeMutableBufferPointer { op in matvec(w.matrix, xp.baseAddress!, op.baseAddress!, pool) }
                    }
                    XCTAssertLessThan(relativeError(out, expected), 1e-5, "\(type) rows \(rows) cols \(cols) threads \(pool.threadCount)")
                }
            }
        }
    }
}
