/// The prefill matmul's outer-product form: the input transposed into panels of 8 tokens, so a
/// weight element broadcast against one panel row updates 8 tokens at once and no dot product
/// needs a horizontal sum.
///
/// Each 6-row tile of the weight is widened to f32 (one storage block at a time when one pass
/// covers every token, whole otherwise) and multiplied with 16 tokens (two panels) per pass, 12
/// accumulators kept in registers over all columns.
enum MatmulPanels {
    /// Tokens per panel: one 8-lane vector.
    static var panelTokens: Int { 8 }
    /// Weight rows per tile: 6 broadcasts against 2 panels is 12 accumulators and 2 operands.
    static var tileRows: Int { 6 }

    /// Whether the panel form beats the dot-product form for `tokens`, from q8_0 measurements
    /// of both on one core (expert-shaped 512 x 1024): padding lanes are wasted work, and a
    /// lone panel pass (3 panels) is slower than a pair.
    static func suits(tokens: Int) -> Bool {
        let groups = (tokens + panelTokens - 1) / panelTokens
        let padding = groups * panelTokens - tokens
        switch groups {
        case 1: return padding == 0
        case 2: return padding <= 4
        case 3: return false
        case 4, 5: return padding <= 2
        default: return padding <= 6
        }
    }

    /// Copies `input` into zero-padded token panels, one panel per pool task.
    ///
    /// - input: `(tokens, cols)`
    /// - panels: `(ceil(tokens / 8), cols, 8)`
    static func pack(
        _ input: UnsafePointer<Float>, tokens: Int, cols: Int, into panels: UnsafeMutablePointer<Float>, pool: ThreadPool
    ) {
        pool.parallelFor((tokens + panelTokens - 1) / panelTokens) { g in
            packPanel(input, tokens: tokens, cols: cols, group: g, into: panels + g * cols * panelTokens)
        }
    }

    /// Copies tokens `8 group ..< 8 group + 8` of `input` into one zero-padded panel.
    ///
    /// - input: `(tokens, cols)`
    /// - panel: `(cols, 8)`
    @inline(__always)
    static func packPanel(
        _ input: UnsafePointer<Float>, tokens: Int, cols: Int, group: Int, into panel: UnsafeMutablePointer<Float>
    ) {
        let first = group * panelTokens, count = min(panelTokens, tokens - first)
        let rows = input + first * cols
        if count == panelTokens {
            // Eight row streams gathered into one vector store per column.
            let r0 = rows, r1 = rows + cols, r2 = rows + 2 * cols, r3 = rows + 3 * cols
            let r4 = rows + 4 * cols, r5 = rows + 5 * cols, r6 = rows + 6 * cols, r7 = rows + 7 * cols
            var c = 0
            while c < cols {
                panel.store8(SIMD8(r0[c], r1[c], r2[c], r3[c], r4[c], r5[c], r6[c], r7[c]), at: c &* 8)
                c &+= 1
            }
        } else {
            panel.initialize(repeating: 0, count: cols * panelTokens)
            for j in 0..<count {
                let row = rows + j * cols
                for c in 0..<cols { panel[c &* 8 &+ j] = row[c] }
            }
        }
    }

    /// `output[t, r] = sum_c weight[r, c] * input[t, c]` for `suits(tokens:)` token counts.
    ///
    /// - input: `(tokens, weight.cols)`
    /// - output: `(tokens, weight.rows)`
    static func matmul(
        _ weight: WeightMatrix, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        tokens: Int, pool: ThreadPool
    ) {
        matmul([weight], input: input, outputs: [output], tokens: tokens, pool: pool)
    }

