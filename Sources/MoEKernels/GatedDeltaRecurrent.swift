extension Kernels {
    /// `gatedDeltaRule` one token at a time (what `gatedDeltaRule` runs). Value heads are
    /// spread over `pool`; results do not depend on the thread count. Within a head the
    /// state's value columns evolve independently, so each block of 64 columns (then 8) runs
    /// through all tokens on a contiguous copy that stays in L1, and a token's decay is
    /// mostly kept as a scalar of the block (see `recurrentStep`): per token and state element
    /// that leaves two multiply-adds reading the block and one writing it.
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
        // 64-byte aligned: a 16-lane access that straddles two cache lines costs two.
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: keyDim * StateColumns64.width * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: keyDim * StateColumns64.width)  // (keyDim, 64)
        defer { scratch.deallocate() }
        var column = recurrentBlocks(StateColumns64.self, from: 0, head: head, tokens: tokens, scalars: scalars, scratch: scratch)
        column = recurrentBlocks(StateColumns8.self, from: column, head: head, tokens: tokens, scalars: scalars, scratch: scratch)
        guard column < valueDim else { return }
        // The last columns (fewer than 8) run on a zero-padded copy.
        let rest = valueDim - column
        let padded = scratch  // (keyDim, 8)
        for i in 0..<keyDim {
            padded.store8(UnsafePointer(head.state + i * valueDim).loadPartial8(column, count: rest), at: i * 8)
        }
        var stateScale: Float = 1
        for t in 0..<tokens {
            let value = StateColumns8(lanes: head.value(t).loadPartial8(column, count: rest))
            let o = recurrentStep(columns: padded, rowStride: 8, keyDim: keyDim, key: head.key(t), query: head.query(t),
                                  value: value, scalars: scalars[t], stateScale: &stateScale, last: t == tokens - 1)
            head.output(t).storePartial8(o.lanes, at: column, count: rest)
        }
        for i in 0..<keyDim {
            (head.state + i * valueDim).storePartial8(padded.load8(i * 8), at: column, count: rest)
        }
    }

    /// Runs all tokens on each whole block of `Columns.width` state columns from `column` on;
    /// returns the first column left over. From `contiguousBlockTokens` tokens a block runs on
    /// a contiguous copy in `scratch`: in place, its rows (`valueDim` apart, a power of two in
    /// real models) would fall into a fraction of the L1 cache's sets and not stay there.
    ///
    /// - scratch: `(keyDim, Columns.width)`
    @inline(__always)
    private static func recurrentBlocks<Columns: StateColumns>(
        _: Columns.Type, from column: Int, head: DeltaRuleHead, tokens: Int,
        scalars: UnsafePointer<RecurrentTokenScalars>, scratch: UnsafeMutablePointer<Float>
    ) -> Int {
        let width = Columns.width, keyDim = head.keyDim, valueDim = head.valueDim
        let copied = tokens >= contiguousBlockTokens
        var column = column
        while column + width <= valueDim {
            let block = copied ? scratch : head.state + column, rowStride = copied ? width : valueDim
            if copied {
                for i in 0..<keyDim { (scratch + i * width).update(from: head.state + i * valueDim + column, count: width) }
            }
            var stateScale: Float = 1
            for t in 0..<tokens {
                let o = recurrentStep(columns: block, rowStride: rowStride, keyDim: keyDim, key: head.key(t),
                                      query: head.query(t), value: Columns(head.value(t) + column), scalars: scalars[t],
                                      stateScale: &stateScale, last: t == tokens - 1)
                o.store(to: head.output(t) + column)
            }
            if copied {
                for i in 0..<keyDim { (head.state + i * valueDim + column).update(from: scratch + i * width, count: width) }
            }
            column += width
        }
        return column
    }

    /// Tokens from which `gatedDeltaRuleRecurrent` runs each block of columns on a contiguous
    /// copy of it.
    static var contiguousBlockTokens: Int { 2 }

    /// One token of the recurrence on a block of the state's value columns; returns the
    /// token's output for those columns.
    ///
    /// The block holds the state divided by `stateScale`, so that the decay of most tokens is
    /// a change of that scalar rather than a pass over the block. With `k`, `q` the raw key
    /// and query, `k^ = keyScale k` and `q^ = queryScale q` the normalised ones, `c` the
    /// decayed scale `stateScale * decay` and `S = c * columns` the decayed state:
    /// `delta = beta (v - S^T k^)`, the new state `S + k^ delta^T`, and the output
    /// `(S + k^ delta^T)^T q^ = S^T q^ + (k^ . q^) delta`, so one pass reads both products and a
    /// second writes the state: `columns += k (keyScale / c) delta^T` with `stateScale = c`,
    /// or, for the last token of a call and when `c` falls below `smallestStateScale`,
    /// `columns <- c columns + k keyScale delta^T` with `stateScale = 1`.
    ///
    /// - columns: `(keyDim, rowStride)`, `Columns.width` columns used
    /// - key, query: `(keyDim)`
    @inline(__always)
    private static func recurrentStep<Columns: StateColumns>(
        columns: UnsafeMutablePointer<Float>, rowStride: Int, keyDim: Int, key: UnsafePointer<Float>,
        query: UnsafePointer<Float>, value: Columns, scalars: RecurrentTokenScalars, stateScale: inout Float, last: Bool
    ) -> Columns {
        var keyProducts = Columns(), queryProducts = Columns()
        for i in 0..<keyDim {
            let row = Columns(columns + i * rowStride)
            keyProducts.add(key[i], times: row)
            queryProducts.add(query[i], times: row)
        }
        let scale = stateScale * scalars.decay
        var delta = value
        delta.add(-scale * scalars.keyScale, times: keyProducts)
        delta.scale(by: scalars.beta)
        var output = delta
        output.scale(by: scalars.keyQuery)
        output.add(scale * scalars.queryScale, times: queryProducts)
        var update = delta
        if last || scale < smallestStateScale {
            update.scale(by: scalars.keyScale)
            for i in 0..<keyDim {
                var row = Columns(columns + i * rowStride)
                row.scale(by: scale)
                row.add(key[i], times: update)
                row.store(to: columns + i * rowStride)
            }
            stateScale = 1
        } else {
            update.scale(by: scalars.keyScale / scale)
            for i in 0..<keyDim {
                var row = Columns(columns + i * rowStride)
                row.add(key[i], times: update)
                row.store(to: columns + i * rowStride)
            }
            stateScale = scale
        }
        return output
    }

    /// The smallest scale a block of the recurrence's state is kept at before the scale is
    /// multiplied into it (the block then holds at most 1e6 times the state).
    static var smallestStateScale: Float { 1e-6 }
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

