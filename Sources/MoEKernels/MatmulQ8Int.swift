#if arch(x86_64)
import _Builtin_intrinsics.intel

/// How 32 weight codes times 32 quantised activations become 8 int32 partial sums: the
/// weight side is prepared once per block (`row`) and the activation side once per token
/// block (`token`), so a tile of rows x tokens pays the per-pair cost only.
protocol Q8PairDot {
    /// One weight block's codes, prepared for every token they meet.
    associatedtype Row
    /// Prepares 32 signed codes.
    static func row(_ codes: __m256i) -> Row
    /// Prepares 32 quantised activations (-127...127).
    static func token(_ x: __m256i) -> __m256i
    /// The 8 lanes of partial sums, each over 4 adjacent products (exact in int32).
    static func dot(_ row: Row, _ token: __m256i) -> __m256i
}

/// AVX2, as llama.cpp: `|w|` (unsigned) times `x` carrying `w`'s sign (`vpsignb`,
/// `vpmaddubsw`), pair sums widened by `vpmaddwd`; pair sums stay below 2^15 for
/// `|x| <= 127`.
enum SignedPairDot: Q8PairDot {
    /// The codes and their magnitudes.
    struct Row {
        let codes: __m256i
        let magnitude: __m256i
    }

    @inline(__always)
    static func row(_ codes: __m256i) -> Row { Row(codes: codes, magnitude: _mm256_sign_epi8(codes, codes)) }

    @inline(__always)
    static func token(_ x: __m256i) -> __m256i { x }

    @inline(__always)
    static func dot(_ row: Row, _ token: __m256i) -> __m256i {
        _mm256_madd_epi16(_mm256_maddubs_epi16(row.magnitude, _mm256_sign_epi8(token, row.codes)), _mm256_set1_epi16(1))
    }
}

#if MOE_AVX512_VNNI
/// AVX-512 VNNI: one `vpdpbusd` per pair on `x + 128` (unsigned bytes) times the signed
/// codes, starting from `-128 * (sum of each lane's 4 codes)`, which cancels the offset
/// (the all-lanes masked form: the plain 256-bit intrinsic is a C macro Swift cannot import).
enum OffsetPairDot: Q8PairDot {
    /// The codes and the per-lane offset correction.
    struct Row {
        let codes: __m256i
        let correction: __m256i
    }

    @inline(__always)
    static func row(_ codes: __m256i) -> Row {
        let offsetSums = _mm256_mask_dpbusd_epi32(_mm256_setzero_si256(), 0xFF, _mm256_set1_epi8(-128), codes)
        return Row(codes: codes, correction: _mm256_sub_epi32(_mm256_setzero_si256(), offsetSums))
    }

    @inline(__always)
    static func token(_ x: __m256i) -> __m256i { _mm256_xor_si256(x, _mm256_set1_epi8(-128)) }

    @inline(__always)
    static func dot(_ row: Row, _ token: __m256i) -> __m256i {
        _mm256_mask_dpbusd_epi32(row.correction, 0xFF, token, row.codes)
    }
}
#endif

/// A count of tokens one tile multiplies, known at compile time so the tile's loops unroll
/// and its accumulators stay in registers.
protocol TokenTile {
    /// Tokens in the tile (1...3).
    static var count: Int { get }
}

enum OneToken: TokenTile { static var count: Int { 1 } }
enum TwoTokens: TokenTile { static var count: Int { 2 } }
enum ThreeTokens: TokenTile { static var count: Int { 3 } }

