extension Kernels {
    /// `output[i] = input[i] / sqrt(mean(input^2) + eps) * weight[i]`; `output` may equal `input`.
    ///
    /// - input, weight, output: `(count)`
    public static func rmsNorm(
        _ input: UnsafePointer<Float>, weight: UnsafePointer<Float>, count: Int, eps: Float,
        output: UnsafeMutablePointer<Float>
    ) {
        guard count > 0 else { return }
        var a0 = SIMD16<Float>(), a1 = SIMD16<Float>()
        var c = 0
        while c + 32 <= count {
            let x0 = input.load16(c), x1 = input.load16(c + 16)
            a0.addProduct(x0, x0)
            a1.addProduct(x1, x1)
            c += 32
        }
        if c + 16 <= count {
            let x = input.load16(c)
            a0.addProduct(x, x)
            c += 16
        }
        let tail = input.loadPartial16(c, count: count - c)
        a1.addProduct(tail, tail)
        let inv = 1 / (SIMDReduce.sum(a0 + a1) / Float(count) + eps).squareRoot()
        c = 0
        while c + 16 <= count {
            output.store16(input.load16(c) * inv * weight.load16(c), at: c)
            c += 16
        }
        while c < count {
            output[c] = input[c] * inv * weight[c]
            c += 1
        }
    }
}
