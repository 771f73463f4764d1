#if arch(x86_64)
import _Builtin_intrinsics.intel

/// Integer dot products of the k-quants with a q8_0-quantised activation: every 32 weights
/// (one activation block) get one `MatvecQ8Int.blockDot`, scaled by the sub-block scale.

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

extension Q4_KBlock: Q8IntDot {
    /// Sub-block `j` (codes `codes`) of the block at `block`.
    @inline(__always)
    static func sub(_ block: UnsafeRawPointer, _ codes: __m256i, _ j: Int, d: Float, dmin: Float, _ x: ActivationQ8,
                    _ xb: Int, _ acc: inout SIMD8<Float>, _ minSum: inout Float) {
        let (sc, m) = KScales.scaleMin(block, 4, j)
        acc.addProduct(MatvecQ8Int.blockDot(codes, x.q + 32 &* xb), SIMD8(repeating: d * sc * x.scale[xb]))
        minSum -= dmin * m * x.sum[xb]
    }

    @inline(__always)
    static func accumulate(_ block: UnsafeRawPointer, _ x: ActivationQ8, xBlock: Int,
                           _ acc: inout SIMD8<Float>, _ minSum: inout Float) {
        let d = QuantLanes.half(block, 0), dmin = QuantLanes.half(block, 2)
        for pair in 0..<4 {
            let v = KIntBytes.load(block, 16 &+ 32 &* pair)
            sub(block, KIntBytes.low(v), 2 &* pair, d: d, dmin: dmin, x, xBlock &+ 2 &* pair, &acc, &minSum)
            sub(block, KIntBytes.high(v), 2 &* pair &+ 1, d: d, dmin: dmin, x, xBlock &+ 2 &* pair &+ 1, &acc, &minSum)
        }
    }
}

extension Q5_KBlock: Q8IntDot {
    /// Codes of sub-block `j` from its nibbles and bit `j` of the 32 `qh` bytes.
    @inline(__always)
    static func codes(_ nibbles: __m256i, _ qh: __m256i, _ j: Int) -> __m256i {
        let bit = _mm256_set1_epi8(Int8(truncatingIfNeeded: 1 &<< j))
        let set = _mm256_cmpeq_epi8(_mm256_and_si256(qh, bit), bit)
        return _mm256_or_si256(nibbles, _mm256_and_si256(set, _mm256_set1_epi8(16)))
    }

    @inline(__always)
    static func accumulate(_ block: UnsafeRawPointer, _ x: ActivationQ8, xBlock: Int,
                           _ acc: inout SIMD8<Float>, _ minSum: inout Float) {
        let d = QuantLanes.half(block, 0), dmin = QuantLanes.half(block, 2)
        let qh = KIntBytes.load(block, 16)
        for pair in 0..<4 {
            let v = KIntBytes.load(block, 48 &+ 32 &* pair)
            let j = 2 &* pair
            Q4_KBlock.sub(block, codes(KIntBytes.low(v), qh, j), j, d: d, dmin: dmin, x, xBlock &+ j, &acc, &minSum)
            Q4_KBlock.sub(block, codes(KIntBytes.high(v), qh, j &+ 1), j &+ 1, d: d, dmin: dmin, x, xBlock &+ j &+ 1,
                          &acc, &minSum)
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
