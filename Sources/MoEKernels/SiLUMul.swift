extension Kernels {
    /// `gate[i] = silu(gate[i]) * up[i]` (SwiGLU), where `silu(g) = g / (1 + e^-g)`.
    ///
    /// - gate, up: `(count)`
    public static func siluMul(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        let full = count & ~7, rest = count - full
        var c = 0
        while c < full {
            gate.store8(VectorMath.silu(gate.load8(c)) * up.load8(c), at: c)
            c += 8
        }
        if rest > 0 {
            let silu = VectorMath.silu(gate.loadPartial8(full, count: rest))
            gate.storePartial8(silu * up.loadPartial8(full, count: rest), at: full, count: rest)
        }
    }

    /// `siluMul` split across `pool` in pieces of 4096 elements (results identical to the
    /// serial form).
    ///
    /// - gate, up: `(count)`
    public static func siluMul(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int, pool: ThreadPool) {
        let piece = 4096
        pool.parallelFor((count + piece - 1) / piece) { i in
            let start = i * piece
            siluMul(gate: gate + start, up: up + start, count: min(piece, count - start))
        }
    }
}
