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
