extension Kernels {
    /// `gatedDeltaRule` in chunks of `deltaRuleChunk` tokens (the UT transform of
    /// transformers' `torch_chunk_gated_delta_rule`): within a chunk the updates are condensed
    /// into GEMMs, and the state is read and written once per chunk. It gives the recurrence's
    /// outputs and state within f32 rounding; `gatedDeltaRule` runs the recurrence, which
    /// measured faster (see there). Value heads are spread over `pool` (the GEMMs of a head
    /// run on its thread); results do not depend on the thread count.
    ///
    /// Per chunk, with `G_i` the cumulative log decay from the chunk's start to its token `i`,
    /// `k_i`, `q_i` the normalised key and scaled query, and `S` the state before the chunk:
    /// `T = I + L`, `L[i, j] = beta_i (k_i . k_j) exp(G_i - G_j)` for `j < i`;
    /// `U = T^-1 (beta v)`, `W = T^-1 (beta exp(G) k)`; the new values `V' = U - W S`; the
    /// outputs `o_i = exp(G_i) q_i^T S + sum_{j <= i} (q_i . k_j) exp(G_i - G_j) V'_j`; and
    /// `S <- exp(G_last) S + sum_j exp(G_last - G_j) k_j V'_j^T`.
    ///
    /// - query, key: `(tokens, keyHeads * keyDim)`
    /// - value: `(tokens, valueHeads * valueDim)`
    /// - logDecay, beta: `(tokens, valueHeads)`
    /// - state: `(valueHeads, keyDim, valueDim)`, updated in place
    /// - output: `(tokens, valueHeads * valueDim)`
    public static func gatedDeltaRuleChunked(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
        logDecay: UnsafePointer<Float>, beta: UnsafePointer<Float>, tokens: Int, heads: DeltaNetHeads,
        state: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, pool: ThreadPool
    ) {
        precondition(tokens >= 0, "gatedDeltaRuleChunked: negative token count")
        guard tokens > 0 else { return }
        pool.parallelFor(heads.valueHeads) { h in
            let head = DeltaRuleHead(h, heads: heads, query: query, key: key, value: value, logDecay: logDecay,
                                     beta: beta, state: state, output: output)
            let buffers = DeltaRuleChunkBuffers(chunk: min(deltaRuleChunk, tokens), keyDim: heads.keyDim,
                                                valueDim: heads.valueDim)
            var first = 0
            while first < tokens {
                let length = min(deltaRuleChunk, tokens - first)
                deltaRuleChunkStep(head, first: first, length: length, buffers: buffers, pool: pool)
                first += length
            }
        }
    }

    /// Tokens per chunk of `gatedDeltaRuleChunked`.
    static var deltaRuleChunk: Int { 64 }

