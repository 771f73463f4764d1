import MoEKernels

/// `y = x W^T` and its backward, on the inference matmul kernel.
///
/// Backward reuses `Kernels.matmul` through transposes (cheap next to the products):
/// `dX = dY W` is a matmul with `W^T` as the weight, and `dW = dY^T X` one with `X^T` as the
/// weight and `dY^T` as the input. Every output element is computed by one thread in a
/// fixed order, so results do not depend on the thread count's scheduling.
enum Linear {
    /// `y[t, o] = sum_i w[o, i] x[t, i]`.
    ///
    /// - w: `(outputs, inputs)`
    /// - x: `(tokens, inputs)`
    /// - y: `(tokens, outputs)`, overwritten
    static func forward(_ w: UnsafePointer<Float>, outputs: Int, inputs: Int,
                        x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, tokens: Int, pool: ThreadPool) {
        guard tokens > 0, outputs > 0 else { return }
        let matrix = WeightMatrix(base: UnsafeRawPointer(w), type: .f32, rows: outputs, cols: inputs)
        Kernels.matmul(matrix, input: x, output: y, tokens: tokens, pool: pool)
    }

    /// Gradients of `forward`: `dx = dy W` (overwritten; skipped if nil) and `dw += dy^T x`.
    ///
    /// - w, dw: `(outputs, inputs)`
    /// - x, dx: `(tokens, inputs)`
    /// - dy: `(tokens, outputs)`
    /// `xT`, if given, is `x` already transposed (`(inputs, tokens)`), shared by several
    /// projections of the same input.
    static func backward(_ w: UnsafePointer<Float>, outputs: Int, inputs: Int,
                         x: UnsafePointer<Float>, dy: UnsafePointer<Float>, tokens: Int,
                         dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>,
                         xT: UnsafePointer<Float>? = nil, scratch: Scratch, pool: ThreadPool) {
        guard tokens > 0, outputs > 0, inputs > 0 else { return }
        if let dx {
            let wT = scratch.pointer("linear.wT", rows: inputs, cols: outputs) // (inputs, outputs)
            transpose(w, rows: outputs, cols: inputs, into: wT, pool: pool)
            forward(wT, outputs: inputs, inputs: outputs, x: dy, y: dx, tokens: tokens, pool: pool)
        }
        let dyT = scratch.pointer("linear.dyT", rows: outputs, cols: tokens) // (outputs, tokens)
        let grad = scratch.pointer("linear.dw", rows: outputs, cols: inputs) // (outputs, inputs)
        let inputT: UnsafePointer<Float>
        if let xT {
            inputT = xT
        } else {
            let own = scratch.pointer("linear.xT", rows: inputs, cols: tokens) // (inputs, tokens)
            transpose(x, rows: tokens, cols: inputs, into: own, pool: pool)
            inputT = UnsafePointer(own)
        }
        transpose(dy, rows: tokens, cols: outputs, into: dyT, pool: pool)
        forward(inputT, outputs: inputs, inputs: tokens, x: dyT, y: grad, tokens: outputs, pool: pool)
        Elementwise.add(grad, into: dw, count: outputs * inputs, pool: pool)
    }

    /// `out[c, r] = a[r, c]`, in 32 x 32 blocks, block rows split across `pool`. Four source
    /// rows are read together so every store writes four consecutive floats.
    ///
    /// - a: `(rows, cols)`
    /// - out: `(cols, rows)`
    static func transpose(_ a: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>,
                          pool: ThreadPool) {
        let block = 32
        let rowBlocks = (rows + block - 1) / block
        pool.parallelFor(rowBlocks) { rb in
            let r0 = rb * block, r1 = min(rows, r0 + block)
            var c0 = 0
            while c0 < cols {
                let c1 = min(cols, c0 + block)
                var r = r0
                while r + 4 <= r1 {
                    let s0 = a + r * cols, s1 = s0 + cols, s2 = s1 + cols, s3 = s2 + cols
                    for c in c0..<c1 {
                        UnsafeMutableRawPointer(out + c * rows + r)
                            .storeBytes(of: SIMD4<Float>(s0[c], s1[c], s2[c], s3[c]), as: SIMD4<Float>.self)
                    }
                    r += 4
                }
                while r < r1 {
                    let src = a + r * cols
                    for c in c0..<c1 { out[c * rows + r] = src[c] }
                    r += 1
                }
                c0 = c1
            }
        }
    }

    /// `x` transposed into the scratch buffer `name`. `(inputs, tokens)`
    static func transposed(_ x: UnsafePointer<Float>, tokens: Int, inputs: Int, name: String,
                           scratch: Scratch, pool: ThreadPool) -> UnsafePointer<Float> {
        let out = scratch.pointer(name, rows: inputs, cols: tokens)
        transpose(x, rows: tokens, cols: inputs, into: out, pool: pool)
        return UnsafePointer(out)
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
                let s = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self)
                let d = UnsafeRawPointer(dst + i).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(dst + i).storeBytes(of: s + d, as: SIMD8<Float>.self)
                i += 8
            }
            while i < end {
                dst[i] += src[i]
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
            acc += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
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
            let v = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
                + a * UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: v, as: SIMD8<Float>.self)
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
