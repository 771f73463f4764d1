/// Register-tiled inner loops of `Kernels.matmul`, f32 accumulation. Tiles are sized for 16
/// vector registers of 8 lanes (AVX2): accumulators plus operands never spill.
enum MatmulMicrokernels {
    /// Dot products of 4 f32 rows with 3 input vectors (the prefill microkernel): 12
    /// accumulators, the 3 input vectors held, each weight vector loaded once for 3 tokens.
    ///
    /// - w0...w3: `(cols)` each (may repeat to pad a tail tile)
    /// - x0...x2: `(cols)` each (may repeat to pad a tail tile)
    /// - returns: one SIMD4 per token, lane `k` for row `wk`
    @inline(__always)
    static func rows4Tokens3(
        _ w0: UnsafePointer<Float>, _ w1: UnsafePointer<Float>, _ w2: UnsafePointer<Float>,
        _ w3: UnsafePointer<Float>, _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>,
        _ x2: UnsafePointer<Float>, cols: Int
    ) -> (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>) {
        var a00 = SIMD8<Float>(), a01 = SIMD8<Float>(), a02 = SIMD8<Float>(), a03 = SIMD8<Float>()
        var a10 = SIMD8<Float>(), a11 = SIMD8<Float>(), a12 = SIMD8<Float>(), a13 = SIMD8<Float>()
        var a20 = SIMD8<Float>(), a21 = SIMD8<Float>(), a22 = SIMD8<Float>(), a23 = SIMD8<Float>()
        var c = 0
        while c &+ 8 <= cols {
            let y0 = x0.load8(c), y1 = x1.load8(c), y2 = x2.load8(c)
            let v0 = w0.load8(c)
            a00.addProduct(v0, y0); a10.addProduct(v0, y1); a20.addProduct(v0, y2)
            let v1 = w1.load8(c)
            a01.addProduct(v1, y0); a11.addProduct(v1, y1); a21.addProduct(v1, y2)
            let v2 = w2.load8(c)
            a02.addProduct(v2, y0); a12.addProduct(v2, y1); a22.addProduct(v2, y2)
            let v3 = w3.load8(c)
            a03.addProduct(v3, y0); a13.addProduct(v3, y1); a23.addProduct(v3, y2)
            c &+= 8
        }
        var s0 = SIMD4(SIMDReduce.sum(a00), SIMDReduce.sum(a01), SIMDReduce.sum(a02), SIMDReduce.sum(a03))
        var s1 = SIMD4(SIMDReduce.sum(a10), SIMDReduce.sum(a11), SIMDReduce.sum(a12), SIMDReduce.sum(a13))
        var s2 = SIMD4(SIMDReduce.sum(a20), SIMDReduce.sum(a21), SIMDReduce.sum(a22), SIMDReduce.sum(a23))
        while c < cols {
            let v = SIMD4(w0[c], w1[c], w2[c], w3[c])
            s0.addProduct(v, SIMD4(repeating: x0[c]))
            s1.addProduct(v, SIMD4(repeating: x1[c]))
            s2.addProduct(v, SIMD4(repeating: x2[c]))
            c &+= 1
        }
        return (s0, s1, s2)
    }

    /// Dot products of 4 f32 rows with one input vector: the prefill tail when the token
    /// count is not a multiple of 3, so no pass computes padding tokens. Even and odd
    /// column groups accumulate separately to keep 8 FMA chains in flight.
    ///
    /// - w0...w3: `(cols)` each (may repeat to pad a tail tile)
    /// - x: `(cols)`
    /// - returns: lane `k` for row `wk`
    @inline(__always)
    static func rows4Tokens1(
        _ w0: UnsafePointer<Float>, _ w1: UnsafePointer<Float>, _ w2: UnsafePointer<Float>,
        _ w3: UnsafePointer<Float>, _ x: UnsafePointer<Float>, cols: Int
    ) -> SIMD4<Float> {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var b0 = SIMD8<Float>(), b1 = SIMD8<Float>(), b2 = SIMD8<Float>(), b3 = SIMD8<Float>()
        var c = 0
        while c &+ 16 <= cols {
            let y0 = x.load8(c), y1 = x.load8(c &+ 8)
            a0.addProduct(w0.load8(c), y0); b0.addProduct(w0.load8(c &+ 8), y1)
            a1.addProduct(w1.load8(c), y0); b1.addProduct(w1.load8(c &+ 8), y1)
            a2.addProduct(w2.load8(c), y0); b2.addProduct(w2.load8(c &+ 8), y1)
            a3.addProduct(w3.load8(c), y0); b3.addProduct(w3.load8(c &+ 8), y1)
            c &+= 16
        }
        if c &+ 8 <= cols {
            let y0 = x.load8(c)
            a0.addProduct(w0.load8(c), y0)
            a1.addProduct(w1.load8(c), y0)
            a2.addProduct(w2.load8(c), y0)
            a3.addProduct(w3.load8(c), y0)
            c &+= 8
        }
        var s = SIMD4(SIMDReduce.sum(a0 + b0), SIMDReduce.sum(a1 + b1), SIMDReduce.sum(a2 + b2), SIMDReduce.sum(a3 + b3))
        while c < cols {
            s.addProduct(SIMD4(w0[c], w1[c], w2[c], w3[c]), SIMD4(repeating: x[c]))
            c &+= 1
        }
        return s
    }
}
