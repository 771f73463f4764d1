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
        let full = half & ~7, rest = half - full
        for h in 0..<heads {
            let lo = x + h * headDim, hi = lo + half
            var i = 0
            while i < full {
                let a = lo.load8(i), b = hi.load8(i), c = cos.load8(i), s = sin.load8(i)
                lo.store8(a * c - b * s, at: i)
                hi.store8(b * c + a * s, at: i)
                i += 8
            }
            if rest > 0 {
                let a = lo.loadPartial8(full, count: rest), b = hi.loadPartial8(full, count: rest)
                let c = cos.loadPartial8(full, count: rest), s = sin.loadPartial8(full, count: rest)
                lo.storePartial8(a * c - b * s, at: full, count: rest)
                hi.storePartial8(b * c + a * s, at: full, count: rest)
            }
        }
    }
}
