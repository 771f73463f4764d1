/// The 12 accumulators of the outer-product microkernels: 6 rows of `a` x 2 vectors of 8
/// columns of `b` (`a<row><vector>`). A local value of this type stays in vector registers.
///
/// Both kernels add `sum_k a[r, k] * b[k, 0 ..< 8v]` where `a[r, k]` is at
/// `a + r * rowStride + k * kStride` (broadcast) and vector `v` of `b[k]` at `bv + k * bStride`.
/// The prefill matmul uses them with `a` = weight rows and `b` = token panels; the f32 GEMM
/// with a k-major packed tile of `a` and a 16-column strip of `b`.
struct PanelAccumulators {
    var a00 = SIMD8<Float>(), a01 = SIMD8<Float>()
    var a10 = SIMD8<Float>(), a11 = SIMD8<Float>()
    var a20 = SIMD8<Float>(), a21 = SIMD8<Float>()
    var a30 = SIMD8<Float>(), a31 = SIMD8<Float>()
    var a40 = SIMD8<Float>(), a41 = SIMD8<Float>()
    var a50 = SIMD8<Float>(), a51 = SIMD8<Float>()

    /// Adds the products for 6 rows and 2 vectors.
    ///
    /// - a: rows `0 ... lastRow`, `count` columns at `kStride`; rows past `lastRow` repeat it
    /// - b0, b1: `(count, bStride)`, 8 floats used per row
    @inline(__always)
    mutating func rows6Vectors2(
        _ a: UnsafePointer<Float>, rowStride: Int, kStride: Int = 1, lastRow: Int = 5,
        _ b0: UnsafePointer<Float>, _ b1: UnsafePointer<Float>, bStride: Int, count: Int
    ) {
        let w0 = a + min(0, lastRow) * rowStride, w1 = a + min(1, lastRow) * rowStride, w2 = a + min(2, lastRow) * rowStride, w3 = a + min(3, lastRow) * rowStride, w4 = a + min(4, lastRow) * rowStride, w5 = a + min(5, lastRow) * rowStride
        var k = 0, ka = 0, kb = 0
        while k < count {
            let x0 = b0.load8(kb), x1 = b1.load8(kb)
            let s0 = SIMD8<Float>(repeating: w0[ka]); a00.addProduct(s0, x0); a01.addProduct(s0, x1)
            let s1 = SIMD8<Float>(repeating: w1[ka]); a10.addProduct(s1, x0); a11.addProduct(s1, x1)
            let s2 = SIMD8<Float>(repeating: w2[ka]); a20.addProduct(s2, x0); a21.addProduct(s2, x1)
            let s3 = SIMD8<Float>(repeating: w3[ka]); a30.addProduct(s3, x0); a31.addProduct(s3, x1)
            let s4 = SIMD8<Float>(repeating: w4[ka]); a40.addProduct(s4, x0); a41.addProduct(s4, x1)
            let s5 = SIMD8<Float>(repeating: w5[ka]); a50.addProduct(s5, x0); a51.addProduct(s5, x1)
            k &+= 1
            ka &+= kStride
            kb &+= bStride
        }
    }

    /// Adds the products for 6 rows and one vector (accumulators `a<row>0`).
    ///
    /// - a: rows `0 ... lastRow`, `count` columns at `kStride`; rows past `lastRow` repeat it
    /// - b0: `(count, bStride)`, 8 floats used per row
    @inline(__always)
    mutating func rows6Vectors1(
        _ a: UnsafePointer<Float>, rowStride: Int, kStride: Int = 1, lastRow: Int = 5,
        _ b0: UnsafePointer<Float>, bStride: Int, count: Int
    ) {
        let w0 = a + min(0, lastRow) * rowStride, w1 = a + min(1, lastRow) * rowStride, w2 = a + min(2, lastRow) * rowStride, w3 = a + min(3, lastRow) * rowStride, w4 = a + min(4, lastRow) * rowStride, w5 = a + min(5, lastRow) * rowStride
        var k = 0, ka = 0, kb = 0
        while k < count {
            let x0 = b0.load8(kb)
            a00.addProduct(SIMD8<Float>(repeating: w0[ka]), x0)
            a10.addProduct(SIMD8<Float>(repeating: w1[ka]), x0)
            a20.addProduct(SIMD8<Float>(repeating: w2[ka]), x0)
            a30.addProduct(SIMD8<Float>(repeating: w3[ka]), x0)
            a40.addProduct(SIMD8<Float>(repeating: w4[ka]), x0)
            a50.addProduct(SIMD8<Float>(repeating: w5[ka]), x0)
            k &+= 1
            ka &+= kStride
            kb &+= bStride
        }
    }

    /// The accumulator of `row` and `vector`.
    @inline(__always)
    func lanes(row: Int, vector: Int) -> SIMD8<Float> {
        switch row {
        case 0: return vector == 0 ? a00 : a01
        case 1: return vector == 0 ? a10 : a11
        case 2: return vector == 0 ? a20 : a21
        case 3: return vector == 0 ? a30 : a31
        case 4: return vector == 0 ? a40 : a41
        default: return vector == 0 ? a50 : a51
        }
    }

    /// Writes `output[firstToken + 8p + j, r]` for rows `r < rowCount`, panels `p < panels` and
    /// the tokens that exist (`< tokens`): the prefill's transposed store.
    ///
    /// - output: `(tokens, rows)` offset to the tile's first row
    @inline(__always)
    func storeTransposed(
        into output: UnsafeMutablePointer<Float>, rows: Int, rowCount: Int, firstToken: Int, tokens: Int, panels: Int
    ) {
        for p in 0..<panels {
            let first = firstToken + p * MatmulPanels.panelTokens
            let count = min(MatmulPanels.panelTokens, tokens - first)
            for r in 0..<rowCount {
                let v = lanes(row: r, vector: p)
                for j in 0..<count { output[(first + j) * rows + r] = v[j] }
            }
        }
    }
}