    /// Tokens `first ..< first + length` of one value head, from its state before them.
    private static func deltaRuleChunkStep(
        _ head: DeltaRuleHead, first: Int, length: Int, buffers b: DeltaRuleChunkBuffers, pool: ThreadPool
    ) {
        let keyDim = head.keyDim, valueDim = head.valueDim, wide = valueDim + keyDim
        var cumulative: Float = 0
        for i in 0..<length {
            let t = first + i
            cumulative += head.logDecay(t)
            b.logDecays[i] = cumulative
            b.betas[i] = head.beta(t)
            scaleRow(head.key(t), by: head.keyScale(t), count: keyDim, into: b.keys + i * keyDim)
            scaleRow(head.query(t), by: head.queryScale(t), count: keyDim, into: b.queries + i * keyDim)
        }
        let keys = StridedMatrix(b.keys, rowStride: keyDim, kStride: 1)
        gemm(m: length, n: length, k: keyDim, a: keys, b: b.keys, ldb: keyDim, transposedB: true,
             c: b.gram, ldc: length, accumulate: false, triangle: .lowerOutputs(offset: -1), pool: pool)
        gemm(m: length, n: length, k: keyDim, a: StridedMatrix(b.queries, rowStride: keyDim, kStride: 1),
             b: b.keys, ldb: keyDim, transposedB: true, c: b.scores, ldc: length, accumulate: false,
             triangle: .lowerOutputs(offset: 0), pool: pool)
        weighByDecay(length: length, buffers: b)
        invertUnitLower(b.gram, into: b.inverse, size: length)
        // The right-hand sides [beta v | -beta exp(G) k], solved in one GEMM into [U | -W].
        for i in 0..<length {
            let row = b.rightSides + i * wide, beta = b.betas[i]
            scaleRow(head.value(first + i), by: beta, count: valueDim, into: row)
            scaleRow(b.keys + i * keyDim, by: -beta * b.fromStart[i], count: keyDim, into: row + valueDim)
        }
        gemm(m: length, n: wide, k: length, a: StridedMatrix(b.inverse, rowStride: length, kStride: 1),
             b: b.rightSides, ldb: wide, c: b.solved, ldc: wide, accumulate: false, triangle: .lowerLeft(offset: 0),
             pool: pool)
        // V' = U - W S in the first `valueDim` columns of `solved` (reading its other columns).
        gemm(m: length, n: valueDim, k: keyDim, a: StridedMatrix(b.solved + valueDim, rowStride: wide, kStride: 1),
             b: head.state, ldb: valueDim, c: b.solved, ldc: wide, accumulate: true, pool: pool)
        for i in 0..<length {
            VectorOps.scale(b.queries + i * keyDim, by: b.fromStart[i], count: keyDim)
            VectorOps.scale(b.keys + i * keyDim, by: b.toEnd[i], count: keyDim)
        }
        let output = head.output(first), valueWidth = head.valueWidth
        gemm(m: length, n: valueDim, k: keyDim, a: StridedMatrix(b.queries, rowStride: keyDim, kStride: 1),
             b: head.state, ldb: valueDim, c: output, ldc: valueWidth, accumulate: false, pool: pool)
        gemm(m: length, n: valueDim, k: length, a: StridedMatrix(b.scores, rowStride: length, kStride: 1),
             b: b.solved, ldb: wide, c: output, ldc: valueWidth, accumulate: true, triangle: .lowerLeft(offset: 0),
             pool: pool)
        VectorOps.scale(head.state, by: b.fromStart[length - 1], count: keyDim * valueDim)
        gemm(m: keyDim, n: valueDim, k: length, a: StridedMatrix(b.keys, rowStride: 1, kStride: keyDim),
             b: b.solved, ldb: wide, c: head.state, ldc: valueDim, accumulate: true, pool: pool)
    }

    /// Turns `gram` into `L` (`beta_i exp(G_i - G_j)` times it below the diagonal, zero on and
    /// above it) and `scores` into the chunk's causal attention (`exp(G_i - G_j)` times it on
    /// and below the diagonal, zero above); fills `fromStart` and `toEnd`.
    private static func weighByDecay(length: Int, buffers b: DeltaRuleChunkBuffers) {
        let last = b.logDecays[length - 1]
        for j in 0..<length {
            b.fromStart[j] = b.logDecays[j]
            b.toEnd[j] = last - b.logDecays[j]
        }
        VectorMath.exp(b.fromStart, count: length)
        VectorMath.exp(b.toEnd, count: length)
        let lanes = SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7)
        for i in 0..<length {
            let gi = b.logDecays[i], beta = b.betas[i]
            let decay = b.decayRow
            for j in 0...i { decay[j] = gi - b.logDecays[j] }
            VectorMath.exp(decay, count: i + 1)
            let gramRow = b.gram + i * length, scoreRow = b.scores + i * length
            var j = 0
            while j < length {
                let count = min(8, length - j), column = lanes + Float(j)
                let weights = UnsafePointer(decay).loadPartial8(j, count: count)
                let above = column .> Float(i)
                let scores = (scoreRow.loadPartial8(j, count: count) * weights).replacing(with: 0, where: above)
                scoreRow.storePartial8(scores, at: j, count: count)
                let gram = (gramRow.loadPartial8(j, count: count) * (beta * weights))
                    .replacing(with: 0, where: column .>= Float(i))
                gramRow.storePartial8(gram, at: j, count: count)
                j += 8
            }
        }
    }

    /// `(I + L)^-1` for a strictly lower triangular `L`, by forward substitution: row `i` is
    /// `e_i - sum_{j < i} L[i, j] row_j`. The result is unit lower triangular, zero above the
    /// diagonal.
    ///
    /// - strictlyLower, inverse: `(size, size)`
    private static func invertUnitLower(
        _ strictlyLower: UnsafePointer<Float>, into inverse: UnsafeMutablePointer<Float>, size: Int
    ) {
        for i in 0..<size {
            let row = inverse + i * size
            row.update(repeating: 0, count: size)
            row[i] = 1
            for j in 0..<i { addScaled(row, -strictlyLower[i * size + j], inverse + j * size, count: j + 1) }
        }
    }

    /// `out[i] = x[i] * scale`.
    ///
    /// - x, out: `(count)`
    private static func scaleRow(
        _ x: UnsafePointer<Float>, by scale: Float, count: Int, into out: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<count { out[i] = x[i] * scale }
    }
}

