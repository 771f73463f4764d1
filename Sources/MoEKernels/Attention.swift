extension Kernels {
    /// Attention of one query position over `length` cached positions, all heads, with
    /// grouped-query sharing (query head `h` reads key/value head `h / (heads / kvHeads)`).
    ///
    /// Heads are split across `pool`; called from inside another `parallelFor` on the same
    /// pool it runs serially. `heads` must be a multiple of `kvHeads` and `length >= 1`.
    ///
    /// - query: `(heads, headDim)`
    /// - keys, values: `(length, kvHeads, headDim)`, consecutive positions `kvHeads * headDim` apart
    /// - output: `(heads, headDim)`
    /// - scratch: `(heads, length)`
    public static func attention(
        query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
        length: Int, heads: Int, kvHeads: Int, headDim: Int, scale: Float,
        output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, pool: ThreadPool
    ) {
        let group = heads / kvHeads
        let stride = kvHeads * headDim
        pool.parallelFor(heads) { h in
            let q = query + h * headDim
            let kvOffset = (h / group) * headDim
            let scores = scratch + h * length
            for t in 0..<length {
                scores[t] = dot(q, keys + t * stride + kvOffset, count: headDim) * scale
            }
            softmax(scores, count: length)
            let o = output + h * headDim
            o.initialize(repeating: 0, count: headDim)
            for t in 0..<length {
                addScaled(o, scores[t], values + t * stride + kvOffset, count: headDim)
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