/// What a tile of 4 weight rows x up to 3 tokens reads: the rows (missing rows repeat the
/// last valid one) and the tokens' quantised activations, scales and sums (tokens past the
/// tile repeat its first).
struct TileOperands {
    /// Start of each of the 4 weight rows.
    let rows: (UnsafeRawPointer, UnsafeRawPointer, UnsafeRawPointer, UnsafeRawPointer)
    /// `(cols)` quantised activations of each token.
    let codes: (UnsafePointer<Int8>, UnsafePointer<Int8>, UnsafePointer<Int8>)
    /// `(cols / 32)` block scales of each token.
    let scales: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>)
    /// `(cols / 32)` block sums of each token.
    let sums: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>)

    /// Rows `firstRow ..< firstRow + validRows` (at most 4) and tokens `firstToken ..< +
    /// T.count` of `w` and `x`.
    @inline(__always)
    init<T: TokenTile>(_: T.Type, _ w: WeightMatrix, x: ActivationQ8, firstToken: Int, firstRow: Int, validRows: Int) {
        let blocks = w.cols / 32, last = firstRow + validRows - 1
        rows = (w.base + firstRow * w.rowBytes, w.base + Swift.min(firstRow + 1, last) * w.rowBytes,
                w.base + Swift.min(firstRow + 2, last) * w.rowBytes, w.base + Swift.min(firstRow + 3, last) * w.rowBytes)
        let t1 = T.count > 1 ? firstToken + 1 : firstToken, t2 = T.count > 2 ? firstToken + 2 : firstToken
        codes = (UnsafePointer(x.q + firstToken * w.cols), UnsafePointer(x.q + t1 * w.cols), UnsafePointer(x.q + t2 * w.cols))
        scales = (UnsafePointer(x.scale + firstToken * blocks), UnsafePointer(x.scale + t1 * blocks), UnsafePointer(x.scale + t2 * blocks))
        sums = (UnsafePointer(x.sum + firstToken * blocks), UnsafePointer(x.sum + t1 * blocks), UnsafePointer(x.sum + t2 * blocks))
    }
}

/// One weight row's sums for the tokens of a tile: 8 f32 lanes and a `min` term per token.
struct TileRowSums {
    var lanes0 = SIMD8<Float>(), lanes1 = SIMD8<Float>(), lanes2 = SIMD8<Float>()
    var min0: Float = 0, min1: Float = 0, min2: Float = 0
}

