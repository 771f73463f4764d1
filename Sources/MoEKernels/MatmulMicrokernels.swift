/// Pointers to the 8 rows of a row tile; past the last row they repeat it, so a tail tile
/// computes (and discards) duplicates instead of branching in the inner loop.
struct RowPointers8 {
    var p0, p1, p2, p3, p4, p5, p6, p7: UnsafeRawPointer

    /// Rows `firstRow ..< firstRow + 8` of a matrix of `rows` rows, `rowBytes` apart.
    @inline(__always)
    init(base: UnsafeRawPointer, rowBytes: Int, firstRow: Int, rows: Int) {
        let last = rows - 1
        @inline(__always) func row(_ k: Int) -> UnsafeRawPointer { base + min(firstRow + k, last) * rowBytes }
        (p0, p1, p2, p3) = (row(0), row(1), row(2), row(3))
        (p4, p5, p6, p7) = (row(4), row(5), row(6), row(7))
    }
}

/// Register-tiled inner loops of `Kernels.matmul`, f32 accumulation over all columns.
enum MatmulMicrokernels {
    /// Dot products of 8 weight rows with one input vector (the decode matvec). Eight
    /// concurrent row streams keep enough cache misses in flight to saturate memory.
    ///
    /// - w: 8 rows of `cols` weights
    /// - x: `(cols)`
    @inline(__always)
    static func rows8Token1<L: WeightLoader>(
        _: L.Type, _ w: RowPointers8, x: UnsafePointer<Float>, cols: Int
    ) -> SIMD8<Float> {
        var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
        var a4 = SIMD16<Float>(), a5 = SIMD16<Float>(), a6 = SIMD16<Float>(), a7 = SIMD16<Float>()
        var c = 0
        while c &+ 16 <= cols {
            let xv = x.load16(c)
            a0.addProduct(L.load16(w.p0, c), xv)
            a1.addProduct(L.load16(w.p1, c), xv)
            a2.addProduct(L.load16(w.p2, c), xv)
            a3.addProduct(L.load16(w.p3, c), xv)
            a4.addProduct(L.load16(w.p4, c), xv)
            a5.addProduct(L.load16(w.p5, c), xv)
            a6.addProduct(L.load16(w.p6, c), xv)
            a7.addProduct(L.load16(w.p7, c), xv)
            c &+= 16
        }
        var s = reduce(a0, a1, a2, a3, a4, a5, a6, a7)
        while c < cols {
            s.addProduct(load8(L.self, w, c), SIMD8(repeating: x[c]))
            c &+= 1
        }
        return s
    }

    /// Dot products of 4 f32 rows with 4 input vectors; each weight vector loaded is used for
    /// all 4 tokens (the prefill microkernel).
    ///
    /// - w0...w3: `(cols)` each (may repeat to pad a tail tile)
    /// - x0...x3: `(cols)` each (may repeat to pad a tail tile)
    /// - returns: one SIMD4 per token, lane `k` for row `wk`
    @inline(__always)
    static func rows4Tokens4(
        _ w0: UnsafePointer<Float>, _ w1: UnsafePointer<Float>, _ w2: UnsafePointer<Float>,
        _ w3: UnsafePointer<Float>, _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>,
        _ x2: UnsafePointer<Float>, _ x3: UnsafePointer<Float>, cols: Int
    ) -> (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>) {
        var a00 = SIMD16<Float>(), a01 = SIMD16<Float>(), a02 = SIMD16<Float>(), a03 = SIMD16<Float>()
        var a10 = SIMD16<Float>(), a11 = SIMD16<Float>(), a12 = SIMD16<Float>(), a13 = SIMD16<Float>()
        var a20 = SIMD16<Float>(), a21 = SIMD16<Float>(), a22 = SIMD16<Float>(), a23 = SIMD16<Float>()
        var a30 = SIMD16<Float>(), a31 = SIMD16<Float>(), a32 = SIMD16<Float>(), a33 = SIMD16<Float>()
        var c = 0
        while c &+ 16 <= cols {
            let v0 = w0.load16(c), v1 = w1.load16(c), v2 = w2.load16(c), v3 = w3.load16(c)
            let y0 = x0.load16(c)
            a00.addProduct(v0, y0); a01.addProduct(v1, y0); a02.addProduct(v2, y0); a03.addProduct(v3, y0)
            let y1 = x1.load16(c)
            a10.addProduct(v0, y1); a11.addProduct(v1, y1); a12.addProduct(v2, y1); a13.addProduct(v3, y1)
            let y2 = x2.load16(c)
            a20.addProduct(v0, y2); a21.addProduct(v1, y2); a22.addProduct(v2, y2); a23.addProduct(v3, y2)
            let y3 = x3.load16(c)
            a30.addProduct(v0, y3); a31.addProduct(v1, y3); a32.addProduct(v2, y3); a33.addProduct(v3, y3)
            c &+= 16
        }
        var s0 = reduce(a00, a01, a02, a03)
        var s1 = reduce(a10, a11, a12, a13)
        var s2 = reduce(a20, a21, a22, a23)
        var s3 = reduce(a30, a31, a32, a33)
        while c < cols {
            let v = SIMD4(w0[c], w1[c], w2[c], w3[c])
            s0.addProduct(v, SIMD4(repeating: x0[c]))
            s1.addProduct(v, SIMD4(repeating: x1[c]))
            s2.addProduct(v, SIMD4(repeating: x2[c]))
            s3.addProduct(v, SIMD4(repeating: x3[c]))
            c &+= 1
        }
        return (s0, s1, s2, s3)
    }

    /// Element `c` of each of the 8 rows.
    @inline(__always)
    private static func load8<L: WeightLoader>(_: L.Type, _ w: RowPointers8, _ c: Int) -> SIMD8<Float> {
        SIMD8(
            L.load1(w.p0, c), L.load1(w.p1, c), L.load1(w.p2, c), L.load1(w.p3, c),
            L.load1(w.p4, c), L.load1(w.p5, c), L.load1(w.p6, c), L.load1(w.p7, c))
    }

    /// Lane sums of 8 accumulators.
    @inline(__always)
    private static func reduce(
        _ a0: SIMD16<Float>, _ a1: SIMD16<Float>, _ a2: SIMD16<Float>, _ a3: SIMD16<Float>,
        _ a4: SIMD16<Float>, _ a5: SIMD16<Float>, _ a6: SIMD16<Float>, _ a7: SIMD16<Float>
    ) -> SIMD8<Float> {
        SIMD8(lowHalf: reduce(a0, a1, a2, a3), highHalf: reduce(a4, a5, a6, a7))
    }

    /// Lane sums of 4 accumulators.
    @inline(__always)
    private static func reduce(
        _ a0: SIMD16<Float>, _ a1: SIMD16<Float>, _ a2: SIMD16<Float>, _ a3: SIMD16<Float>
    ) -> SIMD4<Float> {
        SIMD4(SIMDReduce.sum(a0), SIMDReduce.sum(a1), SIMDReduce.sum(a2), SIMDReduce.sum(a3))
    }
}
