extension Kernels {
    /// `output[t, r] = sum_c weight[r, c] * input[t, c]`, f32 accumulation, rows split
    /// across `pool`.
    ///
    /// `tokens == 1` is the bandwidth-bound decode matvec (four sequential row streams per
    /// thread), as is every token of up to `MatmulDriver.matvecTokenLimit` on block types; for
    /// more tokens, tiles of weight rows are widened to f32 once and reused for every token:
    /// as an outer product over panels of 8 tokens (`MatmulPanels`) when little padding is
    /// wasted, else as dot products of 4 rows x 3 tokens. ggml block types
    /// (`weight.type.isBlockQuantized`) need `weight.cols` to be a multiple of the block size;
    /// their decode matvec on x86-64
    /// quantises `input` to q8_0 blocks and uses integer dot products, as llama.cpp does, so
    /// each output may differ from the exact f32 result by up to
    /// `sum over 32-blocks b of max|x_b| / 254 * sum_{c in b} |w[r, c]|` (about 0.4% relative
    /// on random data); every other path accumulates the exact f32 products in f32. Any sizes are accepted; zero rows or tokens do
    /// nothing. `output` must not overlap `input` or the weights.
    ///
    /// With `quantisedInput`, 32-weight block types on x86-64 quantise the input for any
    /// number of tokens (the integer tiles, llama.cpp's arithmetic for every matmul) instead of
    /// multiplying more than a few tokens exactly: faster where most matmuls see a handful to a
    /// few dozen tokens, as a prompt's routed experts do.
    ///
    /// - input: `(tokens, weight.cols)`
    /// - output: `(tokens, weight.rows)`
    public static func matmul(
        _ weight: WeightMatrix, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        tokens: Int, quantisedInput: Bool = false, pool: ThreadPool
    ) {
        matmul(weight, input: input, output: output, tokens: tokens,
               form: MatmulDriver.form(weight, tokens: tokens, quantisedInput: quantisedInput), pool: pool)
    }

    /// `matmul` in a given form, for benchmarks comparing the forms. `.integerTiles` needs a
    /// 32-weight block type on x86-64 and `.matvecPerToken` a block type; `.matvec` runs one
    /// matvec per token.
    ///
    /// - input: `(tokens, weight.cols)`
    /// - output: `(tokens, weight.rows)`
    @_spi(Benchmarks)
    public static func matmul(
        _ weight: WeightMatrix, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        tokens: Int, form: MatmulForm, pool: ThreadPool
    ) {
        guard weight.rows > 0, tokens > 0 else { return }
        switch form {
        case .matvec:
            for t in 0..<tokens {
                MatmulDriver.matvec(weight, input: input + t * weight.cols, output: output + t * weight.rows, pool: pool)
            }
        case .matvecPerToken:
            #if arch(x86_64)
            MatmulDriver.matvecQ8IntTokens(weight, input: input, output: output, tokens: tokens, pool: pool)
            #else
            for t in 0..<tokens {
                MatmulDriver.matvec(weight, input: input + t * weight.cols, output: output + t * weight.rows, pool: pool)
            }
            #endif
        case .integerTiles:
            #if arch(x86_64)
            MatmulDriver.matmulQ8Int(weight, input: input, output: output, tokens: tokens, pool: pool)
            #endif
        case .panels:
            MatmulPanels.matmul(weight, input: input, output: output, tokens: tokens, pool: pool)
        case .dotProducts:
            MatmulDriver.prefill(weight, input: input, output: output, tokens: tokens, pool: pool)
        }
    }
}

