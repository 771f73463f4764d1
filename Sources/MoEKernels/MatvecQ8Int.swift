#if arch(x86_64)
import _Builtin_intrinsics.intel

/// A block format with an integer dot product against a q8_0-quantised activation, for the
/// decode matvec `MatvecQ8Int`.
protocol Q8IntDot {
    /// Weights per block (a multiple of 32).
    static var elements: Int { get }
    /// Bytes per block.
    static var bytes: Int { get }
    /// Adds the block's products with activation blocks `xBlock ..< xBlock + elements / 32`:
    /// scaled integer dot products to the lanes of `acc`, `min` terms to `minSum` (a separate
    /// scalar chain; inserting it into a lane of `acc` serialised the loop).
    static func accumulate(_ block: UnsafeRawPointer, _ x: ActivationQ8, xBlock: Int,
                           _ acc: inout SIMD8<Float>, _ minSum: inout Float)
}

/// A 32-weight block format whose weights are `scale * code + min` with small integer codes.
protocol Q8IntBlock: Q8IntDot {
    /// Whether blocks carry a `min` term.
    static var hasMin: Bool { get }
    /// The 32 codes as signed bytes (any int8: with activations in -127...127 the
    /// `vpmaddubsw` pair sums stay within 2 * 128 * 127 and cannot saturate).
    static func codes(_ block: UnsafeRawPointer) -> __m256i
    /// The block's scale.
    static func scale(_ block: UnsafeRawPointer) -> Float
    /// The block's `min` term (0 unless `hasMin`).
    static func min(_ block: UnsafeRawPointer) -> Float
}

extension Q8IntBlock {
    @inline(__always)
    static func accumulate(_ block: UnsafeRawPointer, _ x: ActivationQ8, xBlock: Int,
                           _ acc: inout SIMD8<Float>, _ minSum: inout Float) {
        acc.addProduct(MatvecQ8Int.blockDot(codes(block), x.q + 32 &* xBlock),
                       SIMD8(repeating: scale(block) * x.scale[xBlock]))
        if hasMin { minSum += min(block) * x.sum[xBlock] }
    }
}

/// Byte helpers for `Q8IntBlock` formats (llama.cpp's `bytes_from_nibbles_32` and
/// `bytes_from_bits_32`).
enum Q8IntBytes {
    /// 16 bytes of ggml nibbles at `offset` as 32 bytes: low nibbles (weights 0-15), then high.
    @inline(__always)
    static func nibbles(_ p: UnsafeRawPointer, _ offset: Int) -> __m256i {
        let b = p.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)
        return unsafeBitCast(SIMD32(lowHalf: b & 15, highHalf: b &>> 4), to: __m256i.self)
    }

    /// The u32 at `offset` spread to 32 bytes: 0xFF where bit `i` is set, else 0.
    @inline(__always)
    static func bits(_ p: UnsafeRawPointer, _ offset: Int) -> __m256i {
        let word = Int32(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        let spread = _mm256_shuffle_epi8(
            _mm256_set1_epi32(word),
            _mm256_set_epi64x(0x0303_0303_0303_0303, 0x0202_0202_0202_0202, 0x0101_0101_0101_0101, 0))
        let others = _mm256_or_si256(spread, _mm256_set1_epi64x(0x7FBF_DFEF_F7FB_FDFE))
        return _mm256_cmpeq_epi8(others, _mm256_set1_epi64x(-1))
    }
}

extension Q8_0Block: Q8IntBlock {
    static var hasMin: Bool { false }
    @inline(__always) static func codes(_ block: UnsafeRawPointer) -> __m256i {
        unsafeBitCast(block.loadUnaligned(fromByteOffset: 2, as: SIMD32<Int8>.self), to: __m256i.self)
    }
    @inline(__always) static func scale(_ block: UnsafeRawPointer) -> Float { QuantLanes.half(block, 0) }
    @inline(__always) static func min(_ block: UnsafeRawPointer) -> Float { 0 }
}

extension Q4_0Block: Q8IntBlock {
    static var hasMin: Bool { false }
    @inline(__always) static func codes(_ block: UnsafeRawPointer) -> __m256i {
        _mm256_sub_epi8(Q8IntBytes.nibbles(block, 2), _mm256_set1_epi8(8))
    }
    @inline(__always) static func scale(_ block: UnsafeRawPointer) -> Float { QuantLanes.half(block, 0) }
    @inline(__always) static func min(_ block: UnsafeRawPointer) -> Float { 0 }
}

extension Q4_1Block: Q8IntBlock {
    static var hasMin: Bool { true }
    @inline(__always) static func codes(_ block: UnsafeRawPointer) -> __m256i { Q8IntBytes.nibbles(block, 4) }
    @inline(__always) static func scale(_ block: UnsafeRawPointer) -> Float { QuantLanes.half(block, 0) }
    @inline(__always) static func min(_ block: UnsafeRawPointer) -> Float { QuantLanes.half(block, 2) }
}

