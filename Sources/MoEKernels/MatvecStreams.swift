/// The decode matvec's inner loop for f32, f16 and bf16 rows, walked as `FourRowStreams`.
enum MatvecStreams {
    /// `y[r] = sum_c w[r, c] * x[c]` for `r` in `first ..< first + count`.
    ///
    /// - x: `(w.cols)`
    /// - y: `(w.rows)`; only the range is written
    @inline(__always)
    static func rows<L: WeightLoader>(
        _: L.Type, _ w: WeightMatrix, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, first: Int, count: Int
    ) {
        guard count > 0 else { return }
        let streams = FourRowStreams(first: first, count: count)
        let cols = w.cols
        for step in 0..<streams.quarter {
            let (p0, p1, p2, p3) = streams.rows(step, base: w.base, rowBytes: w.rowBytes)
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var b0 = SIMD8<Float>(), b1 = SIMD8<Float>(), b2 = SIMD8<Float>(), b3 = SIMD8<Float>()
            var c = 0
            while c &+ 16 <= cols {
                let x0 = x.load8(c), x1 = x.load8(c &+ 8)
                a0.addProduct(L.load8(p0, c), x0)
                b0.addProduct(L.load8(p0, c &+ 8), x1)
                a1.addProduct(L.load8(p1, c), x0)
                b1.addProduct(L.load8(p1, c &+ 8), x1)
                a2.addProduct(L.load8(p2, c), x0)
                b2.addProduct(L.load8(p2, c &+ 8), x1)
                a3.addProduct(L.load8(p3, c), x0)
                b3.addProduct(L.load8(p3, c &+ 8), x1)
                c &+= 16
            }
            if c &+ 8 <= cols {
                let x0 = x.load8(c)
                a0.addProduct(L.load8(p0, c), x0)
                a1.addProduct(L.load8(p1, c), x0)
                a2.addProduct(L.load8(p2, c), x0)
                a3.addProduct(L.load8(p3, c), x0)
                c &+= 8
            }
            var s0 = SIMDReduce.sum(a0 + b0), s1 = SIMDReduce.sum(a1 + b1)
            var s2 = SIMDReduce.sum(a2 + b2), s3 = SIMDReduce.sum(a3 + b3)
            while c < cols {
                let xc = x[c]
                s0 += L.load1(p0, c) * xc
                s1 += L.load1(p1, c) * xc
                s2 += L.load1(p2, c) * xc
                s3 += L.load1(p3, c) * xc
                c &+= 1
            }
            streams.store(step, s0, s1, s2, s3, into: y)
        }
    }
}
