import MoEKernels

/// RMSNorm over rows: `y = x / sqrt(mean(x^2) + eps) * w`.
enum Norm {
    /// Normalises every row and records `1 / rms` per row for backward.
    ///
    /// - x, y: `(tokens, width)`
    /// - w: `(width)`
    /// - inverseRMS: `(tokens)`
    static func forward(x: UnsafePointer<Float>, w: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                        inverseRMS: UnsafeMutablePointer<Float>, tokens: Int, width: Int, eps: Float, pool: ThreadPool) {
        Elementwise.forRows(tokens, pool: pool) { rows in
            for t in rows {
                let xr = x + t * width, yr = y + t * width
                let r = 1 / (Elementwise.dot(xr, xr, count: width) / Float(width) + eps).squareRoot()
                inverseRMS[t] = r
                for i in 0..<width { yr[i] = xr[i] * r * w[i] }
            }
        }
    }

    /// Gradients of `forward`: `dx` overwritten (or added to, with `accumulate`), `dw +=`.
    ///
    /// `dw` is reduced over tokens serially in token order, so it is deterministic.
    ///
    /// - x, dx, dy: `(tokens, width)`
    /// - w, dw: `(width)`
    /// - inverseRMS: `(tokens)`
    static func backward(x: UnsafePointer<Float>, w: UnsafePointer<Float>, inverseRMS: UnsafePointer<Float>,
                         dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, dw: UnsafeMutablePointer<Float>,
                         tokens: Int, width: Int, accumulate: Bool, pool: ThreadPool) {
        Elementwise.forRows(tokens, pool: pool) { rows in
            for t in rows {
                let xr = x + t * width, dyr = dy + t * width, dxr = dx + t * width
                let r = inverseRMS[t]
                var s: Float = 0
                for i in 0..<width { s += dyr[i] * w[i] * xr[i] }
                let c = s * r * r * r / Float(width)
                for i in 0..<width {
                    let g = r * dyr[i] * w[i] - xr[i] * c
                    dxr[i] = accumulate ? dxr[i] + g : g
                }
            }
        }
        for t in 0..<tokens {
            let xr = x + t * width, dyr = dy + t * width
            let r = inverseRMS[t]
            for i in 0..<width { dw[i] += dyr[i] * xr[i] * r }
        }
    }
}
