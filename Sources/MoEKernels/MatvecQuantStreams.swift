/// The decode matvec's inner loop for ggml block types: rows walked as four sequential
/// memory streams (as `MatvecStreams`), each block decoded in registers and multiplied
/// with the f32 input (f32 accumulation, no quantisation of the input).
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
        let quarter = (count + 3) / 4
        let end = first + count, last = end - 1
        let blocks = w.cols / B.elements, rowBytes = w.rowBytes
        var step = 0
        while step < quarter {
            // Streams past the range repeat its last row; their sums are discarded.
            let i0 = first + step, i1 = i0 + quarter, i2 = i1 + quarter, i3 = i2 + quarter
            var p0 = w.base + i0 * rowBytes, p1 = w.base + Swift.min(i1, last) * rowBytes
            var p2 = w.base + Swift.min(i2, last) * rowBytes, p3 = w.base + Swift.min(i3, last) * rowBytes
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
            y[i0] = SIMDReduce.sum(a0)
            if i1 < end { y[i1] = SIMDReduce.sum(a1) }
            if i2 < end { y[i2] = SIMDReduce.sum(a2) }
            if i3 < end { y[i3] = SIMDReduce.sum(a3) }
            step &+= 1
        }
    }
}
