#if arch(x86_64)
extension MatmulDriver {
    /// The decode matvec of a ggml block type with integer dot products: the input is
    /// quantised once (`ActivationQ8`), then rows are split across `pool`.
    ///
    /// - input: `(weight.cols)`
    /// - output: `(weight.rows)`
    static func matvecQ8Int(
        _ weight: WeightMatrix, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, pool: ThreadPool
    ) {
        let x = ActivationQ8(input, cols: weight.cols)
        defer { x.deallocate() }
        let chunkRows = matvecChunkRows(weight, pool: pool)
        let chunks = (weight.rows + chunkRows - 1) / chunkRows
        pool.parallelFor(chunks) { chunk in
            let first = chunk * chunkRows
            q8IntRows(weight, x: x, y: output, first: first, count: Swift.min(chunkRows, weight.rows - first))
        }
    }

    /// `matvecQ8Int` for each of a few tokens in one pass of the pool: each thread runs its
    /// rows for every token in turn, so the rows are re-read from its cache.
    ///
    /// - input: `(tokens, weight.cols)`
    /// - output: `(tokens, weight.rows)`
    static func matvecQ8IntTokens(
        _ weight: WeightMatrix, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, tokens: Int,
        pool: ThreadPool
    ) {
        let xs = (0..<tokens).map { ActivationQ8(input + $0 * weight.cols, cols: weight.cols) }
        defer { for x in xs { x.deallocate() } }
        let chunkRows = matvecChunkRows(weight, pool: pool)
        let chunks = (weight.rows + chunkRows - 1) / chunkRows
        pool.parallelFor(chunks) { chunk in
            let first = chunk * chunkRows, count = Swift.min(chunkRows, weight.rows - first)
            for t in 0..<tokens {
                q8IntRows(weight, x: xs[t], y: output + t * weight.rows, first: first, count: count)
            }
        }
    }

    /// The prefill matmul of a 32-weight block format (`integerTiles`) with integer dot
    /// products: `input` is quantised once, then row tiles are split across `pool`.
    ///
    /// - input: `(tokens, weight.cols)`
    /// - output: `(tokens, weight.rows)`
    static func matmulQ8Int(
        _ weight: WeightMatrix, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, tokens: Int,
        pool: ThreadPool
    ) {
        matmulQ8Int([weight], input: input, outputs: [output], tokens: tokens, pool: pool)
    }

    /// `matmulQ8Int` for several weights of one input (gate and up): quantised once, every
    /// weight's row tiles in one dispatch.
    ///
    /// - input: `(tokens, weights[i].cols)`, the same width for all
    /// - outputs[i]: `(tokens, weights[i].rows)`
    static func matmulQ8Int(
        _ weights: [WeightMatrix], input: UnsafePointer<Float>, outputs: [UnsafeMutablePointer<Float>], tokens: Int,
        pool: ThreadPool
    ) {
        guard let first = weights.first else { return }
        let x = ActivationQ8(input, cols: first.cols, tokens: tokens, pool: pool)
        defer { x.deallocate() }
        // Chunks of row tiles per weight, sized as `forEachChunk` sizes them for all rows.
        let totalTiles = weights.reduce(0) { $0 + ($1.rows + tileRows - 1) / tileRows }
        let tilesPerChunk = max(1, totalTiles / (pool.threadCount * chunksPerThread))
        var chunks: [(weight: Int, rows: Range<Int>)] = []
        for (i, w) in weights.enumerated() {
            var row = 0
            while row < w.rows {
                let end = Swift.min(w.rows, row + tilesPerChunk * tileRows)
                chunks.append((i, row..<end))
                row = end
            }
        }
        pool.parallelFor(chunks.count) { c in
            let chunk = chunks[c]
            q8IntTiles(weights[chunk.weight], x: x, tokens: tokens, y: outputs[chunk.weight], rows: chunk.rows)
        }
    }

    /// Whether `type` has the integer-tile prefill (`MatmulQ8Int`): the 32-weight formats.
    static func hasIntegerTiles(_ type: WeightType) -> Bool {
        switch type {
        case .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .mxfp4: true
        case .f32, .f16, .bf16, .q4_K, .q5_K, .q6_K: false
        }
    }

    /// The integer tiles for the weight's type on this CPU: 512-bit (`MatmulQ8IntWide`) with
    /// AVX-512 VNNI, else 256-bit with the AVX2 pair dot product. Types without integer
    /// tiles write nothing.
    ///
    /// - y: `(tokens, weight.rows)`; only the rows' columns are written
    static func q8IntTiles(_ weight: WeightMatrix, x: ActivationQ8, tokens: Int, y: UnsafeMutablePointer<Float>,
                           rows: Range<Int>) {
        #if MOE_AVX512_VNNI
        q8IntTilesWide(weight, x: x, tokens: tokens, y: y, rows: rows)
        #else
        q8IntTiles(weight, dot: SignedPairDot.self, x: x, tokens: tokens, y: y, rows: rows)
        #endif
    }

