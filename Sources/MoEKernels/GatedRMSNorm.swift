extension Kernels {
    /// RMSNorm gated by SiLU, per row (one head of a gated DeltaNet layer's output):
    /// `output[r, i] = weight[i] * input[r, i] / sqrt(mean_i(input[r, i]^2) + eps) * silu(gate[r, i])`
    /// (transformers' `Qwen3NextRMSNormGated` in f32). `output` may equal `input`.
    ///
    /// - input, gate, output: `(rows, width)`
    /// - weight: `(width)`, shared by all rows
    public static func gatedRMSNorm(
        _ input: UnsafePointer<Float>, gate: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows: Int, width: Int,
        eps: Float, output: UnsafeMutablePointer<Float>
    ) {
        precondition(rows >= 0 && width >= 0, "gatedRMSNorm: bad shape")
        let full = width & ~7, rest = width - full
        for r in 0..<rows {
            let out = output + r * width, z = gate + r * width
            rmsNorm(input + r * width, weight: weight, count: width, eps: eps, output: out)
            var c = 0
            while c < full {
                out.store8(out.load8(c) * VectorMath.silu(z.load8(c)), at: c)
                c += 8
            }
            if rest > 0 {
                let silu = VectorMath.silu(z.loadPartial8(full, count: rest))
                out.storePartial8(out.loadPartial8(full, count: rest) * silu, at: full, count: rest)
            }
        }
    }
}
