extension Kernels {
    /// In-place softmax. `-infinity` entries get probability 0; at least one entry must be
    /// finite.
    ///
    /// - values: `(count)`
    public static func softmax(_ values: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        let full = count & ~15, rest = count - full
        var m = SIMD16<Float>(repeating: -.infinity)
        var c = 0
        while c < full {
            m = pointwiseMax(m, values.load16(c))
            c += 16
        }
        m = pointwiseMax(m, values.loadPartial16(full, count: rest, fill: -.infinity))
        let top = SIMD16<Float>(repeating: SIMDReduce.max(m))
        var s = SIMD16<Float>()
        c = 0
        while c < full {
            let e = VectorMath.exp(values.load16(c) - top)
            values.store16(e, at: c)
            s += e
            c += 16
        }
        if rest > 0 {
            let e = VectorMath.exp(values.loadPartial16(full, count: rest, fill: -.infinity) - top)
            values.storePartial16(e, at: full, count: rest)
            s += e
        }
        let inv = 1 / SIMDReduce.sum(s)
        c = 0
        while c < full {
            values.store16(values.load16(c) * inv, at: c)
            c += 16
        }
        for i in full..<count { values[i] *= inv }
    }
}
