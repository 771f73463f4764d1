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
    /// Each (batch, head) is `Kernels.headAttention` on one thread: scores against the head's
    /// keys transposed, a row softmax up to the diagonal, and the probabilities times the values.
    ///
    /// - q, out: `(batch * seq, heads * headDim)`
    /// - k, v: `(batch * seq, kvHeads * headDim)`
    /// - probs: `(batch, heads, seq, seq)`, zero above the diagonal
    func forward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                 out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let qStride = heads * headDim, kvStride = kvHeads * headDim
        pool.parallelFor(batch * heads) { bh in
            let b = bh / heads
            Kernels.headAttention(bh % heads, queries: q + b * seq * qStride, tokens: seq, firstPosition: 0, window: nil,
                                  keys: k + b * seq * kvStride, values: v + b * seq * kvStride, heads: heads,
                                  kvHeads: kvHeads, headDim: headDim, scale: scale, output: out + b * seq * qStride,
                                  scores: probs + bh * seq * seq, pool: pool)
        }
    }

    /// Gradients of `forward`: `dq`, `dk`, `dv` overwritten.
    ///
    /// Work is split by (batch, kv head) so each thread owns the `dk`/`dv` rows it sums into,
    /// in a fixed order. Per query head: `dP = dOut v^T`, `dS = P * (dP - rowsum(dP * P)) *
    /// scale`, `dq = dS k`, `dk += dS^T q`, `dv += P^T dOut`, each a GEMM that skips the
    /// tiles past the causal diagonal.
    ///
    /// - q, dq, dOut: `(batch * seq, heads * headDim)`
    /// - k, v, dk, dv: `(batch * seq, kvHeads * headDim)`
    /// - probs: `(batch, heads, seq, seq)`, zero above the diagonal
    func backward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                  probs: UnsafePointer<Float>, dOut: UnsafePointer<Float>,
                  dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>,
                  pool: ThreadPool) {
        let qStride = heads * headDim, kvStride = kvHeads * headDim, group = heads / kvHeads
        pool.parallelFor(batch * kvHeads) { bkv in
            let b = bkv / kvHeads, g = bkv % kvHeads
            let kvHead = (b * seq) * kvStride + g * headDim
            let vT = UnsafeMutablePointer<Float>.allocate(capacity: headDim * seq)  // (headDim, seq)
            let dS = UnsafeMutablePointer<Float>.allocate(capacity: seq * seq)      // (seq, seq)
            defer { vT.deallocate(); dS.deallocate() }
            Kernels.transposeHead(v + kvHead, positions: seq, headDim: headDim, stride: kvStride, into: vT)
            for h in g * group..<(g + 1) * group {
                let qHead = (b * seq) * qStride + h * headDim
                let p = probs + (b * heads + h) * seq * seq  // (seq, seq)
                Kernels.gemm(m: seq, n: seq, k: headDim, a: StridedMatrix(dOut + qHead, rowStride: qStride, kStride: 1),
                             b: vT, ldb: seq, c: dS, ldc: seq, accumulate: false,
                             triangle: .lowerOutputs(offset: 0), pool: pool)
                for i in 0..<seq {
                    let pi = p + i * seq, di = dS + i * seq
                    let weighted = Elementwise.dot(di, pi, count: i + 1)
                    for j in 0...i { di[j] = pi[j] * (di[j] - weighted) * scale }
                    (di + i + 1).update(repeating: 0, count: seq - i - 1)
                }
                let first = h == g * group
                Kernels.gemm(m: seq, n: headDim, k: seq, a: StridedMatrix(dS, rowStride: seq, kStride: 1),
                             b: k + kvHead, ldb: kvStride, c: dq + qHead, ldc: qStride, accumulate: false,
                             triangle: .lowerLeft(offset: 0), pool: pool)
                Kernels.gemm(m: seq, n: headDim, k: seq, a: StridedMatrix(dS, rowStride: 1, kStride: seq),
                             b: q + qHead, ldb: qStride, c: dk + kvHead, ldc: kvStride, accumulate: !first,
                             triangle: .upperLeft, pool: pool)
                Kernels.gemm(m: seq, n: headDim, k: seq, a: StridedMatrix(p, rowStride: 1, kStride: seq),
                             b: dOut + qHead, ldb: qStride, c: dv + kvHead, ldc: kvStride, accumulate: !first,
                             triangle: .upperLeft, pool: pool)
            }
        }
    }
}