extension Kernels {
    /// `Kernels.matmul` for several products of `tokens` rows each, e.g. the q/k/v or
    /// gate/up projections of one input: one token is one `matvecGroup` dispatch; products of
    /// one shared input that all take the panel form share its packing and one dispatch, and
    /// those that all take the integer tiles share its quantisation and one dispatch; any
    /// others run one after another. `quantisedInput` as for one product.
    ///
    /// - job.input: `(tokens, job.weight.cols)`
    /// - job.output: `(tokens, job.weight.rows)`
    public static func matmul(_ jobs: [MatvecJob], tokens: Int, quantisedInput: Bool = false, pool: ThreadPool) {
        guard let first = jobs.first, tokens > 0 else { return }
        let shared = MatmulDriver.sharedForm(jobs, tokens: tokens, quantisedInput: quantisedInput)
        if tokens == 1 {
            matvecGroup(jobs, pool: pool)
        } else if shared == .panels {
            MatmulPanels.matmul(jobs.map(\.weight), input: first.input, outputs: jobs.map(\.output), tokens: tokens, pool: pool)
        } else if shared == .integerTiles {
            #if arch(x86_64)
            MatmulDriver.matmulQ8Int(jobs.map(\.weight), input: first.input, outputs: jobs.map(\.output), tokens: tokens,
                                     pool: pool)
            #endif
        } else {
            for job in jobs {
                matmul(job.weight, input: job.input, output: job.output, tokens: tokens, quantisedInput: quantisedInput, pool: pool)
            }
        }
    }
}

/// Splits a matmul into chunks of 8-row tiles for the pool and runs the microkernels.
enum MatmulDriver {
    /// Rows per tile.
    static var tileRows: Int { 8 }
    /// Most tokens for which block-type weights quantise the input and use integer dot
    /// products (per-token decode matvecs, or the integer tiles for 32-weight types on
    /// x86-64), as the decode step does; more tokens widen the weights to f32 and multiply
    /// exactly. Widening costs more than the integer products of this few tokens (measured:
    /// 2 tokens 2x, 5 tokens 1.1x faster on 512 x 1024 q8_0 with per-token matvecs; the tiles
    /// run 512 x 2048 q8_0 at 2-5 tokens 1.6-1.9x faster than per-token matvecs).
    static var matvecTokenLimit: Int { 5 }
    /// Pool chunks per thread: enough for balance, few enough that the shared counter is cheap.
    static var chunksPerThread: Int { 8 }


    /// The form `Kernels.matmul` uses for `tokens` rows of `weight`.
    static func form(_ weight: WeightMatrix, tokens: Int, quantisedInput: Bool = false) -> MatmulForm {
        if tokens == 1 { return .matvec }
        #if arch(x86_64)
        if hasIntegerTiles(weight.type) && (tokens <= matvecTokenLimit || quantisedInput) { return .integerTiles }
        #endif
        if weight.type.isBlockQuantized && tokens <= matvecTokenLimit { return .matvecPerToken }
        return MatmulPanels.suits(tokens: tokens) ? .panels : .dotProducts
    }

    /// The form every job takes, if they share one input and its width and none is empty.
    static func sharedForm(_ jobs: [MatvecJob], tokens: Int, quantisedInput: Bool = false) -> MatmulForm? {
        guard let first = jobs.first else { return nil }
        let form = MatmulDriver.form(first.weight, tokens: tokens, quantisedInput: quantisedInput)
        let shared = jobs.allSatisfy {
            $0.input == first.input && $0.weight.cols == first.weight.cols && $0.weight.rows > 0
                && MatmulDriver.form($0.weight, tokens: tokens, quantisedInput: quantisedInput) == form
        }
        return shared ? form : nil
    }

    /// Calls `body` with ranges of row tiles covering `0 ..< ceil(rows / 8)`, spread over `pool`.
    @inline(__always)
    static func forEachChunk(rows: Int, pool: ThreadPool, _ body: (Range<Int>) -> Void) {
        let tiles = (rows + tileRows - 1) / tileRows
        let tilesPerChunk = max(1, tiles / (pool.threadCount * chunksPerThread))
        let chunks = (tiles + tilesPerChunk - 1) / tilesPerChunk
        pool.parallelFor(chunks) { chunk in
            body(chunk * tilesPerChunk..<min(tiles, (chunk + 1) * tilesPerChunk))
        }
    }