extension Q5_0Block: Q8IntBlock {
    static var hasMin: Bool { false }
    /// `(nibble | bit << 4) - 16`: the nibble with 0xF0 or-ed in where the fifth bit is clear.
    @inline(__always) static func codes(_ block: UnsafeRawPointer) -> __m256i {
        let high = _mm256_andnot_si256(Q8IntBytes.bits(block, 2), _mm256_set1_epi8(-16))
        return _mm256_or_si256(Q8IntBytes.nibbles(block, 6), high)
    }
    @inline(__always) static func scale(_ block: UnsafeRawPointer) -> Float { QuantLanes.half(block, 0) }
    @inline(__always) static func min(_ block: UnsafeRawPointer) -> Float { 0 }
}

extension Q5_1Block: Q8IntBlock {
    static var hasMin: Bool { true }
    @inline(__always) static func codes(_ block: UnsafeRawPointer) -> __m256i {
        let high = _mm256_and_si256(Q8IntBytes.bits(block, 4), _mm256_set1_epi8(16))
        return _mm256_or_si256(Q8IntBytes.nibbles(block, 8), high)
    }
    @inline(__always) static func scale(_ block: UnsafeRawPointer) -> Float { QuantLanes.half(block, 0) }
    @inline(__always) static func min(_ block: UnsafeRawPointer) -> Float { QuantLanes.half(block, 2) }
}

extension MXFP4Block: Q8IntBlock {
    static var hasMin: Bool { false }
    /// The doubled E2M1 values looked up with `vpshufb`.
    @inline(__always) static func codes(_ block: UnsafeRawPointer) -> __m256i {
        let table = _mm256_set_epi8(
            -12, -8, -6, -4, -3, -2, -1, 0, 12, 8, 6, 4, 3, 2, 1, 0,
            -12, -8, -6, -4, -3, -2, -1, 0, 12, 8, 6, 4, 3, 2, 1, 0)
        return _mm256_shuffle_epi8(table, Q8IntBytes.nibbles(block, 1))
    }
    @inline(__always) static func min(_ block: UnsafeRawPointer) -> Float { 0 }
}

/// The decode matvec for block formats with integer dot products (AVX2, as llama.cpp): the
/// activation is quantised to q8_0 once (`ActivationQ8`); each 32 weights' dot product is
/// `vpsignb` / `vpmaddubsw` / `vpmaddwd` on the codes, scaled by the weight and activation
/// scales in f32, plus `min * sum(x)` with the exact f32 block sum. Rows are walked as four
/// sequential streams (as `MatvecStreams`).
enum MatvecQ8Int {
    /// The 8 lanes of partial integer sums of 32 codes times 32 quantised activations, as
    /// f32 (exact: each lane is at most 4 * 128 * 127).
    ///
    /// - x: `(32)` quantised activations
    @inline(__always)
    static func blockDot(_ codes: __m256i, _ x: UnsafePointer<Int8>) -> SIMD8<Float> {
        let xv = unsafeBitCast(UnsafeRawPointer(x).loadUnaligned(as: SIMD32<Int8>.self), to: __m256i.self)
        // |w| (unsigned) times x with w's sign: pair sums stay below 2^15 for |x| <= 127.
        let products = _mm256_maddubs_epi16(_mm256_sign_epi8(codes, codes), _mm256_sign_epi8(xv, codes))
        let sums = _mm256_madd_epi16(products, _mm256_set1_epi16(1))
        return _mm256_cvtepi32_ps(sums)
    }

    /// `y[r] = sum_c w[r, c] * x[c]` for `r` in `first ..< first + count`.
    ///
    /// - y: `(w.rows)`; only the range is written
    @inline(__always)
    static func rows<B: Q8IntDot>(
        _: B.Type, _ w: WeightMatrix, x: ActivationQ8, y: UnsafeMutablePointer<Float>, first: Int, count: Int
    ) {
        guard count > 0 else { return }
        let streams = FourRowStreams(first: first, count: count)
        let blocks = w.cols / B.elements
        for step in 0..<streams.quarter {
            var (p0, p1, p2, p3) = streams.rows(step, base: w.base, rowBytes: w.rowBytes)
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var m0: Float = 0, m1: Float = 0, m2: Float = 0, m3: Float = 0
            var xBlock = 0
            for _ in 0..<blocks {
                B.accumulate(p0, x, xBlock: xBlock, &a0, &m0)
                B.accumulate(p1, x, xBlock: xBlock, &a1, &m1)
                B.accumulate(p2, x, xBlock: xBlock, &a2, &m2)
                B.accumulate(p3, x, xBlock: xBlock, &a3, &m3)
                p0 += B.bytes; p1 += B.bytes; p2 += B.bytes; p3 += B.bytes
                xBlock &+= B.elements / 32
            }
            streams.store(step, SIMDReduce.sum(a0) + m0, SIMDReduce.sum(a1) + m1, SIMDReduce.sum(a2) + m2,
                          SIMDReduce.sum(a3) + m3, into: y)
        }
    }
}
#endif
