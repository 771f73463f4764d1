import MoEKernels

/// `y = x W^T` and its backward, on the kernels' f32 products.
///
/// Three GEMMs that read their operands where they lie: forward `Y = X W^T` (`W` read as the
/// transposed right operand), backward `dX = dY W` and `dW += dY^T X` (`dY` read transposed
/// through its strides). Every
/// output element is computed by one thread in a fixed order, so results do not depend on the
/// thread count's scheduling.
enum Linear {
    /// `y[t, o] = sum_i w[o, i] x[t, i]`.
    ///
    /// - w: `(outputs, inputs)`
    /// - x: `(tokens, inputs)`
    /// - y: `(tokens, outputs)`, overwritten
    static func forward(_ w: UnsafePointer<Float>, outputs: Int, inputs: Int,
                        x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, tokens: Int, pool: ThreadPool) {
        guard tokens > 0, outputs > 0 else { return }
        Kernels.gemm(m: tokens, n: outputs, k: inputs, a: StridedMatrix(x, rowStride: inputs, kStride: 1),
                     b: w, ldb: inputs, transposedB: true, c: y, ldc: outputs, accumulate: false, pool: pool)
    }

    /// Gradients of `forward`: `dx = dy W` (overwritten, or added to with `accumulateDx`;
    /// skipped if nil) and `dw += dy^T x`.
    ///
    /// - w, dw: `(outputs, inputs)`
    /// - x, dx: `(tokens, inputs)`
    /// - dy: `(tokens, outputs)`
    static func backward(_ w: UnsafePointer<Float>, outputs: Int, inputs: Int,
                         x: UnsafePointer<Float>, dy: UnsafePointer<Float>, tokens: Int,
                         dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>,
                         accumulateDx: Bool = false, pool: ThreadPool) {
        guard tokens > 0, outputs > 0, inputs > 0 else { return }
        if let dx {
            Kernels.gemm(m: tokens, n: inputs, k: outputs, a: StridedMatrix(dy, rowStride: outputs, kStride: 1),
                         b: w, ldb: inputs, c: dx, ldc: inputs, accumulate: accumulateDx, pool: pool)
        }
        Kernels.gemm(m: outputs, n: inputs, k: tokens, a: StridedMatrix(dy, rowStride: 1, kStride: outputs),
                     b: x, ldb: inputs, c: dw, ldc: inputs, accumulate: true, pool: pool)
    }
}

/// Element-wise helpers split across the pool in fixed chunks.
enum Elementwise {
    /// Elements per pool index.
    static let chunk = 1 << 14

    /// `dst[i] += src[i]`.
    ///
    /// - src, dst: `(count)`
    static func add(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int, pool: ThreadPool) {
        let chunks = (count + chunk - 1) / chunk
        pool.parallelFor(chunks) { c in
            let start = c * chunk, end = min(count, start + chunk)
            var i = start
            while i + 8 <= end {
                dst.store8(src.load8(i) + dst.load8(i), at: i)
                i += 8
            }
            while i < end {
                dst[i] += src[i]
                i += 1
            }
        }
    }

    /// `x[i] *= factor`.
    ///
    /// - x: `(count)`
    static func scale(_ x: UnsafeMutablePointer<Float>, by factor: Float, count: Int, pool: ThreadPool) {
        let chunks = (count + chunk - 1) / chunk, f = SIMD8<Float>(repeating: factor)
        pool.parallelFor(chunks) { c in
            let start = c * chunk, end = min(count, start + chunk)
            var i = start
            while i + 8 <= end {
                x.store8(x.load8(i) * f, at: i)
                i += 8
            }
            while i < end {
                x[i] *= factor
                i += 1
            }
        }
    }

    /// `sum_i a[i] b[i]`, accumulated in a fixed order.
    ///
    /// - a, b: `(count)`
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            acc += a.load8(i) * b.load8(i)
            i += 8
        }
        let h4 = acc.lowHalf + acc.highHalf, h2 = h4.lowHalf + h4.highHalf
        var s = h2[0] + h2[1]
        while i < count {
            s += a[i] * b[i]
            i += 1
        }
        return s
    }

    /// `y[i] += alpha * x[i]`.
    ///
    /// - x, y: `(count)`
    @inline(__always)
    static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        let a = SIMD8<Float>(repeating: alpha)
        var i = 0
        while i + 8 <= count {
            y.store8(y.load8(i) + a * x.load8(i), at: i)
            i += 8
        }
        while i < count {
            y[i] += alpha * x[i]
            i += 1
        }
    }

    /// Splits `0 ..< count` rows into about 4 chunks per thread and runs `body(range)` on each.
    static func forRows(_ count: Int, pool: ThreadPool, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let per = max(1, count / (pool.threadCount * 4))
        let chunks = (count + per - 1) / per
        pool.parallelFor(chunks) { c in body(c * per..<min(count, (c + 1) * per)) }
    }
}
