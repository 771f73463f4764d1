#if arch(x86_64)
import _Builtin_intrinsics.intel

// Integer dot products of the k-quants with a q8_0-quantised activation, one activation block
// (32 weights) at a time, each scaled by its sub-block's scale.

/// Byte helpers for the k-quants.
enum KIntBytes {
    /// 32 bytes at `offset`.
    @inline(__always)
    static func load(_ p: UnsafeRawPointer, _ offset: Int) -> __m256i {
        unsafeBitCast(p.loadUnaligned(fromByteOffset: offset, as: SIMD32<UInt8>.self), to: __m256i.self)
    }

    /// The low nibbles of `v`.
    @inline(__always)
    static func low(_ v: __m256i) -> __m256i { _mm256_and_si256(v, _mm256_set1_epi8(15)) }

    /// The high nibbles of `v`.
    @inline(__always)
    static func high(_ v: __m256i) -> __m256i { low(_mm256_srli_epi16(v, 4)) }
}

/// Q4_K and Q5_K against q8_0 activations: codes are unsigned (0-15 or 0-31), so each 32
/// weights take `vpmaddubsw` directly (no sign trick), and the super-block's six-bit scales
/// and mins are unpacked once into vectors: one multiply gives all 8 sub-blocks' combined
/// scales `d * scale[j] * xScale[j]`, one product of mins and activation sums the `min` term.
enum ScaleMinKDot {
    /// The 8 six-bit scales and 8 mins of the 12 bytes at `offset` (ggml's
    /// `get_scale_min_k4` for every sub-block at once): bytes 0-3 hold scales 0-3 and bytes
    /// 4-7 mins 0-3 in their low six bits; bytes 8-11 hold the low four bits of scales 4-7
    /// (low nibble) and mins 4-7 (high nibble), whose top two bits are the top bits of bytes
    /// 0-3 and 4-7.
    @inline(__always)
    static func scalesAndMins(_ p: UnsafeRawPointer, _ offset: Int) -> (scales: SIMD8<Float>, mins: SIMD8<Float>) {
        let low = p.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        let mid = p.loadUnaligned(fromByteOffset: offset &+ 4, as: UInt32.self)
        let high = p.loadUnaligned(fromByteOffset: offset &+ 8, as: UInt32.self)
        let scales = UInt64(low & 0x3F3F_3F3F) | UInt64((high & 0x0F0F_0F0F) | ((low &>> 2) & 0x3030_3030)) &<< 32
        let mins = UInt64(mid & 0x3F3F_3F3F) | UInt64(((high &>> 4) & 0x0F0F_0F0F) | ((mid &>> 2) & 0x3030_3030)) &<< 32
        return (floats(scales), floats(mins))
    }

    /// The 8 bytes of `v` as floats.
    @inline(__always)
    static func floats(_ v: UInt64) -> SIMD8<Float> {
        _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(Int64(bitPattern: v))))
    }

    /// The 8 lanes of partial sums of 32 unsigned codes times 32 quantised activations, as
    /// f32 (pair sums stay within 2 * 31 * 127).
    ///
    /// - x: `(32)` quantised activations
    @inline(__always)
    static func unsignedDot(_ codes: __m256i, _ x: UnsafePointer<Int8>) -> SIMD8<Float> {
        let xv = unsafeBitCast(UnsafeRawPointer(x).loadUnaligned(as: SIMD32<Int8>.self), to: __m256i.self)
        return _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(codes, xv), _mm256_set1_epi16(1)))
    }

    /// Adds a Q4_K or Q5_K super-block whose sub-block `j` has codes `codes(j)` and whose
    /// scales sit at byte 4, against activation blocks `xBlock ..< xBlock + 8`.
    @inline(__always)
    static func accumulate(_ block: UnsafeRawPointer, _ x: ActivationQ8, xBlock: Int, _ acc: inout SIMD8<Float>,
                           _ minSum: inout Float, codes: (Int) -> __m256i) {
        let d = QuantLanes.half(block, 0), dmin = QuantLanes.half(block, 2)
        let (scales, mins) = scalesAndMins(block, 4)
        let combined = scales * (x.scale + xBlock).load8(0) * d
        minSum -= dmin * SIMDReduce.sum(mins * (x.sum + xBlock).load8(0))
        for j in 0..<8 {
            acc.addProduct(unsignedDot(codes(j), x.q + 32 &* (xBlock &+ j)), SIMD8(repeating: combined[j]))
        }
    }
}

