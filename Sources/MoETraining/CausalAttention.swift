import MoEKernels

/// Causal multi-head attention with grouped-query sharing over whole training sequences:
/// query head `h` reads key/value head `h / (heads / kvHeads)`.
struct CausalAttention {
    let batch: Int
    let seq: Int
    let heads: Int
    let kvHeads: Int
    let headDim: Int

    var scale: Float { 1 / Float(headDim).squareRoot() }

    /// `out = softmax(q k^T * scale + causal mask) v` per head; keeps the probabilities.
    ///
    /// - q, out: `(batch * seq, heads * headDim)`
    /// - k, v: `(batch * seq, kvHeads * headDim)`
    /// - probs: `(batch, heads, seq, seq)`, row `i` filled up to column `i`
    func forward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                 out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let qStride = heads * headDim, kvStride = kvHeads * headDim, group = heads / kvHeads
        pool.parallelFor(batch * heads) { bh in
            let b = bh / heads, h = bh % heads
            let kvOffset = (h / group) * headDim
            for i in 0..<seq {
                let qi = q + (b * seq + i) * qStride + h * headDim
                let p = probs + (bh * seq + i) * seq
                var m = -Float.infinity
                for j in 0...i {
                    let s = Elementwise.dot(qi, k + (b * seq + j) * kvStride + kvOffset, count: headDim) * scale
                    p[j] = s
                    m = max(m, s)
                }
                var total: Float = 0
                for j in 0...i {
                    p[j] = Math.expf(p[j] - m)
                    total += p[j]
                }
                let o = out + (b * seq + i) * qStride + h * headDim
                o.update(repeating: 0, count: headDim)
                for j in 0...i {
                    p[j] /= total
                    Elementwise.axpy(p[j], v + (b * seq + j) * kvStride + kvOffset, o, count: headDim)
                }
            }
        }
    }

    /// Gradients of `forward`: `dq`, `dk`, `dv` overwritten.
    ///
    /// Work is split by (batch, kv head) so each thread owns the `dk`/`dv` rows it sums into,
    /// in a fixed order.
    ///
    /// - q, dq, dOut: `(batch * seq, heads * headDim)`
    /// - k, v, dk, dv: `(batch * seq, kvHeads * headDim)`
    /// - probs: `(batch, heads, seq, seq)`
    /// - scratch: `(batch * kvHeads, seq)`
    func backward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                  probs: UnsafePointer<Float>, dOut: UnsafePointer<Float>,
                  dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>,
                  scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let qStride = heads * headDim, kvStride = kvHeads * headDim, group = heads / kvHeads
        pool.parallelFor(batch * kvHeads) { bkv in
            let b = bkv / kvHeads, g = bkv % kvHeads
            let kvOffset = g * headDim
            let dp = scratch + bkv * seq // (seq)
            for j in 0..<seq {
                (dk + (b * seq + j) * kvStride + kvOffset).update(repeating: 0, count: headDim)
                (dv + (b * seq + j) * kvStride + kvOffset).update(repeating: 0, count: headDim)
            }
            for h in g * group..<(g + 1) * group {
                for i in 0..<seq {
                    let row = (b * seq + i) * qStride + h * headDim
                    let p = probs + ((b * heads + h) * seq + i) * seq
                    let doi = dOut + row
                    var weighted: Float = 0
                    for j in 0...i {
                        dp[j] = Elementwise.dot(doi, v + (b * seq + j) * kvStride + kvOffset, count: headDim)
                        weighted += dp[j] * p[j]
                    }
                    let dqi = dq + row
                    dqi.update(repeating: 0, count: headDim)
                    for j in 0...i {
                        let ds = p[j] * (dp[j] - weighted) * scale
                        let kvRow = (b * seq + j) * kvStride + kvOffset
                        Elementwise.axpy(ds, k + kvRow, dqi, count: headDim)
                        Elementwise.axpy(ds, q + row, dk + kvRow, count: headDim)
                        Elementwise.axpy(p[j], doi, dv + kvRow, count: headDim)
                    }
                }
            }
        }
    }
}