    /// The decode matvec (one token): 8 rows at a time, widened to f32 in registers.
    ///
    /// - input: `(weight.cols)`
    /// - output: `(weight.rows)`
    static func matvec(
        _ weight: WeightMatrix, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, pool: ThreadPool
    ) {
        switch weight.type {
        case .f32: matvec(F32Loader.self, weight, input: input, output: output, pool: pool)
        case .f16: matvec(F16Loader.self, weight, input: input, output: output, pool: pool)
        case .bf16: matvec(BF16Loader.self, weight, input: input, output: output, pool: pool)
        #if arch(x86_64)
        case .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .mxfp4, .q4_K, .q5_K, .q6_K:
            matvecQ8Int(weight, input: input, output: output, pool: pool)
        #else
        case .q8_0: matvecBlocks(Q8_0Block.self, weight, input: input, output: output, pool: pool)
        case .q4_0: matvecBlocks(Q4_0Block.self, weight, input: input, output: output, pool: pool)
        case .q4_1: matvecBlocks(Q4_1Block.self, weight, input: input, output: output, pool: pool)
        case .q5_0: matvecBlocks(Q5_0Block.self, weight, input: input, output: output, pool: pool)
        case .q5_1: matvecBlocks(Q5_1Block.self, weight, input: input, output: output, pool: pool)
        case .mxfp4: matvecBlocks(MXFP4Block.self, weight, input: input, output: output, pool: pool)
        case .q4_K: matvecBlocks(Q4_KBlock.self, weight, input: input, output: output, pool: pool)
        case .q5_K: matvecBlocks(Q5_KBlock.self, weight, input: input, output: output, pool: pool)
        case .q6_K: matvecBlocks(Q6_KBlock.self, weight, input: input, output: output, pool: pool)
        #endif
        }
    }

    /// Rows per decode chunk: few, long chunks, since each is walked as four sequential
    /// streams and longer streams read faster; two chunks per thread still balance a thread
    /// that starts late.
    static func matvecChunkRows(_ weight: WeightMatrix, pool: ThreadPool) -> Int {
        Swift.max(64, (weight.rows + 2 * pool.threadCount - 1) / (2 * pool.threadCount))
    }

    /// `matvec` specialized for one ggml block type.
    ///
    /// - input: `(weight.cols)`
    /// - output: `(weight.rows)`
    static func matvecBlocks<B: QuantBlock>(
        _: B.Type, _ weight: WeightMatrix, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        pool: ThreadPool
    ) {
        let chunkRows = matvecChunkRows(weight, pool: pool)
        let chunks = (weight.rows + chunkRows - 1) / chunkRows
        pool.parallelFor(chunks) { chunk in
            let first = chunk * chunkRows
            MatvecQuantStreams.rows(B.self, weight, x: input, y: output, first: first,
                                    count: Swift.min(chunkRows, weight.rows - first))
        }
    }

    /// `matvec` specialized for one storage type.
    ///
    /// - input: `(weight.cols)`
    /// - output: `(weight.rows)`
    static func matvec<L: WeightLoader>(
        _: L.Type, _ weight: WeightMatrix, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        pool: ThreadPool
    ) {
        let chunkRows = matvecChunkRows(weight, pool: pool)
        let chunks = (weight.rows + chunkRows - 1) / chunkRows
        pool.parallelFor(chunks) { chunk in
            let first = chunk * chunkRows
            MatvecStreams.rows(L.self, weight, x: input, y: output, first: first, count: Swift.min(chunkRows, weight.rows - first))
        }
    }

    /// Columns per prefill block: an 8-row tile of a block (32 KB of f32) stays in L1 and the
    /// block of every token's input in L2 while it is reused. A multiple of every
    /// `WeightType.blockSize`, so blocks of a quantised row are whole storage blocks.
    /// Measured here: 1024 beat 512 by 35% on expert-shaped (512 x 1024, 16 tokens) q8_0 and
    /// bf16 matmuls, and beat 2048.
    static var blockCols: Int { 1024 }

