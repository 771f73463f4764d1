/// A decode activation vector quantised once per matvec for integer dot products, as
/// ggml's q8_0 (the rule llama.cpp applies to activations before its AVX2 dot products):
/// blocks of 32 values `scale[b] * q[i]`, `q` in -127...127, `scale = max|x| / 127`,
/// rounded to nearest even; plus each block's exact f32 sum for the `min` terms of Q4_1
/// and Q5_1.
///
/// Quantisation changes results slightly: each product `w * x` gains an error of at most
/// `|w| * scale / 2`, at most 0.4% of its block's largest `|x|`; on uniform random data the
/// relative L2 error of the outputs is about 4e-3 (the tests bound it by 1e-2).
struct ActivationQ8 {
    /// `(cols)` quantised values.
    let q: UnsafeMutablePointer<Int8>
    /// `(cols / 32)` block scales.
    let scale: UnsafeMutablePointer<Float>
    /// `(cols / 32)` exact block sums of the f32 input.
    let sum: UnsafeMutablePointer<Float>

    /// Quantises `x`; `cols` must be a multiple of 32. Release with `deallocate`.
    ///
    /// - x: `(cols)`
    init(_ x: UnsafePointer<Float>, cols: Int) {
        let blocks = cols / 32
        q = .allocate(capacity: cols)
        scale = .allocate(capacity: blocks)
        sum = .allocate(capacity: blocks)
        for b in 0..<blocks {
            let xb = x + 32 * b
            var amax = SIMD8<Float>(), total = SIMD8<Float>()
            for g in 0..<4 {
                let v = xb.load8(8 * g)
                total += v
                for k in 0..<8 { amax[k] = Swift.max(amax[k], Swift.abs(v[k])) }
            }
            let d = SIMDReduce.max(amax) / 127
            let inverse: Float = d == 0 ? 0 : 1 / d
            scale[b] = d
            sum[b] = SIMDReduce.sum(total)
            for i in 0..<32 { q[32 * b + i] = Int8((xb[i] * inverse).rounded(.toNearestOrEven)) }
        }
    }

    /// Frees the buffers.
    func deallocate() {
        q.deallocate()
        scale.deallocate()
        sum.deallocate()
    }
}
