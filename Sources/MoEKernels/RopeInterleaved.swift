extension Kernels {
    /// Rotary position embedding in the interleaved (GPT-J / llama.cpp "normal") layout:
    /// for each head, the pair `(x[2i], x[2i + 1])` is rotated by the angle whose cosine and
    /// sine are `cos[i]`, `sin[i]`.
    ///
    /// - x: `(heads, headDim)`
    /// - cos, sin: `(headDim / 2)`
    public static func ropeInterleaved(
        _ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int,
        cos: UnsafePointer<Float>, sin: UnsafePointer<Float>
    ) {
        for h in 0..<heads {
            let v = x + h * headDim
            for i in 0..<(headDim / 2) {
                let a = v[2 * i], b = v[2 * i + 1]
                v[2 * i] = a * cos[i] - b * sin[i]
                v[2 * i + 1] = b * cos[i] + a * sin[i]
            }
        }
    }
}
