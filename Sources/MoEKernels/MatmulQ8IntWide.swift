#if arch(x86_64) && MOE_AVX512_VNNI
import _Builtin_intrinsics.intel

/// One weight row's sums for the tokens of a wide tile: 16 f32 lanes (two blocks' 8 each)
/// and a `min` term per token.
struct WideTileRowSums {
    var lanes0 = SIMD16<Float>(), lanes1 = SIMD16<Float>(), lanes2 = SIMD16<Float>()
    var min0: Float = 0, min1: Float = 0, min2: Float = 0
}

/// `MatmulQ8Int` on 512-bit registers with AVX-512 VNNI: each step takes two consecutive
/// 32-weight blocks of a row into one register, so one `vpdpbusd`, one conversion, one
/// scale and one fused multiply-add serve 64 products (twice the 256-bit tiles' rate).
/// The activation side is `OffsetPairDot`'s: `x + 128` as unsigned bytes, the offset
/// cancelled by a per-lane correction computed once per weight block pair.
enum MatmulQ8IntWide {
    /// `y[t, r] = sum_c w[r, c] * x[t, c]` for rows `rows` and every token of `x`.
    ///
    /// - y: `(tokens, w.rows)`; only the rows' columns are written
    @inline(__always)
    static func rows<B: Q8IntBlock>(
        _: B.Type, _ w: WeightMatrix, x: ActivationQ8, tokens: Int, y: UnsafeMutablePointer<Float>, rows: Range<Int>
    ) {
        var r0 = rows.lowerBound
        while r0 < rows.upperBound {
            let valid = Swift.min(4, rows.upperBound - r0)
            var t0 = 0
            while t0 < tokens {
                switch tokens - t0 {
                case 1: tile(B.self, OneToken.self, w, x: x, firstToken: t0, y: y, firstRow: r0, validRows: valid)
                case 2: tile(B.self, TwoTokens.self, w, x: x, firstToken: t0, y: y, firstRow: r0, validRows: valid)
                default: tile(B.self, ThreeTokens.self, w, x: x, firstToken: t0, y: y, firstRow: r0, validRows: valid)
                }
                t0 += 3
            }
            r0 += 4
        }
    }

    /// Rows `firstRow ..< firstRow + validRows` (at most 4; missing rows repeat the last and
    /// are not stored) times tokens `firstToken ..< firstToken + T.count`.
    ///
    /// - y: `(tokens, w.rows)`
    @inline(__always)
    static func tile<B: Q8IntBlock, T: TokenTile>(
        _: B.Type, _: T.Type, _ w: WeightMatrix, x: ActivationQ8, firstToken: Int,
        y: UnsafeMutablePointer<Float>, firstRow: Int, validRows: Int
    ) {
        let blocks = w.cols / 32
        let o = TileOperands(T.self, w, x: x, firstToken: firstToken, firstRow: firstRow, validRows: validRows)
        let (p0, p1, p2, p3) = o.rows
        let (q0, q1, q2) = o.codes, (s0, s1, s2) = o.scales, (m0, m1, m2) = o.sums
        var a0 = WideTileRowSums(), a1 = WideTileRowSums(), a2 = WideTileRowSums(), a3 = WideTileRowSums()
        var b = 0
        while b + 1 < blocks {
            let x0 = token(q0 + 32 &* b)
            let x1 = T.count > 1 ? token(q1 + 32 &* b) : x0
            let x2 = T.count > 2 ? token(q2 + 32 &* b) : x0
            let xs = (pair(s0[b], s0[b + 1]), pair(s1[b], s1[b + 1]), pair(s2[b], s2[b + 1]))
            let xm = ((m0[b], m0[b + 1]), (m1[b], m1[b + 1]), (m2[b], m2[b + 1]))
            let offset = b &* B.bytes
            accumulate(B.self, T.self, p0 + offset, (x0, x1, x2), xs, xm, &a0)
            accumulate(B.self, T.self, p1 + offset, (x0, x1, x2), xs, xm, &a1)
            accumulate(B.self, T.self, p2 + offset, (x0, x1, x2), xs, xm, &a2)
            accumulate(B.self, T.self, p3 + offset, (x0, x1, x2), xs, xm, &a3)
            b += 2
        }
        var sums = (a0, a1, a2, a3)
        if b < blocks {
            // An odd last block: its narrow pair dot products into the low lanes.
            lastBlock(B.self, T.self, p0 + b * B.bytes, q0 + 32 * b, q1 + 32 * b, q2 + 32 * b,
                      (s0[b], s1[b], s2[b]), (m0[b], m1[b], m2[b]), &sums.0)
            lastBlock(B.self, T.self, p1 + b * B.bytes, q0 + 32 * b, q1 + 32 * b, q2 + 32 * b,
                      (s0[b], s1[b], s2[b]), (m0[b], m1[b], m2[b]), &sums.1)
            lastBlock(B.self, T.self, p2 + b * B.bytes, q0 + 32 * b, q1 + 32 * b, q2 + 32 * b,
                      (s0[b], s1[b], s2[b]), (m0[b], m1[b], m2[b]), &sums.2)
            lastBlock(B.self, T.self, p3 + b * B.bytes, q0 + 32 * b, q1 + 32 * b, q2 + 32 * b,
                      (s0[b], s1[b], s2[b]), (m0[b], m1[b], m2[b]), &sums.3)
        }
        let out = y + firstToken * w.rows + firstRow
        store(T.self, sums.0, out, stride: w.rows)
        if validRows > 1 { store(T.self, sums.1, out + 1, stride: w.rows) }
        if validRows > 2 { store(T.self, sums.2, out + 2, stride: w.rows) }
        if validRows > 3 { store(T.self, sums.3, out + 3, stride: w.rows) }
    }

