import XCTest
@testable import MoEKernels

/// `Kernels.gemm` against a Double reference: row-major and transposed left operands,
/// replacing and accumulating, tile tails in both dimensions, leading dimensions wider than
/// the product, every pool size, the causal triangles; results must also be identical across
/// thread counts.
final class GemmTests: XCTestCase {
    private func check(
        m: Int, n: Int, k: Int, transposedA: Bool, transposedB: Bool = false, accumulate: Bool,
        triangle: GemmTriangle = .full, rng: inout SplitMix64
    ) {
        let ldb = transposedB ? k + 3 : n + 3, ldc = n + 5
        var aValues = rng.floats(m * k)  // (m, k) or (k, m) when transposed
        for i in 0..<m {
            for p in 0..<k {
                var zero = false
                if case .lowerLeft(let offset) = triangle { zero = p > i + offset }
                if case .upperLeft = triangle { zero = p < i }
                if zero { aValues[transposedA ? p * m + i : i * k + p] = 0 }
            }
        }
        let b = rng.floats((transposedB ? n : k) * ldb)  // (k, ldb), or (n, ldb) transposed
        let c0 = rng.floats(m * ldc)     // (m, ldc)
        var expected = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = accumulate ? Double(c0[i * ldc + j]) : 0
                for p in 0..<k {
                    let a = transposedA ? aValues[p * m + i] : aValues[i * k + p]
                    s += Double(a) * Double(transposedB ? b[j * ldb + p] : b[p * ldb + j])
                }
                expected[i * n + j] = s
            }
        }
        var first: [Float]?
        for pool in TestPools.all {
            var c = c0
            aValues.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        let a = transposedA ? StridedMatrix(ap.baseAddress!, rowStride: 1, kStride: m)
                            : StridedMatrix(ap.baseAddress!, rowStride: k, kStride: 1)
                        Kernels.gemm(m: m, n: n, k: k, a: a, b: bp.baseAddress!, ldb: ldb, transposedB: transposedB,
                                     c: cp.baseAddress!, ldc: ldc,
                                     accumulate: accumulate, triangle: triangle, pool: pool)
                    }
                }
            }
            var got = (0..<m).flatMap { i in (0..<n).map { c[i * ldc + $0] } }
            var want = expected
            if case .lowerOutputs(let offset) = triangle {
                // Outputs past the diagonal are not wanted: compare only the others.
                for i in 0..<m { for j in 0..<n where j > i + offset { got[i * n + j] = 0; want[i * n + j] = 0 } }
            }
            let context = "m \(m) n \(n) k \(k) transposed \(transposedA) \(transposedB) accumulate \(accumulate) \(triangle) threads \(pool.threadCount)"
            XCTAssertLessThan(relativeError(got, want), 1e-5, context)
            for i in 0..<m {
                for j in n..<ldc { XCTAssertEqual(c[i * ldc + j], c0[i * ldc + j], "padding written: \(context)") }
            }
            if let first { XCTAssertEqual(got, first, "thread count changed the result: \(context)") } else { first = got }
        }
    }

    func testShapesAndLayouts() {
        var rng = SplitMix64(seed: 40)
        for (m, n, k) in [(1, 1, 1), (6, 16, 9), (7, 17, 33), (13, 8, 5), (12, 40, 64), (5, 3, 70), (19, 24, 1), (13, 20, 300)] {
            for transposedA in [false, true] {
                for transposedB in [false, true] {
                    for accumulate in [false, true] {
                        check(m: m, n: n, k: k, transposedA: transposedA, transposedB: transposedB, accumulate: accumulate,
                              rng: &rng)
                    }
                }
            }
        }
    }

    func testCausalTrianglesSkipOnlyZeroOrUnwantedProducts() {
        var rng = SplitMix64(seed: 42)
        let triangles: [GemmTriangle] = [.lowerOutputs(offset: 0), .lowerOutputs(offset: 5), .lowerLeft(offset: 0),
                                         .lowerLeft(offset: 7), .upperLeft]
        for triangle in triangles {
            for (m, n, k) in [(40, 40, 40), (37, 19, 45), (300, 16, 300), (13, 50, 9)] {
                for transposedA in [false, true] {
                    check(m: m, n: n, k: k, transposedA: transposedA, transposedB: !transposedA, accumulate: m % 2 == 1,
                          triangle: triangle, rng: &rng)
                }
            }
        }
    }

    func testEmptyProductLeavesOrZeroes() {
        var rng = SplitMix64(seed: 41)
        check(m: 4, n: 9, k: 0, transposedA: false, accumulate: true, rng: &rng)
        check(m: 4, n: 9, k: 0, transposedA: false, accumulate: false, rng: &rng)
    }
}