/// The prefill matmul of 32-weight block formats with integer dot products, for any number
/// of tokens: the activations are quantised to q8_0 once (`ActivationQ8`, as llama.cpp
/// does), and tiles of 4 weight rows x up to 3 tokens decode each weight block once and use
/// it for every token of the tile. Each 4-row tile stays in L1 while all token tiles pass
/// over it, so weights are read from memory once per matmul.
enum MatmulQ8Int {
    /// `y[t, r] = sum_c w[r, c] * x[t, c]` for rows `rows` and every token of `x`.
    ///
    /// - y: `(tokens, w.rows)`; only the rows' columns are written
    @inline(__always)
    static func rows<B: Q8IntBlock, D: Q8PairDot>(
        _: B.Type, _: D.Type, _ w: WeightMatrix, x: ActivationQ8, tokens: Int, y: UnsafeMutablePointer<Float>,
        rows: Range<Int>
    ) {
        var r0 = rows.lowerBound
        while r0 < rows.upperBound {
            let valid = Swift.min(4, rows.upperBound - r0)
            var t0 = 0
            while t0 < tokens {
                switch tokens - t0 {
                case 1: tile(B.self, D.self, OneToken.self, w, x: x, firstToken: t0, y: y, firstRow: r0, validRows: valid)
                case 2: tile(B.self, D.self, TwoTokens.self, w, x: x, firstToken: t0, y: y, firstRow: r0, validRows: valid)
                default: tile(B.self, D.self, ThreeTokens.self, w, x: x, firstToken: t0, y: y, firstRow: r0, validRows: valid)
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
    static func tile<B: Q8IntBlock, D: Q8PairDot, T: TokenTile>(
        _: B.Type, _: D.Type, _: T.Type, _ w: WeightMatrix, x: ActivationQ8, firstToken: Int,
        y: UnsafeMutablePointer<Float>, firstRow: Int, validRows: Int
    ) {
        let blocks = w.cols / 32
        let o = TileOperands(T.self, w, x: x, firstToken: firstToken, firstRow: firstRow, validRows: validRows)
        var (p0, p1, p2, p3) = o.rows
        let (q0, q1, q2) = o.codes, (s0, s1, s2) = o.scales, (m0, m1, m2) = o.sums
        var a0 = TileRowSums(), a1 = TileRowSums(), a2 = TileRowSums(), a3 = TileRowSums()
        for b in 0..<blocks {
            let x0 = D.token(load(q0 + 32 &* b))
            let x1 = T.count > 1 ? D.token(load(q1 + 32 &* b)) : x0
            let x2 = T.count > 2 ? D.token(load(q2 + 32 &* b)) : x0
            let xs = (SIMD8<Float>(repeating: s0[b]), SIMD8<Float>(repeating: s1[b]), SIMD8<Float>(repeating: s2[b]))
            let xm = (m0[b], m1[b], m2[b])
            accumulate(B.self, D.self, T.self, p0, (x0, x1, x2), xs, xm, &a0)
            accumulate(B.self, D.self, T.self, p1, (x0, x1, x2), xs, xm, &a1)
            accumulate(B.self, D.self, T.self, p2, (x0, x1, x2), xs, xm, &a2)
            accumulate(B.self, D.self, T.self, p3, (x0, x1, x2), xs, xm, &a3)
            p0 += B.bytes; p1 += B.bytes; p2 += B.bytes; p3 += B.bytes
        }
        let out = y + firstToken * w.rows + firstRow
        store(T.self, a0, out, stride: w.rows)
        if validRows > 1 { store(T.self, a1, out + 1, stride: w.rows) }
        if validRows > 2 { store(T.self, a2, out + 2, stride: w.rows) }
        if validRows > 3 { store(T.self, a3, out + 3, stride: w.rows) }
    }

    /// Writes one row's sums for the tile's tokens, `stride` apart.
    @inline(__always)
    static func store<T: TokenTile>(_: T.Type, _ sums: TileRowSums, _ out: UnsafeMutablePointer<Float>, stride: Int) {
        out[0] = SIMDReduce.sum(sums.lanes0) + sums.min0
        if T.count > 1 { out[stride] = SIMDReduce.sum(sums.lanes1) + sums.min1 }
        if T.count > 2 { out[2 * stride] = SIMDReduce.sum(sums.lanes2) + sums.min2 }
    }

    /// Adds one weight block's products with the tile's tokens to `sums`.
    @inline(__always)
    static func accumulate<B: Q8IntBlock, D: Q8PairDot, T: TokenTile>(
        _: B.Type, _: D.Type, _: T.Type, _ block: UnsafeRawPointer, _ x: (__m256i, __m256i, __m256i),
        _ xScale: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>), _ xSum: (Float, Float, Float), _ sums: inout TileRowSums
    ) {
        let row = D.row(B.codes(block))
        let scale = SIMD8<Float>(repeating: B.scale(block))
        sums.lanes0.addProduct(_mm256_cvtepi32_ps(D.dot(row, x.0)) * scale, xScale.0)
        if T.count > 1 { sums.lanes1.addProduct(_mm256_cvtepi32_ps(D.dot(row, x.1)) * scale, xScale.1) }
        if T.count > 2 { sums.lanes2.addProduct(_mm256_cvtepi32_ps(D.dot(row, x.2)) * scale, xScale.2) }
        if B.hasMin {
            let min = B.min(block)
            sums.min0 += min * xSum.0
            if T.count > 1 { sums.min1 += min * xSum.1 }
            if T.count > 2 { sums.min2 += min * xSum.2 }
        }
    }

    /// 32 quantised activations.
    @inline(__always)
    static func load(_ p: UnsafePointer<Int8>) -> __m256i {
        unsafeBitCast(UnsafeRawPointer(p).loadUnaligned(as: SIMD32<Int8>.self), to: __m256i.self)
    }
}
#endif
