extension Kernels {
    /// `output[i] = input[i] / sqrt(mean(input^2) + eps) * weight[i]`; `output` may equal `input`.
    ///
    /// - input, weight, output: `(count)`
    public static func rmsNorm(
        _ input: UnsafePointer<Float>, weight: UnsafePointer<Float>, count: Int, eps: Float,
        output: UnsafeMutablePointer<Float>
    ) {
        guard count > 0 else { return }
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var c = 0
        while c + 32 <= count {
            let x0 = input.load8(c), x1 = input.load8(c + 8), x2 = input.load8(c + 16), x3 = input.load8(c + 24)
            a0.addProduct(x0, x0)
            a1.addProduct(x1, x1)
            a2.addProduct(x2, x2)
            a3.addProduct(x3, x3)
            c += 32
        }
        while c + 8 <= count {
            let x = input.load8(c)
            a0.addProduct(x, x)
            c += 8
        }
        let tail = input.loadPartial8(c, count: count - c)
        a1.addProduct(tail, tail)
        let inv = 1 / (SIMDReduce.sum((a0 + a1) + (a2 + a3)) / Float(count) + eps).squareRoot()
        c = 0
        while c + 8 <= count {
            output.store8(input.load8(c) * inv * weight.load8(c), at: c)
            c += 8
        }
        while c < count {
            output[c] = input[c] * inv * weight[c]
            c += 1
        }
    }
}