    /// Several matmuls of one input (same `cols`) with one packing of the input and one pool
    /// dispatch over all their row tiles.
    ///
    /// - input: `(tokens, cols)`
    /// - outputs[i]: `(tokens, weights[i].rows)`
    static func matmul(
        _ weights: [WeightMatrix], input: UnsafePointer<Float>, outputs: [UnsafeMutablePointer<Float>],
        tokens: Int, pool: ThreadPool
    ) {
        let cols = weights[0].cols
        let groups = (tokens + panelTokens - 1) / panelTokens
        let pairs = (groups + 1) / 2
        if weights.count == 1 && weights[0].type == .f32 && pairs >= 4 * pool.threadCount {
            // Each task packs its own two panels: they stay in its core's L1 while the weight streams.
            let w = weights[0].base.assumingMemoryBound(to: Float.self), rows = weights[0].rows
            pool.parallelFor(pairs) { pair in
                let local = UnsafeMutablePointer<Float>.allocate(capacity: 2 * cols * panelTokens)  // (2, cols, 8)
                defer { local.deallocate() }
                let count = min(2, groups - 2 * pair)
                for g in 0..<count {
                    packPanel(input, tokens: tokens, cols: cols, group: 2 * pair + g, into: local + g * cols * panelTokens)
                }
                tokenPairPass(w, rows: rows, cols: cols, panels: local, count: count, firstToken: 2 * pair * panelTokens,
                              tokens: tokens, output: outputs[0])
            }
            return
        }
        let panels = UnsafeMutablePointer<Float>.allocate(capacity: groups * cols * panelTokens)  // (groups, cols, 8)
        defer { panels.deallocate() }
        pack(input, tokens: tokens, cols: cols, into: panels, pool: pool)
        var firstTile = [0]  // (weights + 1): the first global tile of each weight
        for w in weights { firstTile.append(firstTile[firstTile.count - 1] + (w.rows + tileRows - 1) / tileRows) }
        let tiles = firstTile[weights.count]
        let tilesPerChunk = max(1, tiles / (pool.threadCount * MatmulDriver.chunksPerThread))
        let chunks = (tiles + tilesPerChunk - 1) / tilesPerChunk
        pool.parallelFor(chunks) { chunk in
            let tile = UnsafeMutablePointer<Float>.allocate(capacity: tileRows * cols)  // (tileRows, cols)
            defer { tile.deallocate() }
            var job = 0
            for t in chunk * tilesPerChunk..<min(tiles, (chunk + 1) * tilesPerChunk) {
                while t >= firstTile[job + 1] { job += 1 }
                rowTile(weights[job], firstRow: (t - firstTile[job]) * tileRows, tile: tile, panels: panels, groups: groups,
                        tokens: tokens, output: outputs[job])
            }
        }
    }

    /// Rows `firstRow ..< firstRow + 6` (or fewer at the end) of `weight` against every panel.
    ///
    /// - tile: `(tileRows, weight.cols)` scratch
    /// - panels: `(groups, weight.cols, 8)`
    /// - output: `(tokens, weight.rows)`
    @inline(__always)
    static func rowTile(
        _ weight: WeightMatrix, firstRow: Int, tile: UnsafeMutablePointer<Float>, panels: UnsafePointer<Float>,
        groups: Int, tokens: Int, output: UnsafeMutablePointer<Float>
    ) {
        let cols = weight.cols, rows = weight.rows
        let rowCount = min(tileRows, rows - firstRow)
        let out = output + firstRow
        if weight.type == .f32 {
            let w = weight.base.assumingMemoryBound(to: Float.self) + firstRow * cols
            passes(w, stride: cols, lastRow: rowCount - 1, panels: panels, groups: groups, tokens: tokens,
                   cols: cols, output: out, rows: rows, rowCount: rowCount)
        } else if groups <= 2 && weight.type.isBlockQuantized {
            piecewisePass(weight, firstRow: firstRow, rowCount: rowCount, tile: tile, panels: panels,
                          groups: groups, tokens: tokens, output: out)
        } else {
            for k in 0..<tileRows {
                Kernels.decode(weight, row: firstRow + min(k, rowCount - 1), columns: 0..<cols, into: tile + k * cols)
            }
            passes(tile, stride: cols, lastRow: tileRows - 1, panels: panels, groups: groups, tokens: tokens,
                   cols: cols, output: out, rows: rows, rowCount: rowCount)
        }
    }

    /// One or two panels (tokens from `firstToken`) against every row of an f32 weight, 6
    /// rows at a time: the panels stay in L1 while the weight streams, which suits many tokens
    /// and small matrices.
    ///
    /// - w: `(rows, cols)`
    /// - panels: `(count, cols, 8)`, count in 1...2
    /// - output: `(tokens, rows)`
    static func tokenPairPass(
        _ w: UnsafePointer<Float>, rows: Int, cols: Int, panels: UnsafePointer<Float>, count: Int, firstToken: Int,
        tokens: Int, output: UnsafeMutablePointer<Float>
    ) {
        var firstRow = 0
        while firstRow < rows {
            let rowCount = min(tileRows, rows - firstRow)
            var acc = PanelAccumulators()
            if count == 2 {
                acc.rows6Vectors2(w + firstRow * cols, rowStride: cols, lastRow: rowCount - 1, panels,
                                  panels + cols * panelTokens, bStride: panelTokens, count: cols)
            } else {
                acc.rows6Vectors1(w + firstRow * cols, rowStride: cols, lastRow: rowCount - 1, panels, bStride: panelTokens,
                                  count: cols)
            }
            acc.storeTransposed(into: output + firstRow, rows: rows, rowCount: rowCount, firstToken: firstToken,
                                tokens: tokens, panels: count)
            firstRow += tileRows
        }
    }

