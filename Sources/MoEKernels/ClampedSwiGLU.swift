extension Kernels {
    /// GPT-OSS's clamped SwiGLU, in place: with `g = min(gate[i], limit)` and
    /// `u = clamp(up[i], -limit, limit)`, `gate[i] = (u + 1) * g * sigmoid(alpha * g)`.
    ///
    /// - gate, up: `(count)`
    public static func clampedSwiGLU(
        gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int, limit: Float, alpha: Float
    ) {
        let full = count & ~7, rest = count - full
        let high = SIMD8<Float>(repeating: limit), low = -high
        let a = SIMD8<Float>(repeating: alpha), one = SIMD8<Float>(repeating: 1)
        @inline(__always) func apply(_ g: SIMD8<Float>, _ u: SIMD8<Float>) -> SIMD8<Float> {
            let g = g.replacing(with: high, where: g .> high)
            let u = u.replacing(with: high, where: u .> high).replacing(with: low, where: u .< low)
            return (u + one) * g / (one + VectorMath.exp(-(a * g)))
        }
        var c = 0
        while c < full {
            gate.store8(apply(gate.load8(c), up.load8(c)), at: c)
            c += 8
        }
        if rest > 0 {
            gate.storePartial8(apply(gate.loadPartial8(full, count: rest), up.loadPartial8(full, count: rest)),
                               at: full, count: rest)
        }
    }
}
