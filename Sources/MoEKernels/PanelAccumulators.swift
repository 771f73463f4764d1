/// The 12 accumulators of the panel microkernels: 6 weight rows x 2 panels of 8 tokens
/// (`a<row><panel>`, lane = token within the panel). A local value of this type stays in
/// vector registers.
struct PanelAccumulators {
    var a00 = SIMD8<Float>(), a01 = SIMD8<Float>()
    var a10 = SIMD8<Float>(), a11 = SIMD8<Float>()
    var a20 = SIMD8<Float>(), a21 = SIMD8<Float>()
    var a30 = SIMD8<Float>(), a31 = SIMD8<Float>()
    var a40 = SIMD8<Float>(), a41 = SIMD8<Float>()
    var a50 = SIMD8<Float>(), a51 = SIMD8<Float>()

    /// Adds `sum_k w[r, k] * panel_p[k, 0 ..< 8]` for 6 rows and 2 panels.
    ///
    /// - w: `(lastRow + 1, stride)`; rows past `lastRow` repeat it
    /// - p0, p1: `(count, 8)` each
    @inline(__always)
    mutating func rows6Panels2(
        _ w: UnsafePointer<Float>, stride: Int, lastRow: Int = 5, _ p0: UnsafePointer<Float>, _ p1: UnsafePointer<Float>,
        count: Int
    ) {
        let w0 = w + min(0, lastRow) * stride, w1 = w + min(1, lastRow) * stride, w2 = w + min(2, lastRow) * stride, w3 = w + min(3, lastRow) * stride, w4 = w + min(4, lastRow) * stride, w5 = w + min(5, lastRow) * stride
        var k = 0
        while k < count {
            let x0 = p0.load8(k &* 8), x1 = p1.load8(k &* 8)
            let b0 = SIMD8<Float>(repeating: w0[k]); a00.addProduct(b0, x0); a01.addProduct(b0, x1)
            let b1 = SIMD8<Float>(repeating: w1[k]); a10.addProduct(b1, x0); a11.addProduct(b1, x1)
            let b2 = SIMD8<Float>(repeating: w2[k]); a20.addProduct(b2, x0); a21.addProduct(b2, x1)
            let b3 = SIMD8<Float>(repeating: w3[k]); a30.addProduct(b3, x0); a31.addProduct(b3, x1)
            let b4 = SIMD8<Float>(repeating: w4[k]); a40.addProduct(b4, x0); a41.addProduct(b4, x1)
            let b5 = SIMD8<Float>(repeating: w5[k]); a50.addProduct(b5, x0); a51.addProduct(b5, x1)
            k &+= 1
        }
    }

    /// Adds `sum_k w[r, k] * panel[k, 0 ..< 8]` for 6 rows and one panel (accumulators `a<row>0`).
    ///
    /// - w: `(lastRow + 1, stride)`; rows past `lastRow` repeat it
    /// - p0: `(count, 8)`
    @inline(__always)
    mutating func rows6Panels1(
        _ w: UnsafePointer<Float>, stride: Int, lastRow: Int = 5, _ p0: UnsafePointer<Float>, count: Int
    ) {
        let w0 = w + min(0, lastRow) * stride, w1 = w + min(1, lastRow) * stride, w2 = w + min(2, lastRow) * stride, w3 = w + min(3, lastRow) * stride, w4 = w + min(4, lastRow) * stride, w5 = w + min(5, lastRow) * stride
        var k = 0
        while k < count {
            let x0 = p0.load8(k &* 8)
            a00.addProduct(SIMD8<Float>(repeating: w0[k]), x0)
            a10.addProduct(SIMD8<Float>(repeating: w1[k]), x0)
            a20.addProduct(SIMD8<Float>(repeating: w2[k]), x0)
            a30.addProduct(SIMD8<Float>(repeating: w3[k]), x0)
            a40.addProduct(SIMD8<Float>(repeating: w4[k]), x0)
            a50.addProduct(SIMD8<Float>(repeating: w5[k]), x0)
            k &+= 1
        }
    }

    /// The accumulator of `row` and `panel`.
    @inline(__always)
    func lanes(row: Int, panel: Int) -> SIMD8<Float> {
        switch row {
        case 0: return panel == 0 ? a00 : a01
        case 1: return panel == 0 ? a10 : a11
        case 2: return panel == 0 ? a20 : a21
        case 3: return panel == 0 ? a30 : a31
        case 4: return panel == 0 ? a40 : a41
        default: return panel == 0 ? a50 : a51
        }
    }

    /// Writes `output[firstToken + 8p + j, r]` for rows `r < rowCount`, panels `p < panels` and
    /// the tokens that exist (`< tokens`).
    ///
    /// - output: `(tokens, rows)` offset to the tile's first row
    @inline(__always)
    func store(
        into output: UnsafeMutablePointer<Float>, rows: Int, rowCount: Int, firstToken: Int, tokens: Int, panels: Int
    ) {
        for p in 0..<panels {
            let first = firstToken + p * MatmulPanels.panelTokens
            let count = min(MatmulPanels.panelTokens, tokens - first)
            for r in 0..<rowCount {
                let v = lanes(row: r, panel: p)
                for j in 0..<count { output[(first + j) * rows + r] = v[j] }
            }
        }
    }
}