    #if MOE_AVX512_VNNI
    /// `MatmulQ8IntWide.rows` for the weight's type.
    ///
    /// - y: `(tokens, weight.rows)`; only the rows' columns are written
    static func q8IntTilesWide(_ weight: WeightMatrix, x: ActivationQ8, tokens: Int, y: UnsafeMutablePointer<Float>,
                               rows: Range<Int>) {
        switch weight.type {
        case .q8_0: MatmulQ8IntWide.rows(Q8_0Block.self, weight, x: x, tokens: tokens, y: y, rows: rows)
        case .q4_0: MatmulQ8IntWide.rows(Q4_0Block.self, weight, x: x, tokens: tokens, y: y, rows: rows)
        case .q4_1: MatmulQ8IntWide.rows(Q4_1Block.self, weight, x: x, tokens: tokens, y: y, rows: rows)
        case .q5_0: MatmulQ8IntWide.rows(Q5_0Block.self, weight, x: x, tokens: tokens, y: y, rows: rows)
        case .q5_1: MatmulQ8IntWide.rows(Q5_1Block.self, weight, x: x, tokens: tokens, y: y, rows: rows)
        case .mxfp4: MatmulQ8IntWide.rows(MXFP4Block.self, weight, x: x, tokens: tokens, y: y, rows: rows)
        case .f32, .f16, .bf16, .q4_K, .q5_K, .q6_K: break
        }
    }
    #endif

    /// `q8IntTiles` with a chosen pair dot product.
    ///
    /// - y: `(tokens, weight.rows)`; only the rows' columns are written
    static func q8IntTiles<D: Q8PairDot>(_ weight: WeightMatrix, dot: D.Type, x: ActivationQ8, tokens: Int,
                                         y: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        switch weight.type {
        case .q8_0: MatmulQ8Int.rows(Q8_0Block.self, D.self, weight, x: x, tokens: tokens, y: y, rows: rows)
        case .q4_0: MatmulQ8Int.rows(Q4_0Block.self, D.self, weight, x: x, tokens: tokens, y: y, rows: rows)
        case .q4_1: MatmulQ8Int.rows(Q4_1Block.self, D.self, weight, x: x, tokens: tokens, y: y, rows: rows)
        case .q5_0: MatmulQ8Int.rows(Q5_0Block.self, D.self, weight, x: x, tokens: tokens, y: y, rows: rows)
        case .q5_1: MatmulQ8Int.rows(Q5_1Block.self, D.self, weight, x: x, tokens: tokens, y: y, rows: rows)
        case .mxfp4: MatmulQ8Int.rows(MXFP4Block.self, D.self, weight, x: x, tokens: tokens, y: y, rows: rows)
        case .f32, .f16, .bf16, .q4_K, .q5_K, .q6_K: break
        }
    }

    /// `y[r] = sum_c w[r, c] * x[c]` for `r` in `first ..< first + count` on the calling
    /// thread, `x` already quantised. Plain types (f32, f16, bf16) write nothing.
    ///
    /// - y: `(weight.rows)`; only the range is written
    static func q8IntRows(_ weight: WeightMatrix, x: ActivationQ8, y: UnsafeMutablePointer<Float>, first: Int, count: Int) {
        switch weight.type {
        case .q8_0: MatvecQ8Int.rows(Q8_0Block.self, weight, x: x, y: y, first: first, count: count)
        case .q4_0: MatvecQ8Int.rows(Q4_0Block.self, weight, x: x, y: y, first: first, count: count)
        case .q4_1: MatvecQ8Int.rows(Q4_1Block.self, weight, x: x, y: y, first: first, count: count)
        case .q5_0: MatvecQ8Int.rows(Q5_0Block.self, weight, x: x, y: y, first: first, count: count)
        case .q5_1: MatvecQ8Int.rows(Q5_1Block.self, weight, x: x, y: y, first: first, count: count)
        case .mxfp4: MatvecQ8Int.rows(MXFP4Block.self, weight, x: x, y: y, first: first, count: count)
        case .q4_K: MatvecQ8Int.rows(Q4_KBlock.self, weight, x: x, y: y, first: first, count: count)
        case .q5_K: MatvecQ8Int.rows(Q5_KBlock.self, weight, x: x, y: y, first: first, count: count)
        case .q6_K: MatvecQ8Int.rows(Q6_KBlock.self, weight, x: x, y: y, first: first, count: count)
        case .f32, .f16, .bf16: break
        }
    }
}
#endif
