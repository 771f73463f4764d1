import Foundation
import XCTest
@testable import MoEKernels

final class AttentionTests: XCTestCase {
    /// Double-precision attention, `(heads, headDim)`.
    private func reference(q: [Float], k: [Float], v: [Float], length: Int, heads: Int, kvHeads: Int,
                           headDim: Int, scale: Float, sinks: [Float]? = nil) -> [Double] {
        let group = heads / kvHeads, stride = kvHeads * headDim
        var out = [Double](repeating: 0, count: heads * headDim)
        for h in 0..<heads {
            let kv = (h / group) * headDim
            var scores = (0..<length).map { t -> Double in
                var s = 0.0
                for d in 0..<headDim { s += Double(q[h * headDim + d]) * Double(k[t * stride + kv + d]) }
                return s * Double(scale)
            }
            let sink = sinks.map { Double($0[h]) }
            let m = max(scores.max()!, sink ?? -.infinity)
            scores = scores.map { Foundation.exp($0 - m) }
            let total = scores.reduce(0, +) + (sink.map { Foundation.exp($0 - m) } ?? 0)
            for t in 0..<length {
                for d in 0..<headDim { out[h * headDim + d] += scores[t] / total * Double(v[t * stride + kv + d]) }
            }
        }
        return out
    }

    /// One query at position `length - 1` over all `length` positions.
    private func run(q: [Float], k: [Float], v: [Float], length: Int, heads: Int, kvHeads: Int, headDim: Int,
                     scale: Float, pool: ThreadPool) -> [Float] {
        var out = [Float](repeating: .nan, count: heads * headDim)
        var scratch = [Float](repeating: 0, count: heads * length)
        Kernels.attention(
            queries: q, tokens: 1, firstPosition: length - 1, window: nil, keys: k, values: v, heads: heads,
            kvHeads: kvHeads, headDim: headDim, scale: scale, output: &out, scratch: &scratch, pool: pool)
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

    func testConsecutiveQueriesAreCausalAndWindowed() {
        // Queries after 5 cached positions: each sees the positions up to its own (the last 6
        // with a window), exactly as the single-query reference; 12 queries take the
        // per-(query, head) path, 20 the per-head GEMMs.
        var rng = SplitMix64(seed: 42)
        for tokens in [12, 20] {
            let (first, heads, kvHeads, headDim) = (5, 4, 2, 24)
            let total = first + tokens, stride = kvHeads * headDim
            let q = rng.floats(tokens * heads * headDim, in: -2...2)
            let k = rng.floats(total * stride, in: -2...2), v = rng.floats(total * stride)
            for window in [nil, 6] as [Int?] {
                for pool in TestPools.all {
                    var out = [Float](repeating: .nan, count: tokens * heads * headDim)
                    var scratch = [Float](repeating: .nan, count: tokens * heads * total)
                    Kernels.attention(queries: q, tokens: tokens, firstPosition: first, window: window, keys: k, values: v,
                                      heads: heads, kvHeads: kvHeads, headDim: headDim, scale: 0.3, output: &out,
                                      scratch: &scratch, pool: pool)
                    for t in 0..<tokens {
                        let position = first + t, start = window.map { max(0, position - $0 + 1) } ?? 0
                        let expected = reference(q: Array(q[t * heads * headDim..<(t + 1) * heads * headDim]),
                                                 k: Array(k[start * stride..<(position + 1) * stride]),
                                                 v: Array(v[start * stride..<(position + 1) * stride]),
                                                 length: position - start + 1, heads: heads, kvHeads: kvHeads,
                                                 headDim: headDim, scale: 0.3)
                        XCTAssertLessThan(relativeError(Array(out[t * heads * headDim..<(t + 1) * heads * headDim]),
                                                        expected), 1e-5,
                                          "tokens \(tokens) query \(t) window \(String(describing: window)) threads \(pool.threadCount)")
                    }
                }
            }
        }
        XCTAssertEqual(Kernels.gemmAttentionTokens, 16)
    }

    func testSinksJoinEverySoftmax() {
        // One query per (token, head) path and per-head GEMM path: each head's sink logit
        // adds to the normalisation only, so the outputs shrink by the sink's share.
        var rng = SplitMix64(seed: 43)
        let (first, heads, kvHeads, headDim) = (3, 4, 2, 16)
        let sinks = rng.floats(heads, in: -1...3)
        for tokens in [1, 20] {
            let total = first + tokens, stride = kvHeads * headDim
            let q = rng.floats(tokens * heads * headDim, in: -2...2)
            let k = rng.floats(total * stride, in: -2...2), v = rng.floats(total * stride)
            for window in [nil, 5] as [Int?] {
                var out = [Float](repeating: .nan, count: tokens * heads * headDim)
                var scratch = [Float](repeating: .nan, count: tokens * heads * total)
                Kernels.attention(queries: q, tokens: tokens, firstPosition: first, window: window, keys: k, values: v,
                                  heads: heads, kvHeads: kvHeads, headDim: headDim, scale: 0.25, sinks: sinks,
                                  output: &out, scratch: &scratch, pool: TestPools.byThreads[3]!)
                for t in 0..<tokens {
                    let position = first + t, start = window.map { max(0, position - $0 + 1) } ?? 0
                    let expected = reference(q: Array(q[t * heads * headDim..<(t + 1) * heads * headDim]),
                                             k: Array(k[start * stride..<(position + 1) * stride]),
                                             v: Array(v[start * stride..<(position + 1) * stride]),
                                             length: position - start + 1, heads: heads, kvHeads: kvHeads,
                                             headDim: headDim, scale: 0.25, sinks: sinks)
                    XCTAssertLessThan(relativeError(Array(out[t * heads * headDim..<(t + 1) * heads * headDim]), expected),
                                      1e-5, "tokens \(tokens) query \(t) window \(String(describing: window))")
                }
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
