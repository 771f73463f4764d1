extension Kernels {
    /// `gatedDeltaRule` one token at a time, the form for decode: every token reads the state
    /// twice and writes it once. Value heads are spread over `pool`; within a head the state's
    /// value columns are independent, so each block of `recurrentColumns` columns runs through
    /// all tokens while it stays in L1.
    ///
    /// - query, key: `(tokens, keyHeads * keyDim)`
    /// - value: `(tokens, valueHeads * valueDim)`
    /// - logDecay, beta: `(tokens, valueHeads)`
    /// - state: `(valueHeads, keyDim, valueDim)`, updated in place
    /// - output: `(tokens, valueHeads * valueDim)`
    public static func gatedDeltaRuleRecurrent(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
        logDecay: UnsafePointer<Float>, beta: UnsafePointer<Float>, tokens: Int, heads: DeltaNetHeads,
        state: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, pool: ThreadPool
    ) {
        precondition(tokens >= 0, "gatedDeltaRuleRecurrent: negative token count")
        guard tokens > 0 else { return }
        pool.parallelFor(heads.valueHeads) { h in
            recurrentHead(DeltaRuleHead(h, heads: heads, query: query, key: key, value: value, logDecay: logDecay,
                                        beta: beta, state: state, output: output), tokens: tokens)
        }
    }

    /// Value columns of the state that one pass of the recurrence carries in registers.
    private typealias RecurrentColumns = SIMD32<Float>

    /// The recurrence of one value head on the calling thread.
    private static func recurrentHead(_ head: DeltaRuleHead, tokens: Int) {
        let scalars = UnsafeMutablePointer<RecurrentTokenScalars>.allocate(capacity: tokens)  // (tokens)
        defer { scalars.deallocate() }
        var first = 0
        while first < tokens {
            let count = min(8, tokens - first)
            let decays = head.decays(from: first, count: count)
            for lane in 0..<count {
                let t = first + lane
                let keyScale = head.keyScale(t), queryScale = head.queryScale(t)
                scalars[t] = RecurrentTokenScalars(
                    keyScale: keyScale, queryScale: queryScale, decay: decays[lane], beta: head.beta(t),
                    keyQuery: keyScale * queryScale * dot(head.key(t), head.query(t), count: head.keyDim))
            }
            first += count
        }
        let keyDim = head.keyDim, valueDim = head.valueDim
        let wide = RecurrentColumns.scalarCount
        var column = 0
        while column + wide <= valueDim {
            for t in 0..<tokens {
                let v = UnsafeRawPointer(head.value(t) + column).loadUnaligned(as: RecurrentColumns.self)
                let o = recurrentStep(columns: head.state + column, rowStride: valueDim, keyDim: keyDim,
                                      key: head.key(t), query: head.query(t), value: v, scalars: scalars[t])
                UnsafeMutableRawPointer(head.output(t) + column).storeBytes(of: o, as: RecurrentColumns.self)
            }
            column += wide
        }
        while column + 8 <= valueDim {
            for t in 0..<tokens {
                let o = recurrentStep(columns: head.state + column, rowStride: valueDim, keyDim: keyDim,
                                      key: head.key(t), query: head.query(t), value: head.value(t).load8(column),
                                      scalars: scalars[t])
                head.output(t).store8(o, at: column)
            }
            column += 8
        }
        guard column < valueDim else { return }
        // The last columns (fewer than 8) run on a zero-padded copy.
        let rest = valueDim - column
        let padded = UnsafeMutablePointer<Float>.allocate(capacity: keyDim * 8)  // (keyDim, 8)
        defer { padded.deallocate() }
        for i in 0..<keyDim {
            padded.store8(UnsafePointer(head.state + i * valueDim).loadPartial8(column, count: rest), at: i * 8)
        }
        for t in 0..<tokens {
            let o = recurrentStep(columns: padded, rowStride: 8, keyDim: keyDim, key: head.key(t), query: head.query(t),
                                  value: head.value(t).loadPartial8(column, count: rest), scalars: scalars[t])
            head.output(t).storePartial8(o, at: column, count: rest)
        }
        for i in 0..<keyDim {
            (head.state + i * valueDim).storePartial8(padded.load8(i * 8), at: column, count: rest)
        }
    }

    /// One token of the recurrence on a block of the state's value columns; returns the
    /// token's output for those columns.
    ///
    /// With `k`, `q` the raw key and query, `k^ = keyScale k` and `q^ = queryScale q` the
    /// normalised ones, and `S` the decayed state `decay * columns`: `delta = beta (v - S^T k^)`,
    /// `columns <- S + k^ delta^T`, and the output `(S + k^ delta^T)^T q^ = S^T q^ + (k^ . q^) delta`,
    /// so one pass reads both products and a second writes the state.
    ///
    /// - columns: `(keyDim, rowStride)`, `Lanes.scalarCount` columns used
    /// - key, query: `(keyDim)`
    @inline(__always)
    private static func recurrentStep<Lanes: SIMD>(
        columns: UnsafeMutablePointer<Float>, rowStride: Int, keyDim: Int, key: UnsafePointer<Float>,
        query: UnsafePointer<Float>, value: Lanes, scalars: RecurrentTokenScalars
    ) -> Lanes where Lanes.Scalar == Float {
        var keyProducts = Lanes(), queryProducts = Lanes()
        for i in 0..<keyDim {
            let row = UnsafeRawPointer(columns + i * rowStride).loadUnaligned(as: Lanes.self)
            keyProducts.addProduct(key[i], row)
            queryProducts.addProduct(query[i], row)
        }
        let delta = scalars.beta * (value - (scalars.decay * scalars.keyScale) * keyProducts)
        var output = scalars.keyQuery * delta
        output.addProduct(scalars.decay * scalars.queryScale, queryProducts)
        let update = scalars.keyScale * delta
        for i in 0..<keyDim {
            let address = UnsafeMutableRawPointer(columns + i * rowStride)
            var row = scalars.decay * address.loadUnaligned(as: Lanes.self)
            row.addProduct(key[i], update)
            address.storeBytes(of: row, as: Lanes.self)
        }
        return output
    }
}

/// What one token of the recurrence needs besides its vectors.
private struct RecurrentTokenScalars {
    /// `1 / |k|` (with the 1e-6 guard): the raw key times this is the normalised key.
    let keyScale: Float
    /// `1 / |q| / sqrt(keyDim)`: the raw query times this is the normalised, scaled query.
    let queryScale: Float
    /// `exp(g_t)`.
    let decay: Float
    /// `beta_t`.
    let beta: Float
    /// The normalised key dotted with the normalised, scaled query.
    let keyQuery: Float
}
