extension Kernels {
    /// Rotary position embedding in the rotate-half layout of Hugging Face / GPT-NeoX: for
    /// each head, the pair `(x[i], x[i + rotaryDim/2])` is rotated by the angle whose
    /// cosine and sine are `cos[i]`, `sin[i]`. Dimensions past `rotaryDim` are untouched.
    ///
    /// - x: `(heads, headDim)`
    /// - cos, sin: `(rotaryDim / 2)`
    public static func rope(
        _ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, rotaryDim: Int,
        cos: UnsafePointer<Float>, sin: UnsafePointer<Float>
    ) {
        let half = rotaryDim / 2
        let full = half & ~15, rest = half - full
        for h in 0..<heads {
            let lo = x + h * headDim, hi = lo + half
            var i = 0
            while i < full {
                let a = lo.load16(i), b = hi.load16(i), c = cos.load16(i), s = sin.load16(i)
                lo.store16(a * c - b * s, at: i)
                hi.store16(b * c + a * s, at: i)
                i += 16
            }
            if rest > 0 {
                let a = lo.loadPartial16(full, count: rest), b = hi.loadPartial16(full, count: rest)
                let c = cos.loadPartial16(full, count: rest), s = sin.loadPartial16(full, count: rest)
                lo.storePartial16(a * c - b * s, at: full, count: rest)
                hi.storePartial16(b * c + a * s, at: full, count: rest)
            }
        }
    }
}
