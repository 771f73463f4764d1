#if arch(x86_64)
import _Builtin_intrinsics.intel

/// Activation rows quantised once per matvec or matmul for integer dot products, as
/// ggml's q8_0 (the rule llama.cpp applies to activations before its AVX2 dot products):
/// blocks of 32 values `scale[b] * q[i]`, `q` in -127...127, `scale = max|x| / 127`,
/// rounded to nearest even; plus each block's exact f32 sum for the `min` terms of Q4_1
/// and Q5_1.
///
/// Quantisation changes results slightly: each product `w * x` gains an error of at most
/// `|w| * scale / 2`, at most 0.4% of its block's largest `|x|`; on uniform random data the
/// relative L2 error of the outputs is about 4e-3 (the tests bound it by 1e-2).
struct ActivationQ8 {
    /// `(tokens, cols)` quantised values.
    let q: UnsafeMutablePointer<Int8>
    /// `(tokens, cols / 32)` block scales.
    let scale: UnsafeMutablePointer<Float>
    /// `(tokens, cols / 32)` exact block sums of the f32 input.
    let sum: UnsafeMutablePointer<Float>

    /// Quantises `tokens` rows of `x`; `cols` must be a multiple of 32. Release with
    /// `deallocate`.
    ///
    /// - x: `(tokens, cols)`
    init(_ x: UnsafePointer<Float>, cols: Int, tokens: Int = 1) {
        let blocks = cols / 32 * tokens
        q = .allocate(capacity: cols * tokens)
        scale = .allocate(capacity: blocks)
        sum = .allocate(capacity: blocks)
        quantise(x, blocks: 0..<blocks)
    }

    /// Quantises `tokens` rows of `x`, spreading the rows over `pool` when there are many.
    ///
    /// - x: `(tokens, cols)`
    init(_ x: UnsafePointer<Float>, cols: Int, tokens: Int, pool: ThreadPool) {
        let rowBlocks = cols / 32
        q = .allocate(capacity: cols * tokens)
        scale = .allocate(capacity: rowBlocks * tokens)
        sum = .allocate(capacity: rowBlocks * tokens)
        if tokens < Self.parallelTokens {
            quantise(x, blocks: 0..<rowBlocks * tokens)
        } else {
            let chunks = Swift.min(tokens, 4 * pool.threadCount)
            let perChunk = (tokens + chunks - 1) / chunks
            let this = self
            pool.parallelFor(chunks) { chunk in
                let first = chunk * perChunk, end = Swift.min(tokens, first + perChunk)
                if first < end { this.quantise(x, blocks: first * rowBlocks..<end * rowBlocks) }
            }
        }
    }

    /// Fewest rows quantised on the pool: fewer cost less than a dispatch.
    static var parallelTokens: Int { 16 }

    /// Quantises 32-value blocks `blocks` of `x` (counted from its start, across rows).
    ///
    /// - x: `(blocks.upperBound * 32)` at least
    private func quantise(_ x: UnsafePointer<Float>, blocks: Range<Int>) {
        for b in blocks {
            let xb = x + 32 * b
            let v0 = xb.load8(0), v1 = xb.load8(8), v2 = xb.load8(16), v3 = xb.load8(24)
            let d = SIMDReduce.max(Self.larger(Self.larger(Self.magnitude(v0), Self.magnitude(v1)),
                                               Self.larger(Self.magnitude(v2), Self.magnitude(v3)))) / 127
            let inverse: Float = d == 0 ? 0 : 1 / d
            scale[b] = d
            sum[b] = SIMDReduce.sum(v0 + v1 + v2 + v3)
            UnsafeMutableRawPointer(q + 32 * b).storeBytes(of: Self.codes(v0, v1, v2, v3, inverse), as: SIMD32<Int8>.self)
        }
    }

    /// The 32 values times `inverse`, rounded to nearest even (`vcvtps2dq` under the default
    /// rounding mode), as int8 in order: packing interleaves 128-bit lanes, and a final
    /// permutation of 32-bit groups restores the order (as llama.cpp's `quantize_row_q8_0`).
    @inline(__always)
    private static func codes(_ v0: SIMD8<Float>, _ v1: SIMD8<Float>, _ v2: SIMD8<Float>, _ v3: SIMD8<Float>,
                              _ inverse: Float) -> SIMD32<Int8> {
        let k = SIMD8<Float>(repeating: inverse)
        let i0 = _mm256_cvtps_epi32(v0 * k), i1 = _mm256_cvtps_epi32(v1 * k)
        let i2 = _mm256_cvtps_epi32(v2 * k), i3 = _mm256_cvtps_epi32(v3 * k)
        let packed = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3))
        let ordered = _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7))
        return unsafeBitCast(ordered, to: SIMD32<Int8>.self)
    }

    /// `|v|` per lane (the sign bit cleared).
    @inline(__always)
    private static func magnitude(_ v: SIMD8<Float>) -> SIMD8<Float> {
        unsafeBitCast(unsafeBitCast(v, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: SIMD8<Float>.self)
    }

    /// The larger of `a` and `b` per lane (a masked select; the generic `pointwiseMax` stays a call).
    @inline(__always)
    private static func larger(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        a.replacing(with: b, where: b .> a)
    }

    /// Frees the buffers.
    func deallocate() {
        q.deallocate()
        scale.deallocate()
        sum.deallocate()
    }
}
#endif
