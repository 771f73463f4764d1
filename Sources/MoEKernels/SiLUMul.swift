extension Kernels {
    /// `gate[i] = silu(gate[i]) * up[i]` (SwiGLU), where `silu(g) = g / (1 + e^-g)`.
    ///
    /// - gate, up: `(count)`
    public static func siluMul(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        let full = count & ~15, rest = count - full
        var c = 0
        while c < full {
            gate.store16(silu(gate.load16(c)) * up.load16(c), at: c)
            c += 16
        }
        if rest > 0 {
            let g = silu(gate.loadPartial16(full, count: rest)) * up.loadPartial16(full, count: rest)
            gate.storePartial16(g, at: full, count: rest)
        }
    }

    /// `g / (1 + e^-g)` per lane.
    @inline(__always)
    private static func silu(_ g: SIMD16<Float>) -> SIMD16<Float> {
        g / (1 + VectorMath.exp(-g))
    }
}