/// The work buffers of one value head's chunks in `Kernels.gatedDeltaRuleChunked`, for chunks
/// of up to `chunk` tokens (one allocation).
private final class DeltaRuleChunkBuffers {
    /// Normalised keys; later times `exp(G_last - G_i)`. `(chunk, keyDim)`
    let keys: UnsafeMutablePointer<Float>
    /// Normalised, scaled queries; later times `exp(G_i)`. `(chunk, keyDim)`
    let queries: UnsafeMutablePointer<Float>
    /// `k_i . k_j`, then `L`. `(chunk, chunk)`, row stride the chunk's length
    let gram: UnsafeMutablePointer<Float>
    /// `q_i . k_j`, then the decayed causal scores. `(chunk, chunk)`, row stride the chunk's length
    let scores: UnsafeMutablePointer<Float>
    /// `(I + L)^-1`. `(chunk, chunk)`, row stride the chunk's length
    let inverse: UnsafeMutablePointer<Float>
    /// `[beta v | -beta exp(G) k]`. `(chunk, valueDim + keyDim)`
    let rightSides: UnsafeMutablePointer<Float>
    /// `[U | -W]`, then `[V' | -W]`. `(chunk, valueDim + keyDim)`
    let solved: UnsafeMutablePointer<Float>
    /// Cumulative log decay `G_i` from the chunk's start. `(chunk)`
    let logDecays: UnsafeMutablePointer<Float>
    /// `beta_i`. `(chunk)`
    let betas: UnsafeMutablePointer<Float>
    /// `exp(G_i)`. `(chunk)`
    let fromStart: UnsafeMutablePointer<Float>
    /// `exp(G_last - G_i)`. `(chunk)`
    let toEnd: UnsafeMutablePointer<Float>
    /// `exp(G_i - G_j)` of one row `i`, for `j <= i`. `(chunk)`
    let decayRow: UnsafeMutablePointer<Float>
    private let base: UnsafeMutablePointer<Float>

    init(chunk: Int, keyDim: Int, valueDim: Int) {
        let sizes = [chunk * keyDim, chunk * keyDim, chunk * chunk, chunk * chunk, chunk * chunk,
                     chunk * (valueDim + keyDim), chunk * (valueDim + keyDim), chunk, chunk, chunk, chunk, chunk]
        // Each buffer starts on a 64-byte boundary (16 floats).
        var offsets: [Int] = []
        var offset = 0
        for size in sizes {
            offsets.append(offset)
            offset += (size + 15) & ~15
        }
        base = UnsafeMutableRawPointer.allocate(byteCount: offset * 4, alignment: 64)
            .initializeMemory(as: Float.self, repeating: 0, count: offset)
        keys = base + offsets[0]
        queries = base + offsets[1]
        gram = base + offsets[2]
        scores = base + offsets[3]
        inverse = base + offsets[4]
        rightSides = base + offsets[5]
        solved = base + offsets[6]
        logDecays = base + offsets[7]
        betas = base + offsets[8]
        fromStart = base + offsets[9]
        toEnd = base + offsets[10]
        decayRow = base + offsets[11]
    }

    deinit { base.deallocate() }
}