    /// Adds two consecutive weight blocks' products with the tile's tokens to `sums`.
    @inline(__always)
    static func accumulate<B: Q8IntBlock, T: TokenTile>(
        _: B.Type, _: T.Type, _ blocks: UnsafeRawPointer, _ x: (__m512i, __m512i, __m512i),
        _ xScale: (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>),
        _ xSum: ((Float, Float), (Float, Float), (Float, Float)), _ sums: inout WideTileRowSums
    ) {
        let second = blocks + B.bytes
        let codes = unsafeBitCast(SIMD64(lowHalf: unsafeBitCast(B.codes(blocks), to: SIMD32<Int8>.self),
                                         highHalf: unsafeBitCast(B.codes(second), to: SIMD32<Int8>.self)), to: __m512i.self)
        let correction = _mm512_sub_epi32(_mm512_setzero_si512(),
                                          _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(-128), codes))
        let scale = pair(B.scale(blocks), B.scale(second))
        sums.lanes0.addProduct(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(correction, x.0, codes)) * scale, xScale.0)
        if T.count > 1 { sums.lanes1.addProduct(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(correction, x.1, codes)) * scale, xScale.1) }
        if T.count > 2 { sums.lanes2.addProduct(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(correction, x.2, codes)) * scale, xScale.2) }
        if B.hasMin {
            let min0 = B.min(blocks), min1 = B.min(second)
            sums.min0 += min0 * xSum.0.0 + min1 * xSum.0.1
            if T.count > 1 { sums.min1 += min0 * xSum.1.0 + min1 * xSum.1.1 }
            if T.count > 2 { sums.min2 += min0 * xSum.2.0 + min1 * xSum.2.1 }
        }
    }

    /// Adds a row's odd last block (256-bit `OffsetPairDot`) into the low lanes of `sums`.
    @inline(__always)
    static func lastBlock<B: Q8IntBlock, T: TokenTile>(
        _: B.Type, _: T.Type, _ block: UnsafeRawPointer, _ q0: UnsafePointer<Int8>, _ q1: UnsafePointer<Int8>,
        _ q2: UnsafePointer<Int8>, _ xScale: (Float, Float, Float), _ xSum: (Float, Float, Float),
        _ sums: inout WideTileRowSums
    ) {
        var narrow = TileRowSums()
        let x0 = OffsetPairDot.token(MatmulQ8Int.load(q0))
        let x1 = T.count > 1 ? OffsetPairDot.token(MatmulQ8Int.load(q1)) : x0
        let x2 = T.count > 2 ? OffsetPairDot.token(MatmulQ8Int.load(q2)) : x0
        MatmulQ8Int.accumulate(B.self, OffsetPairDot.self, T.self, block, (x0, x1, x2),
                               (SIMD8(repeating: xScale.0), SIMD8(repeating: xScale.1), SIMD8(repeating: xScale.2)),
                               xSum, &narrow)
        sums.lanes0 += SIMD16(lowHalf: narrow.lanes0, highHalf: .zero)
        sums.lanes1 += SIMD16(lowHalf: narrow.lanes1, highHalf: .zero)
        sums.lanes2 += SIMD16(lowHalf: narrow.lanes2, highHalf: .zero)
        sums.min0 += narrow.min0
        sums.min1 += narrow.min1
        sums.min2 += narrow.min2
    }

    /// Writes one row's sums for the tile's tokens, `stride` apart.
    @inline(__always)
    static func store<T: TokenTile>(_: T.Type, _ sums: WideTileRowSums, _ out: UnsafeMutablePointer<Float>, stride: Int) {
        out[0] = SIMDReduce.sum(sums.lanes0.lowHalf + sums.lanes0.highHalf) + sums.min0
        if T.count > 1 { out[stride] = SIMDReduce.sum(sums.lanes1.lowHalf + sums.lanes1.highHalf) + sums.min1 }
        if T.count > 2 { out[2 * stride] = SIMDReduce.sum(sums.lanes2.lowHalf + sums.lanes2.highHalf) + sums.min2 }
    }

    /// 64 quantised activations (two blocks) as unsigned `x + 128`.
    @inline(__always)
    static func token(_ p: UnsafePointer<Int8>) -> __m512i {
        _mm512_xor_si512(unsafeBitCast(UnsafeRawPointer(p).loadUnaligned(as: SIMD64<Int8>.self), to: __m512i.self),
                         _mm512_set1_epi8(-128))
    }

    /// Two blocks' scales, each over its block's 8 lanes.
    @inline(__always)
    static func pair(_ first: Float, _ second: Float) -> SIMD16<Float> {
        SIMD16(lowHalf: SIMD8(repeating: first), highHalf: SIMD8(repeating: second))
    }
}
#endif
