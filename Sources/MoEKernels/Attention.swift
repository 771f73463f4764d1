extension Kernels {
    /// Causal attention of `tokens` consecutive query positions, `firstPosition ..<
    /// firstPosition + tokens`, over the cached positions up to each one (the last `window` of
    /// them when given), all heads, with grouped-query sharing (query head `h` reads key/value
    /// head `h / (heads / kvHeads)`).
    ///
    /// All (position, head) pairs are split across `pool` in one dispatch; called from inside
    /// another `parallelFor` on the same pool it runs serially. `heads` must be a multiple of
    /// `kvHeads`; each pair's result does not depend on the others or on the thread count.
    ///
    /// - queries: `(tokens, heads, headDim)`
    /// - keys, values: `(firstPosition + tokens, kvHeads, headDim)` from position 0,
    ///   consecutive positions `kvHeads * headDim` apart
    /// - output: `(tokens, heads, headDim)`
    /// - scratch: `(tokens * heads, firstPosition + tokens)`
    public static func attention(
        queries: UnsafePointer<Float>, tokens: Int, firstPosition: Int, window: Int?,
        keys: UnsafePointer<Float>, values: UnsafePointer<Float>, heads: Int, kvHeads: Int, headDim: Int, scale: Float,
        output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, pool: ThreadPool
    ) {
        let group = heads / kvHeads
        let stride = kvHeads * headDim, width = heads * headDim
        let longest = firstPosition + tokens
        pool.parallelFor(tokens * heads) { item in
            let t = item / heads, h = item % heads
            let position = firstPosition + t
            let first = window.map { max(0, position - $0 + 1) } ?? 0
            let length = position - first + 1
            let q = queries + t * width + h * headDim
            let kvOffset = first * stride + (h / group) * headDim
            let scores = scratch + item * longest
            for j in 0..<length {
                scores[j] = dot(q, keys + j * stride + kvOffset, count: headDim) * scale
            }
            softmax(scores, count: length)
            let o = output + t * width + h * headDim
            o.initialize(repeating: 0, count: headDim)
            for j in 0..<length {
                addScaled(o, scores[j], values + j * stride + kvOffset, count: headDim)
            }
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