/// A block of consecutive value columns of a state row that the recurrence keeps in
/// registers. Its operations are written on concrete SIMD types: the standard library's
/// generic SIMD arithmetic does not compile to vector instructions for every width.
private protocol StateColumns {
    /// Columns in the block.
    static var width: Int { get }
    /// Zeros.
    init()
    /// The `width` floats at `source`.
    init(_ source: UnsafePointer<Float>)
    /// Writes the block to `width` floats at `target`.
    func store(to target: UnsafeMutablePointer<Float>)
    /// `self += scale * other`.
    mutating func add(_ scale: Float, times other: Self)
    /// `self *= scale`.
    mutating func scale(by scale: Float)
}

/// 64 columns as four 16-lane vectors.
private struct StateColumns64: StateColumns {
    static var width: Int { 64 }
    var a = SIMD16<Float>(), b = SIMD16<Float>(), c = SIMD16<Float>(), d = SIMD16<Float>()

    init() {}

    @inline(__always)
    init(_ source: UnsafePointer<Float>) {
        a = UnsafeRawPointer(source).loadUnaligned(as: SIMD16<Float>.self)
        b = UnsafeRawPointer(source + 16).loadUnaligned(as: SIMD16<Float>.self)
        c = UnsafeRawPointer(source + 32).loadUnaligned(as: SIMD16<Float>.self)
        d = UnsafeRawPointer(source + 48).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always)
    func store(to target: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(target).storeBytes(of: a, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(target + 16).storeBytes(of: b, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(target + 32).storeBytes(of: c, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(target + 48).storeBytes(of: d, as: SIMD16<Float>.self)
    }

    @inline(__always)
    mutating func add(_ scale: Float, times other: Self) {
        let s = SIMD16<Float>(repeating: scale)
        a.addProduct(s, other.a)
        b.addProduct(s, other.b)
        c.addProduct(s, other.c)
        d.addProduct(s, other.d)
    }

    @inline(__always)
    mutating func scale(by scale: Float) {
        let s = SIMD16<Float>(repeating: scale)
        a *= s
        b *= s
        c *= s
        d *= s
    }
}

/// 8 columns as one vector.
private struct StateColumns8: StateColumns {
    static var width: Int { 8 }
    var lanes = SIMD8<Float>()

    init() {}

    @inline(__always)
    init(_ source: UnsafePointer<Float>) { lanes = source.load8(0) }

    /// The block holding `lanes`.
    init(lanes: SIMD8<Float>) { self.lanes = lanes }

    @inline(__always)
    func store(to target: UnsafeMutablePointer<Float>) { target.store8(lanes, at: 0) }

    @inline(__always)
    mutating func add(_ scale: Float, times other: Self) { lanes.addProduct(SIMD8(repeating: scale), other.lanes) }

    @inline(__always)
    mutating func scale(by scale: Float) { lanes *= SIMD8(repeating: scale) }
}
