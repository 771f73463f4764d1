/// The decode matvec's inner loop for ggml block types, rows walked as `FourRowStreams`:
/// each block decoded in registers and multiplied with the f32 input (f32 accumulation, no
/// quantisation of the input).
enum MatvecQuantStreams {
    /// `y[r] = sum_c w[r, c] * x[c]` for `r` in `first ..< first + count`.
    ///
    /// - x: `(w.cols)`
    /// - y: `(w.rows)`; only the range is written
    @inline(__always)
    static func rows<B: QuantBlock>(
        _: B.Type, _ w: WeightMatrix, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, first: Int, count: Int
    ) {
        guard count > 0 else { return }
        let streams = FourRowStreams(first: first, count: count)
        let blocks = w.cols / B.elements
        for step in 0..<streams.quarter {
            var (p0, p1, p2, p3) = streams.rows(step, base: w.base, rowBytes: w.rowBytes)
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var xb = x
            for _ in 0..<blocks {
                a0 += B.dot(p0, xb)
                a1 += B.dot(p1, xb)
                a2 += B.dot(p2, xb)
                a3 += B.dot(p3, xb)
                p0 += B.bytes; p1 += B.bytes; p2 += B.bytes; p3 += B.bytes
                xb += B.elements
            }
            streams.store(step, SIMDReduce.sum(a0), SIMDReduce.sum(a1), SIMDReduce.sum(a2), SIMDReduce.sum(a3), into: y)
        }
    }
}