    /// The prefill matmul. Columns are processed in blocks; each 8-row tile of a block is
    /// copied (widened to f32) into a small contiguous buffer once and multiplied with all
    /// tokens, 4 rows x 3 tokens at a time, accumulating into `output` across blocks.
    ///
    /// - input: `(tokens, weight.cols)`
    /// - output: `(tokens, weight.rows)`
    static func prefill(
        _ weight: WeightMatrix, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        tokens: Int, pool: ThreadPool
    ) {
        let cols = weight.cols, rows = weight.rows, block = blockCols
        forEachChunk(rows: rows, pool: pool) { tiles in
            let w = UnsafeMutablePointer<Float>.allocate(capacity: tileRows * block)  // (tileRows, block)
            defer { w.deallocate() }
            var c0 = 0
            while c0 < cols {
                let n = min(block, cols - c0)
                for tile in tiles {
                    let firstRow = tile * tileRows
                    let tileRowCount = min(tileRows, rows - firstRow)
                    for k in 0..<tileRowCount {
                        Kernels.decode(weight, row: firstRow + k, columns: c0..<c0 + n, into: w + k * block)
                    }
                    var sub = 0
                    while sub < tileRowCount {
                        prefillRows4(
                            w + sub * block, rowStride: block, rowCount: min(4, tileRowCount - sub),
                            input: input + c0, output: output + firstRow + sub, rows: rows, tokens: tokens,
                            cols: cols, blockCols: n, accumulate: c0 > 0)
                        sub += 4
                    }
                }
                c0 += n
            }
        }
    }

    /// Up to 4 f32 rows times every token over one column block, 3 tokens per pass and the
    /// remaining 1 or 2 one at a time; writes or (when `accumulate`) adds to the output.
    ///
    /// - w: `(rowCount, rowStride)`, rowCount in 1...4, first `blockCols` columns used
    /// - input: `(tokens, cols)`, first `blockCols` columns used
    /// - output: `(tokens, rows)`, columns `0 ..< rowCount` updated
    @inline(__always)
    static func prefillRows4(
        _ w: UnsafePointer<Float>, rowStride: Int, rowCount: Int, input: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>, rows: Int, tokens: Int, cols: Int, blockCols: Int, accumulate: Bool
    ) {
        let lastRow = rowCount - 1
        let w0 = w, w1 = w + min(1, lastRow) * rowStride
        let w2 = w + min(2, lastRow) * rowStride, w3 = w + min(3, lastRow) * rowStride
        var t = 0
        while t + 3 <= tokens {
            let (s0, s1, s2) = MatmulMicrokernels.rows4Tokens3(
                w0, w1, w2, w3, input + t * cols, input + (t + 1) * cols, input + (t + 2) * cols, cols: blockCols)
            store(s0, output + t * rows, count: rowCount, accumulate: accumulate)
            store(s1, output + (t + 1) * rows, count: rowCount, accumulate: accumulate)
            store(s2, output + (t + 2) * rows, count: rowCount, accumulate: accumulate)
            t += 3
        }
        while t < tokens {
            let s = MatmulMicrokernels.rows4Tokens1(w0, w1, w2, w3, input + t * cols, cols: blockCols)
            store(s, output + t * rows, count: rowCount, accumulate: accumulate)
            t += 1
        }
    }

    /// Writes (or adds, when `accumulate`) the first `count` lanes of `sums` to `out[0 ..< count]`.
    ///
    /// - out: `(count)`
    @inline(__always)
    static func store(_ sums: SIMD4<Float>, _ out: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool) {
        if accumulate {
            for k in 0..<count { out[k] += sums[k] }
        } else {
            for k in 0..<count { out[k] = sums[k] }
        }
    }
}

/// How `Kernels.matmul` multiplies `tokens` rows by `weight` (`MatmulDriver.form` chooses;
/// benchmarks may force one).
@_spi(Benchmarks)
public enum MatmulForm: String, Sendable, CaseIterable {
    /// One token: the bandwidth-bound decode matvec.
    case matvec
    /// A few tokens on a block type: the decode matvec for each.
    case matvecPerToken
    /// A few tokens on a 32-weight block type on x86-64: tiles of 4 rows x 3 tokens with
    /// integer dot products (`MatmulQ8Int`), the same arithmetic as per-token matvecs.
    case integerTiles
    /// The outer product over 8-token panels (`MatmulPanels`).
    case panels
    /// Dot products of 4 widened rows x 3 tokens, where panels would waste their padding.
    case dotProducts
}
