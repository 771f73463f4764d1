extension Kernels {
    /// In-place softmax. `-infinity` entries get probability 0; at least one entry must be
    /// finite.
    ///
    /// - values: `(count)`
    public static func softmax(_ values: UnsafeMutablePointer<Float>, count: Int) {
        softmaxWithSink(values, count: count, sink: -.infinity)
    }

    /// In-place softmax over `values` and one more logit, `sink`, that joins the
    /// normalisation but gets no output (an attention sink): the probabilities then sum to
    /// less than 1. With `sink = -infinity` this is `softmax`.
    ///
    /// - values: `(count)`
    public static func softmax(_ values: UnsafeMutablePointer<Float>, count: Int, sink: Float) {
        softmaxWithSink(values, count: count, sink: sink)
    }

    /// The one body of both softmax entry points, inlined into each.
    @inline(__always)
    private static func softmaxWithSink(_ values: UnsafeMutablePointer<Float>, count: Int, sink: Float) {
        guard count > 0 else { return }
        let full = count & ~7, rest = count - full
        var m = SIMD8<Float>(repeating: -.infinity)
        var c = 0
        while c < full {
            let v = values.load8(c)
            m.replace(with: v, where: v .> m)
            c += 8
        }
        let tail = values.loadPartial8(full, count: rest, fill: -.infinity)
        m.replace(with: tail, where: tail .> m)
        let top = SIMD8<Float>(repeating: max(SIMDReduce.max(m), sink))
        var s = SIMD8<Float>()
        c = 0
        while c < full {
            let e = VectorMath.exp(values.load8(c) - top)
            values.store8(e, at: c)
            s += e
            c += 8
        }
        if rest > 0 {
            let e = VectorMath.exp(values.loadPartial8(full, count: rest, fill: -.infinity) - top)
            values.storePartial8(e, at: full, count: rest)
            s += e
        }
        let sinkWeight = sink == -.infinity ? 0 : VectorMath.exp(SIMD8(repeating: sink) - top)[0]
        let inv = 1 / (SIMDReduce.sum(s) + sinkWeight)
        c = 0
        while c < full {
            values.store8(values.load8(c) * inv, at: c)
            c += 8
        }
        for i in full..<count { values[i] *= inv }
    }
}
