import Foundation
import XCTest
@testable import MoEKernels

final class AttentionTests: XCTestCase {
    /// Double-precision attention, `(heads, headDim)`.
    private func reference(q: [Float], k: [Float], v: [Float], length: Int, heads: Int, kvHeads: Int,
                           headDim: Int, scale: Float) -> [Double] {
        let group = heads / kvHeads, stride = kvHeads * headDim
        var out = [Double](repeating: 0, count: heads * headDim)
        for h in 0..<heads {
            let kv = (h / group) * headDim
            var scores = (0..<length).map { t -> Double in
                var s = 0.0
                for d in 0..<headDim { s += Double(q[h * headDim + d]) * Double(k[t * stride + kv + d]) }
                return s * Double(scale)
            }
            let m = scores.max()!
            scores = scores.map { Foundation.exp($0 - m) }
            let total = scores.reduce(0, +)
            for t in 0..<length {
                for d in 0..<headDim { out[h * headDim + d] += scores[t] / total * Double(v[t * stride + kv + d]) }
            }
        }
        return out
    }

    private func run(q: [Float], k: [Float], v: [Float], length: Int, heads: Int, kvHeads: Int, headDim: Int,
                     scale: Float, pool: ThreadPool) -> [Float] {
        var out = [Float](repeating: .nan, count: heads * headDim)
        var scratch = [Float](repeating: 0, count: heads * length)
        Kernels.attention(
            query: q, keys: k, values: v, length: length, heads: heads, kvHeads: kvHeads, headDim: headDim,
            scale: scale, output: &out, scratch: &scratch, pool: pool)
        return out
    }

    func testAgainstReference() {
        var rng = SplitMix64(seed: 40)
        let shapes = [(1, 1, 1, 1), (7, 4, 2, 16), (33, 8, 8, 17), (100, 6, 2, 64), (257, 4, 1, 33), (5, 3, 3, 128)]
        for (length, heads, kvHeads, headDim) in shapes {
            let q = rng.floats(heads * headDim, in: -2...2)
            let k = rng.floats(length * kvHeads * headDim, in: -2...2)
            let v = rng.floats(length * kvHeads * headDim)
            let scale = 1 / Float(headDim).squareRoot()
            let expected = reference(q: q, k: k, v: v, length: length, heads: heads, kvHeads: kvHeads,
                                     headDim: headDim, scale: scale)
            for pool in TestPools.all {
                let out = run(q: q, k: k, v: v, length: length, heads: heads, kvHeads: kvHeads, headDim: headDim,
                              scale: scale, pool: pool)
                XCTAssertLessThan(relativeError(out, expected), 1e-5,
                                  "length \(length) heads \(heads)/\(kvHeads) dim \(headDim) threads \(pool.threadCount)")
            }
        }
    }

    func testInsideParallelForOnSamePool() {
        var rng = SplitMix64(seed: 41)
        let (length, heads, kvHeads, headDim) = (20, 4, 2, 32)
        let q = rng.floats(heads * headDim), k = rng.floats(length * kvHeads * headDim)
        let v = rng.floats(length * kvHeads * headDim)
        let pool = TestPools.byThreads[3]!
        let expected = run(q: q, k: k, v: v, length: length, heads: heads, kvHeads: kvHeads, headDim: headDim,
                           scale: 0.2, pool: TestPools.byThreads[1]!)
        let results = UnsafeMutablePointer<Float>.allocate(capacity: 4 * heads * headDim)  // (4, heads, headDim)
        defer { results.deallocate() }
        pool.parallelFor(4) { i in
            let out = run(q: q, k: k, v: v, length: length, heads: heads, kvHeads: kvHeads, headDim: headDim,
                          scale: 0.2, pool: pool)
            (results + i * heads * headDim).initialize(from: out, count: out.count)
        }
        for i in 0..<4 {
            XCTAssertEqual(Array(UnsafeBufferPointer(start: results + i * heads * headDim, count: heads * headDim)),
                           expected)
        }
    }
}