extension Q4_KBlock: Q8IntDot {
    @inline(__always)
    static func accumulate(_ block: UnsafeRawPointer, _ x: ActivationQ8, xBlock: Int,
                           _ acc: inout SIMD8<Float>, _ minSum: inout Float) {
        ScaleMinKDot.accumulate(block, x, xBlock: xBlock, &acc, &minSum) { j in
            let v = KIntBytes.load(block, 16 &+ 32 &* (j &>> 1))
            return j & 1 == 0 ? KIntBytes.low(v) : KIntBytes.high(v)
        }
    }
}

extension Q5_KBlock: Q8IntDot {
    /// Codes of sub-block `j` from its nibbles and bit `j` of the 32 `qh` bytes, moved to bit
    /// 4 by one 16-bit shift (a shift of at most 4 left or 3 right carries no neighbouring
    /// byte's bit into bit 4 of either byte).
    @inline(__always)
    static func codes(_ nibbles: __m256i, _ qh: __m256i, _ j: Int) -> __m256i {
        let moved = j <= 4 ? _mm256_slli_epi16(qh, Int32(4 &- j)) : _mm256_srli_epi16(qh, Int32(j &- 4))
        return _mm256_or_si256(nibbles, _mm256_and_si256(moved, _mm256_set1_epi8(16)))
    }

    @inline(__always)
    static func accumulate(_ block: UnsafeRawPointer, _ x: ActivationQ8, xBlock: Int,
                           _ acc: inout SIMD8<Float>, _ minSum: inout Float) {
        let qh = KIntBytes.load(block, 16)
        ScaleMinKDot.accumulate(block, x, xBlock: xBlock, &acc, &minSum) { j in
            let v = KIntBytes.load(block, 48 &+ 32 &* (j &>> 1))
            return codes(j & 1 == 0 ? KIntBytes.low(v) : KIntBytes.high(v), qh, j)
        }
    }
}

extension Q6_KBlock: Q8IntDot {
    @inline(__always)
    static func accumulate(_ block: UnsafeRawPointer, _ x: ActivationQ8, xBlock: Int,
                           _ acc: inout SIMD8<Float>, _ minSum: inout Float) {
        let d = QuantLanes.half(block, 208)
        for h in 0..<2 {
            let qh = KIntBytes.load(block, 128 &+ 32 &* h)
            for s in 0..<4 {
                // Weights 128h + 32s ..< +32: one activation block, two 16-weight scale groups
                // (lanes 0-3 and 4-7 of the dot product).
                let ql = KIntBytes.load(block, 64 &* h &+ 32 &* (s & 1))
                let low = s < 2 ? KIntBytes.low(ql) : KIntBytes.high(ql)
                let high = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, Int32(2 &* s)), _mm256_set1_epi8(3)), 4)
                let codes = _mm256_sub_epi8(_mm256_or_si256(low, high), _mm256_set1_epi8(32))
                let xb = xBlock &+ 4 &* h &+ s, group = 8 &* h &+ 2 &* s
                let dx = d * x.scale[xb]
                var scales = SIMD8<Float>(repeating: dx * Float(block.load(fromByteOffset: 193 &+ group, as: Int8.self)))
                let first = dx * Float(block.load(fromByteOffset: 192 &+ group, as: Int8.self))
                for k in 0..<4 { scales[k] = first }
                acc.addProduct(MatvecQ8Int.blockDot(codes, x.q + 32 &* xb), scales)
            }
        }
    }
}
#endif