    /// `piecewisePass` specialized for the weight's block type.
    ///
    /// - tile: `(tileRows, 256)` scratch at least
    /// - panels: `(groups, weight.cols, 8)`, groups in 1...2
    /// - output: `(tokens, weight.rows)` offset to the tile's first row
    static func piecewisePass(
        _ weight: WeightMatrix, firstRow: Int, rowCount: Int, tile: UnsafeMutablePointer<Float>,
        panels: UnsafePointer<Float>, groups: Int, tokens: Int, output: UnsafeMutablePointer<Float>
    ) {
        func run<B: QuantBlock>(_ block: B.Type) {
            piecewisePass(B.self, weight, firstRow: firstRow, rowCount: rowCount, tile: tile, panels: panels,
                          groups: groups, tokens: tokens, output: output)
        }
        switch weight.type {
        case .q8_0: run(Q8_0Block.self)
        case .q4_0: run(Q4_0Block.self)
        case .q4_1: run(Q4_1Block.self)
        case .q5_0: run(Q5_0Block.self)
        case .q5_1: run(Q5_1Block.self)
        case .q4_K: run(Q4_KBlock.self)
        case .q5_K: run(Q5_KBlock.self)
        case .q6_K: run(Q6_KBlock.self)
        case .mxfp4: run(MXFP4Block.self)
        case .f32, .f16, .bf16: preconditionFailure("piecewisePass needs a block type")
        }
    }

    /// One or two panels against a tile decoded one storage block (of all 6 rows) at a time,
    /// so the decoded weights are used while they are in registers or L1.
    ///
    /// - tile: `(tileRows, B.elements)` scratch
    /// - panels: `(groups, weight.cols, 8)`, groups in 1...2
    /// - output: `(tokens, weight.rows)` offset to the tile's first row
    @inline(__always)
    static func piecewisePass<B: QuantBlock>(
        _: B.Type, _ weight: WeightMatrix, firstRow: Int, rowCount: Int, tile: UnsafeMutablePointer<Float>,
        panels: UnsafePointer<Float>, groups: Int, tokens: Int, output: UnsafeMutablePointer<Float>
    ) {
        let cols = weight.cols, n = B.elements
        let first = weight.base + firstRow * weight.rowBytes, last = rowCount - 1, stride = weight.rowBytes
        let r0 = first, r1 = first + min(1, last) * stride, r2 = first + min(2, last) * stride
        let r3 = first + min(3, last) * stride, r4 = first + min(4, last) * stride, r5 = first + min(5, last) * stride
        @inline(__always) func decode(_ block: Int) {
            let offset = block * B.bytes
            B.decode(r0 + offset, into: tile)
            B.decode(r1 + offset, into: tile + n)
            B.decode(r2 + offset, into: tile + 2 * n)
            B.decode(r3 + offset, into: tile + 3 * n)
            B.decode(r4 + offset, into: tile + 4 * n)
            B.decode(r5 + offset, into: tile + 5 * n)
        }
        var acc = PanelAccumulators()
        let blocks = cols / n
        // Separate loops per panel count keep the accumulators in registers.
        if groups == 2 {
            for block in 0..<blocks {
                decode(block)
                let p0 = panels + block * n * panelTokens
                acc.rows6Vectors2(tile, rowStride: n, p0, p0 + cols * panelTokens, bStride: panelTokens, count: n)
            }
        } else {
            for block in 0..<blocks {
                decode(block)
                acc.rows6Vectors1(tile, rowStride: n, panels + block * n * panelTokens, bStride: panelTokens, count: n)
            }
        }
        acc.storeTransposed(into: output, rows: weight.rows, rowCount: rowCount, firstToken: 0, tokens: tokens, panels: groups)
    }

    /// Every panel against a tile whose rows are all `cols` long: two panels per pass, then one.
    ///
    /// - w: `(lastRow + 1, stride)`; rows past `lastRow` repeat it
    /// - panels: `(groups, cols, 8)`
    /// - output: `(tokens, rows)` offset to the tile's first row
    @inline(__always)
    static func passes(
        _ w: UnsafePointer<Float>, stride: Int, lastRow: Int, panels: UnsafePointer<Float>, groups: Int, tokens: Int,
        cols: Int, output: UnsafeMutablePointer<Float>, rows: Int, rowCount: Int
    ) {
        let tileW = UnsafePointer(w)
        var g = 0
        while g < groups {
            let pair = groups - g >= 2
            var acc = PanelAccumulators()
            let p0 = panels + g * cols * panelTokens
            if pair {
                acc.rows6Vectors2(tileW, rowStride: stride, lastRow: lastRow, p0, p0 + cols * panelTokens, bStride: panelTokens,
                                  count: cols)
            } else {
                acc.rows6Vectors1(tileW, rowStride: stride, lastRow: lastRow, p0, bStride: panelTokens, count: cols)
            }
            acc.storeTransposed(into: output, rows: rows, rowCount: rowCount, firstToken: g * panelTokens, tokens: tokens,
                      panels: pair ? 2 : 1)
            g += pair ? 2 : 1
        }
    }
}
