import Foundation
import XCTest
@testable import MoEKernels

final class ElementwiseTests: XCTestCase {
    private let sizes = [1, 2, 15, 16, 17, 33, 100, 257, 4096]

    func testRMSNorm() {
        var rng = SplitMix64(seed: 20)
        for count in sizes {
            let x = rng.floats(count, in: -3...3), w = rng.floats(count)
            let mean = x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(count)
            let inv = 1 / (mean + 1e-5).squareRoot()
            let expected = (0..<count).map { Double(x[$0]) * inv * Double(w[$0]) }
            var out = [Float](repeating: .nan, count: count)
            Kernels.rmsNorm(x, weight: w, count: count, eps: 1e-5, output: &out)
            XCTAssertLessThan(relativeError(out, expected), 1e-6, "count \(count)")
            var inPlace = x
            inPlace.withUnsafeMutableBufferPointer { p in
                Kernels.rmsNorm(p.baseAddress!, weight: w, count: count, eps: 1e-5, output: p.baseAddress!)
            }
            XCTAssertEqual(inPlace, out, "in place, count \(count)")
        }
    }

    func testGatedRMSNorm() {
        var rng = SplitMix64(seed: 24)
        let rows = 3
        for width in [1, 8, 12, 128] {
            let x = rng.floats(rows * width, in: -3...3), z = rng.floats(rows * width, in: -6...6), w = rng.floats(width)
            var expected = [Double](repeating: 0, count: rows * width)
            for r in 0..<rows {
                let mean = (0..<width).reduce(0.0) { $0 + Double(x[r * width + $1]) * Double(x[r * width + $1]) } / Double(width)
                let inv = 1 / (mean + 1e-6).squareRoot()
                for i in 0..<width {
                    let gate = Double(z[r * width + i])
                    expected[r * width + i] = Double(w[i]) * Double(x[r * width + i]) * inv * gate / (1 + Foundation.exp(-gate))
                }
            }
            var out = [Float](repeating: .nan, count: rows * width)
            Kernels.gatedRMSNorm(x, gate: z, weight: w, rows: rows, width: width, eps: 1e-6, output: &out)
            XCTAssertLessThan(relativeError(out, expected), 1e-6, "width \(width)")
            var inPlace = x
            inPlace.withUnsafeMutableBufferPointer { p in
                Kernels.gatedRMSNorm(p.baseAddress!, gate: z, weight: w, rows: rows, width: width, eps: 1e-6, output: p.baseAddress!)
            }
            XCTAssertEqual(inPlace, out, "in place, width \(width)")
        }
    }

    func testSoftmax() {
        var rng = SplitMix64(seed: 21)
        for count in sizes {
            for scale: Float in [1, 30] {
                var v = rng.floats(count, in: -scale...scale)
                let m = v.map(Double.init).max()!
                let e = v.map { Foundation.exp(Double($0) - m) }
                let s = e.reduce(0, +)
                Kernels.softmax(&v, count: count)
                XCTAssertLessThan(relativeError(v, e.map { $0 / s }), 1e-6, "count \(count) scale \(scale)")
            }
        }
    }

    func testSoftmaxMaskedEntriesAreZero() {
        var v: [Float] = [0, -.infinity, 1, -.infinity, -200, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, -.infinity]
        Kernels.softmax(&v, count: v.count)
        XCTAssertEqual(v[1], 0)
        XCTAssertEqual(v[3], 0)
        XCTAssertEqual(v[17], 0)
        XCTAssertEqual(v.reduce(0, +), 1, accuracy: 1e-6)
    }

    func testSoftmaxWithASinkLeavesItsShareOut() {
        var rng = SplitMix64(seed: 23)
        for count in sizes {
            for sink: Float in [-3, 0.5, 8] {
                var v = rng.floats(count, in: -5...5)
                let m = max(v.map(Double.init).max()!, Double(sink))
                let e = v.map { Foundation.exp(Double($0) - m) }
                let s = e.reduce(0, +) + Foundation.exp(Double(sink) - m)
                Kernels.softmax(&v, count: count, sink: sink)
                XCTAssertLessThan(relativeError(v, e.map { $0 / s }), 1e-6, "count \(count) sink \(sink)")
            }
        }
    }

    func testClampedSwiGLU() {
        // Values beyond the limit on both sides, and a tail after the last full vector.
        var rng = SplitMix64(seed: 24)
        for count in [1, 8, 21] {
            let gate = rng.floats(count, in: -12...12), up = rng.floats(count, in: -12...12)
            let (limit, alpha): (Double, Double) = (7, 1.702)
            let expected = zip(gate, up).map { g, u -> Double in
                let g = min(Double(g), limit), u = min(max(Double(u), -limit), limit)
                return (u + 1) * g / (1 + Foundation.exp(-alpha * g))
            }
            var out = gate
            Kernels.clampedSwiGLU(gate: &out, up: up, count: count, limit: Float(limit), alpha: Float(alpha))
            for i in 0..<count { XCTAssertEqual(Double(out[i]), expected[i], accuracy: 1e-5 * max(1, abs(expected[i])), "count \(count) at \(i)") }
        }
    }

    func testSiLUMul() {
        var rng = SplitMix64(seed: 22)
        for count in sizes {
            let g = rng.floats(count, in: -20...20), u = rng.floats(count)
            let expected = (0..<count).map { i -> Double in
                let x = Double(g[i])
                return x / (1 + Foundation.exp(-x)) * Double(u[i])
            }
            var out = g
            Kernels.siluMul(gate: &out, up: u, count: count)
            XCTAssertLessThan(relativeError(out, expected), 1e-6, "count \(count)")
        }
    }

    func testSiLUMulOnThePoolEqualsSerial() {
        var rng = SplitMix64(seed: 23)
        for count in [1, 4095, 4096, 10_000] {
            let g = rng.floats(count, in: -8...8), u = rng.floats(count)
            var serial = g, pooled = g
            Kernels.siluMul(gate: &serial, up: u, count: count)
            for pool in TestPools.all {
                pooled = g
                pooled.withUnsafeMutableBufferPointer { Kernels.siluMul(gate: $0.baseAddress!, up: u, count: count, pool: pool) }
                XCTAssertEqual(pooled, serial, "count \(count) threads \(pool.threadCount)")
            }
        }
    }

    func testSiLUOfExtremeGates() {
        var g: [Float] = [-1000, -100, 0, 100, 1000]
        Kernels.siluMul(gate: &g, up: [1, 1, 1, 1, 1], count: 5)
        XCTAssertEqual(g[0], 0, accuracy: 1e-30)
        XCTAssertEqual(g[1], 0, accuracy: 1e-30)
        XCTAssertEqual(g[2], 0)
        XCTAssertEqual(g[3], 100)
        XCTAssertEqual(g[4], 1000)
    }

    func testExpMatchesLibm() {
        var rng = SplitMix64(seed: 23)
        let x = rng.floats(4096, in: -87...88)
        var worst = 0.0
        for i in stride(from: 0, to: x.count, by: 8) {
            let v = VectorMath.exp(SIMD8(x[i..<i + 8]))
            for k in 0..<8 {
                let e = Foundation.exp(Double(x[i + k]))
                worst = max(worst, abs(Double(v[k]) - e) / e)
            }
        }
        XCTAssertLessThan(worst, 1e-6)
    }
}
