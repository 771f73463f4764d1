extension Kernels {
    /// `output[t, r] = sum_c weight[r, c] * input[t, c]`, f32 accumulation, rows split
    /// across `pool`.
    ///
    /// `tokens == 1` is the bandwidth-bound decode matvec (8 rows streamed at once); for
    /// more tokens each tile of weight rows is widened to f32 once and reused for 4 tokens
    /// at a time. Any sizes are accepted; zero rows or tokens do nothing. `output` must not
    /// overlap `input` or the weights.
    ///
    /// - input: `(tokens, weight.cols)`
    /// - output: `(tokens, weight.rows)`
    public static func matmul(
        _ weight: WeightMatrix, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        tokens: Int, pool: ThreadPool
    ) {
        guard weight.rows > 0, tokens > 0 else { return }
        if tokens == 1 {
            MatmulDriver.matvec(weight, input: input, output: output, pool: pool)
        } else {
            MatmulDriver.prefill(weight, input: input, output: output, tokens: tokens, pool: pool)
        }
    }
}

/// Splits a matmul into chunks of 8-row tiles for the pool and runs the microkernels.
enum MatmulDriver {
    /// Rows per tile.
    static var tileRows: Int { 8 }
    /// Pool chunks per thread: enough for balance, few enough that the shared counter is cheap.
    static var chunksPerThread: Int { 8 }

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
        forEachChunk(rows: weight.rows, pool: pool) { tiles in
            for tile in tiles {
                let firstRow = tile * tileRows
                let w = RowPointers8(base: weight.base, rowBytes: weight.rowBytes, firstRow: firstRow, rows: weight.rows)
                let sums = MatmulMicrokernels.rows8Token1(L.self, w, x: input, cols: weight.cols)
                store(sums, output, firstRow: firstRow, rows: weight.rows)
            }
        }
    }

    /// The prefill matmul: each 8-row tile is widened to f32 (unless already f32) into a
    /// per-chunk buffer, then multiplied with the tokens 4 rows x 4 tokens at a time.
    ///
    /// - input: `(tokens, weight.cols)`
    /// - output: `(tokens, weight.rows)`
    static func prefill(
        _ weight: WeightMatrix, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        tokens: Int, pool: ThreadPool
    ) {
        let cols = weight.cols, rows = weight.rows
        forEachChunk(rows: rows, pool: pool) { tiles in
            let widened = weight.type == .f32
                ? nil : UnsafeMutablePointer<Float>.allocate(capacity: tileRows * cols)  // (tileRows, cols)
            defer { widened?.deallocate() }
            for tile in tiles {
                let firstRow = tile * tileRows
                let tileRowCount = min(tileRows, rows - firstRow)
                let f32Rows: UnsafePointer<Float>  // (tileRowCount, cols)
                if let widened {
                    for k in 0..<tileRowCount { Kernels.decodeRow(weight, row: firstRow + k, into: widened + k * cols) }
                    f32Rows = UnsafePointer(widened)
                } else {
                    f32Rows = (weight.base + firstRow * weight.rowBytes).assumingMemoryBound(to: Float.self)
                }
                var sub = 0
                while sub < tileRowCount {
                    prefillRows4(
                        f32Rows + sub * cols, rowCount: min(4, tileRowCount - sub), input: input,
                        output: output + firstRow + sub, outputStride: rows, tokens: tokens, cols: cols)
                    sub += 4
                }
            }
        }
    }

    /// Up to 4 f32 rows times every token, 4 tokens per pass.
    ///
    /// - w: `(rowCount, cols)`, rowCount in 1...4
    /// - input: `(tokens, cols)`
    /// - output: `(tokens, outputStride)`, columns `0 ..< rowCount` written
    @inline(__always)
    static func prefillRows4(
        _ w: UnsafePointer<Float>, rowCount: Int, input: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>, outputStride: Int, tokens: Int, cols: Int
    ) {
        let lastRow = rowCount - 1
        let w0 = w, w1 = w + min(1, lastRow) * cols, w2 = w + min(2, lastRow) * cols, w3 = w + min(3, lastRow) * cols
        let lastToken = tokens - 1
        var t = 0
        while t < tokens {
            let (s0, s1, s2, s3) = MatmulMicrokernels.rows4Tokens4(
                w0, w1, w2, w3,
                input + t * cols, input + min(t + 1, lastToken) * cols,
                input + min(t + 2, lastToken) * cols, input + min(t + 3, lastToken) * cols, cols: cols)
            store(s0, output + t * outputStride, count: rowCount)
            if t + 1 < tokens { store(s1, output + (t + 1) * outputStride, count: rowCount) }
            if t + 2 < tokens { store(s2, output + (t + 2) * outputStride, count: rowCount) }
            if t + 3 < tokens { store(s3, output + (t + 3) * outputStride, count: rowCount) }
            t += 4
        }
    }

    /// Writes the lanes of `sums` for rows that exist to `out[firstRow...]`.
    ///
    /// - out: `(rows)`
    @inline(__always)
    static func store(_ sums: SIMD8<Float>, _ out: UnsafeMutablePointer<Float>, firstRow: Int, rows: Int) {
        for k in 0..<min(8, rows - firstRow) { out[firstRow + k] = sums[k] }
    }

    /// Writes the first `count` lanes of `sums` to `out[0 ..< count]`.
    ///
    /// - out: `(count)`
    @inline(__always)
    static func store(_ sums: SIMD4<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        for k in 0..<count { out[k] = sums[k] }
    }
}
