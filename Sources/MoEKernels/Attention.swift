extension Kernels {
    /// Causal attention of `tokens` consecutive query positions, `firstPosition ..<
    /// firstPosition + tokens`, over the cached positions up to each one (the last `window` of
    /// them when given), all heads, with grouped-query sharing (query head `h` reads key/value
    /// head `h / (heads / kvHeads)`).
    ///
    /// From `gemmAttentionTokens` queries on, each head is two GEMMs (scores against the keys
    /// transposed, then probabilities times values) and heads are split across `pool`; fewer
    /// queries split (position, key/value head) pairs, so the query heads sharing a key/value
    /// head read each cached row once (groups are cut when there are too few pairs to keep
    /// every thread busy). Either way one dispatch; called from inside
    /// another `parallelFor` on the same pool it runs serially. `heads` must be a multiple of
    /// `kvHeads`; results do not depend on the thread count. With `sinks`, each head's
    /// softmax also normalises over that head's sink logit, which gets no value (GPT-OSS).
    ///
    /// - queries: `(tokens, heads, headDim)`
    /// - sinks: `(heads)`
    /// - keys, values: `(firstPosition + tokens, kvHeads, headDim)` from position 0,
    ///   consecutive positions `kvHeads * headDim` apart
    /// - output: `(tokens, heads, headDim)`
    /// - scratch: `(tokens * heads, firstPosition + tokens)`
    public static func attention(
        queries: UnsafePointer<Float>, tokens: Int, firstPosition: Int, window: Int?,
        keys: UnsafePointer<Float>, values: UnsafePointer<Float>, heads: Int, kvHeads: Int, headDim: Int, scale: Float,
        sinks: UnsafePointer<Float>? = nil, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
        pool: ThreadPool
    ) {
        let group = heads / kvHeads
        let stride = kvHeads * headDim, width = heads * headDim
        let longest = firstPosition + tokens
        if tokens >= gemmAttentionTokens {
            pool.parallelFor(heads) { h in
                headAttention(h, queries: queries, tokens: tokens, firstPosition: firstPosition, window: window, keys: keys,
                              values: values, heads: heads, kvHeads: kvHeads, headDim: headDim, scale: scale,
                              sink: sinks?[h] ?? -.infinity, output: output, scores: scratch + h * tokens * longest,
                              pool: pool)
            }
            return
        }
        // Query heads sharing a key/value head run together, so each cached key and value row
        // is read once per item rather than once per query head (at long contexts those rows
        // come from memory). A group is cut into `parts` items only as far as needed to give
        // every thread two items.
        let items = tokens * kvHeads
        let wanted = max(1, (2 * pool.threadCount + items - 1) / items)
        let parts = (1...min(wanted, group)).last { group % $0 == 0 } ?? 1
        let perItem = group / parts
        pool.parallelFor(items * parts) { item in
            let t = item / (kvHeads * parts), kv = item % (kvHeads * parts) / parts, part = item % parts
            let position = firstPosition + t
            let first = window.map { max(0, position - $0 + 1) } ?? 0
            let length = position - first + 1
            let kvOffset = first * stride + kv * headDim
            let start = kv * group + part * perItem
            let shared = start..<(start + perItem)  // query heads of this item, all reading key/value head `kv`
            for j in 0..<length {
                let key = keys + j * stride + kvOffset
                for h in shared {
                    let q = queries + t * width + h * headDim
                    scratch[(t * heads + h) * longest + j] = dot(q, key, count: headDim) * scale
                }
            }
            for h in shared {
                softmax(scratch + (t * heads + h) * longest, count: length, sink: sinks?[h] ?? -.infinity)
                (output + t * width + h * headDim).initialize(repeating: 0, count: headDim)
            }
            for j in 0..<length {
                let value = values + j * stride + kvOffset
                for h in shared {
                    addScaled(output + t * width + h * headDim, scratch[(t * heads + h) * longest + j], value, count: headDim)
                }
            }
        }
    }

    /// Queries from which `attention` runs each head as GEMMs.
    static var gemmAttentionTokens: Int { 16 }

    /// Head `h` of `attention` on the calling thread, as GEMMs over all `firstPosition +
    /// tokens` positions: scores against the keys transposed, a scaled softmax up to each
    /// query's position (within `window`), masked positions given probability 0, then the
    /// probabilities times the values. Both GEMMs skip the tiles past the causal diagonal.
    /// A finite `sink` joins every softmax as one more logit with no value.
    /// `pool` only serves the GEMMs' calls; from inside a `parallelFor` on it they run
    /// serially. Training keeps `scores` as the probabilities.
    ///
    /// - queries, output: `(tokens, heads, headDim)`; only head `h` is written
    /// - keys, values: `(firstPosition + tokens, kvHeads, headDim)` from position 0
    /// - scores: `(tokens, firstPosition + tokens)`, the probabilities on return
    public static func headAttention(
        _ h: Int, queries: UnsafePointer<Float>, tokens: Int, firstPosition: Int, window: Int?,
        keys: UnsafePointer<Float>, values: UnsafePointer<Float>, heads: Int, kvHeads: Int, headDim: Int, scale: Float,
        sink: Float = -.infinity, output: UnsafeMutablePointer<Float>, scores: UnsafeMutablePointer<Float>, pool: ThreadPool
    ) {
        let stride = kvHeads * headDim, width = heads * headDim, longest = firstPosition + tokens
        let kvOffset = (h / (heads / kvHeads)) * headDim
        let keysT = UnsafeMutablePointer<Float>.allocate(capacity: headDim * longest)  // (headDim, longest)
        defer { keysT.deallocate() }
        transposeHead(keys + kvOffset, positions: longest, headDim: headDim, stride: stride, into: keysT)
        gemm(m: tokens, n: longest, k: headDim, a: StridedMatrix(queries + h * headDim, rowStride: width, kStride: 1),
             b: keysT, ldb: longest, c: scores, ldc: longest, accumulate: false,
             triangle: .lowerOutputs(offset: firstPosition), pool: pool)
        for t in 0..<tokens {
            let position = firstPosition + t
            let first = window.map { max(0, position - $0 + 1) } ?? 0
            let row = scores + t * longest
            for j in first...position { row[j] *= scale }
            softmax(row + first, count: position - first + 1, sink: sink)
            row.update(repeating: 0, count: first)
            (row + position + 1).update(repeating: 0, count: longest - position - 1)
        }
        gemm(m: tokens, n: headDim, k: longest, a: StridedMatrix(scores, rowStride: longest, kStride: 1),
             b: values + kvOffset, ldb: stride, c: output + h * headDim, ldc: width, accumulate: false,
             triangle: .lowerLeft(offset: firstPosition), pool: pool)
    }

    /// One head's rows transposed: `out[d, j] = rows[j * stride + d]`.
    ///
    /// - rows: `(positions, stride)`, first `headDim` columns used
    /// - out: `(headDim, positions)`
    public static func transposeHead(
        _ rows: UnsafePointer<Float>, positions: Int, headDim: Int, stride: Int, into out: UnsafeMutablePointer<Float>
    ) {
        for j in 0..<positions {
            let row = rows + j * stride
            for d in 0..<headDim { out[d * positions + j] = row[d] }
        }
    }

    /// `sum_i a[i] * b[i]`.
    ///
    /// - a, b: `(count)`
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            acc0.addProduct(a.load8(i), b.load8(i))
            acc1.addProduct(a.load8(i + 8), b.load8(i + 8))
            i += 16
        }
        if i + 8 <= count {
            acc0.addProduct(a.load8(i), b.load8(i))
            i += 8
        }
        acc1.addProduct(a.loadPartial8(i, count: count - i), b.loadPartial8(i, count: count - i))
        return SIMDReduce.sum(acc0 + acc1)
    }

    /// `y[i] += alpha * x[i]`.
    ///
    /// - y, x: `(count)`
    @inline(__always)
    static func addScaled(_ y: UnsafeMutablePointer<Float>, _ alpha: Float, _ x: UnsafePointer<Float>, count: Int) {
        let a = SIMD8<Float>(repeating: alpha)
        var i = 0
        while i + 8 <= count {
            var v = y.load8(i)
            v.addProduct(a, x.load8(i))
            y.store8(v, at: i)
            i += 8
        }
        while i < count {
            y[i] += alpha * x[i]
            i += 1
        }
    }
}
