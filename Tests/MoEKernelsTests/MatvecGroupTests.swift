import XCTest
@testable import MoEKernels

/// Grouped matvecs equal the same matvecs run one at a time.
final class MatvecGroupTests: XCTestCase {
    /// Runs the `(rows, cols)` matrices of `type` one at a time and as one group, on every
    /// pool, and requires identical outputs.
    func checkGroup(_ type: WeightType, shapes: [(rows: Int, cols: Int)], rng: inout SplitMix64) {
        for pool in TestPools.all {
            let weights = shapes.map { TestMatrix(type: type, rows: $0.rows, cols: $0.cols, rng: &rng) }
            let inputs = shapes.map { FloatBuffer(rows: 1, cols: $0.cols) }
            for x in inputs { x.load(rng.floats(x.cols)) }
            let separate = shapes.map { FloatBuffer(rows: 1, cols: $0.rows) }
            let grouped = shapes.map { FloatBuffer(rows: 1, cols: $0.rows) }
            for i in shapes.indices {
                Kernels.matmul(weights[i].matrix, input: inputs[i].base, output: separate[i].base, tokens: 1, pool: pool)
            }
            Kernels.matvecGroup(shapes.indices.map { MatvecJob(weights[$0].matrix, input: inputs[$0].base, output: grouped[$0].base) },
                                pool: pool)
            for i in shapes.indices {
                XCTAssertEqual(grouped[i].rowArray(0), separate[i].rowArray(0), "\(type), \(pool.threadCount) threads, job \(i)")
            }
        }
    }

    func testGroupEqualsSeparateMatvecs() {
        var rng = SplitMix64(seed: 11)
        for type in plainWeightTypes {
            checkGroup(type, shapes: [(1, 5), (64, 33), (65, 17), (200, 64), (8, 257)], rng: &rng)
        }
    }

    func testBlockTypesGroupEqualsSeparateMatvecs() {
        var rng = SplitMix64(seed: 12)
        for type in blockWeightTypes {
            let blocks = [(1, 1), (64, 3), (65, 1), (200, 2)]  // (rows, blocks)
            checkGroup(type, shapes: blocks.map { ($0.0, $0.1 * type.blockSize) }, rng: &rng)
        }
    }

    func testBlockTypeJobsSharingAnInput() {
        // Gate and up projections read the same input (quantised once for both).
        var rng = SplitMix64(seed: 13)
        for type in blockWeightTypes {
            let cols = 2 * type.blockSize
            let gate = TestMatrix(type: type, rows: 70, cols: cols, rng: &rng)
            let up = TestMatrix(type: type, rows: 70, cols: cols, rng: &rng)
            let x = FloatBuffer(rows: 1, cols: cols)
            x.load(rng.floats(cols))
            let separate = [FloatBuffer(rows: 1, cols: 70), FloatBuffer(rows: 1, cols: 70)]
            let grouped = [FloatBuffer(rows: 1, cols: 70), FloatBuffer(rows: 1, cols: 70)]
            let pool = TestPools.all[1]
            Kernels.matmul(gate.matrix, input: x.base, output: separate[0].base, tokens: 1, pool: pool)
            Kernels.matmul(up.matrix, input: x.base, output: separate[1].base, tokens: 1, pool: pool)
            Kernels.matvecGroup([MatvecJob(gate.matrix, input: x.base, output: grouped[0].base),
                                 MatvecJob(up.matrix, input: x.base, output: grouped[1].base)], pool: pool)
            XCTAssertEqual(grouped[0].rowArray(0), separate[0].rowArray(0), "\(type) gate")
            XCTAssertEqual(grouped[1].rowArray(0), separate[1].rowArray(0), "\(type) up")
        }
    }

    func testEmptyGroupDoesNothing() {
        Kernels.matvecGroup([], pool: TestPools.all[1])
    }
}
