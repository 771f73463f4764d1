#if arch(x86_64)
import _Builtin_intrinsics.intel

/// The Q8_0 decode matvec with integer dot products (AVX2, as llama.cpp): the activation is
/// quantised to q8_0 once (`ActivationQ8`), each 32-weight block's dot product is
/// `vpsignb` / `vpmaddubsw` / `vpmaddwd` in integers, scaled by both block scales in f32.
/// Rows are walked as four sequential streams (as `MatvecStreams`).
enum MatvecQ8Int {
    /// The 8 lanes of partial integer sums of one Q8_0 block times 32 quantised activations,
    /// as f32 (exact: each lane is at most 4 * 128 * 127).
    ///
    /// - x: `(32)` quantised activations
    @inline(__always)
    static func blockDot(_ w: UnsafeRawPointer, _ x: UnsafePointer<Int8>) -> SIMD8<Float> {
        let wv = unsafeBitCast(w.loadUnaligned(fromByteOffset: 2, as: SIMD32<Int8>.self), to: __m256i.self)
        let xv = unsafeBitCast(UnsafeRawPointer(x).loadUnaligned(as: SIMD32<Int8>.self), to: __m256i.self)
        // |w| (unsigned) times x with w's sign: pair sums stay below 2^15 for |x| <= 127.
        let products = _mm256_maddubs_epi16(_mm256_sign_epi8(wv, wv), _mm256_sign_epi8(xv, wv))
        let sums = _mm256_madd_epi16(products, _mm256_set1_epi16(1))
        return unsafeBitCast(_mm256_cvtepi32_ps(sums), to: SIMD8<Float>.self)
    }

    /// `y[r] = sum_c w[r, c] * x[c]` for `r` in `first ..< first + count`, `w` of type q8_0.
    ///
    /// - y: `(w.rows)`; only the range is written
    @inline(__always)
    static func rows(_ w: WeightMatrix, x: ActivationQ8, y: UnsafeMutablePointer<Float>, first: Int, count: Int) {
        guard count > 0 else { return }
        let quarter = (count + 3) / 4
        let end = first + count, last = end - 1
        let blocks = w.cols / 32, rowBytes = w.rowBytes
        var step = 0
        while step < quarter {
            // Streams past the range repeat its last row; their sums are discarded.
            let i0 = first + step, i1 = i0 + quarter, i2 = i1 + quarter, i3 = i2 + quarter
            var p0 = w.base + i0 * rowBytes, p1 = w.base + Swift.min(i1, last) * rowBytes
            var p2 = w.base + Swift.min(i2, last) * rowBytes, p3 = w.base + Swift.min(i3, last) * rowBytes
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var b = 0
            while b < blocks {
                let xq = x.q + 32 &* b, dx = x.scale[b]
                a0.addProduct(blockDot(p0, xq), SIMD8(repeating: QuantLanes.half(p0, 0) * dx))
                a1.addProduct(blockDot(p1, xq), SIMD8(repeating: QuantLanes.half(p1, 0) * dx))
                a2.addProduct(blockDot(p2, xq), SIMD8(repeating: QuantLanes.half(p2, 0) * dx))
                a3.addProduct(blockDot(p3, xq), SIMD8(repeating: QuantLanes.half(p3, 0) * dx))
                p0 += 34; p1 += 34; p2 += 34; p3 += 34
                b &+= 1
            }
            y[i0] = SIMDReduce.sum(a0)
            if i1 < end { y[i1] = SIMDReduce.sum(a1) }
            if i2 < end { y[i2] = SIMDReduce.sum(a2) }
            if i3 < end { y[i3] = SIMDReduce.sum(a3) }
            step &+= 1
        }
    }
}
#endif
