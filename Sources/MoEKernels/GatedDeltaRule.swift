/// The head layout of a gated DeltaNet token mixer: `keyHeads` query/key heads of width
/// `keyDim`, `valueHeads` value heads of width `valueDim`, and one `(keyDim, valueDim)` state
/// matrix per value head. Consecutive value heads share a key head: value head `h` reads key
/// head `h / (valueHeads / keyHeads)`.
public struct DeltaNetHeads: Sendable, Equatable {
    /// Query/key heads.
    public let keyHeads: Int
    /// Value heads (a multiple of `keyHeads`).
    public let valueHeads: Int
    /// Width of a query/key head.
    public let keyDim: Int
    /// Width of a value head.
    public let valueDim: Int

    /// The layout; every count must be positive and `valueHeads` a multiple of `keyHeads`.
    public init(keyHeads: Int, valueHeads: Int, keyDim: Int, valueDim: Int) {
        precondition(keyHeads > 0 && valueHeads > 0 && keyDim > 0 && valueDim > 0, "DeltaNetHeads: counts must be positive")
        precondition(valueHeads % keyHeads == 0, "DeltaNetHeads: valueHeads must be a multiple of keyHeads")
        self.keyHeads = keyHeads
        self.valueHeads = valueHeads
        self.keyDim = keyDim
        self.valueDim = valueDim
    }

    /// Elements of one token's queries (or keys): `keyHeads * keyDim`.
    public var keyWidth: Int { keyHeads * keyDim }
    /// Elements of one token's values (or outputs): `valueHeads * valueDim`.
    public var valueWidth: Int { valueHeads * valueDim }
    /// Elements of the state of all heads: `valueHeads * keyDim * valueDim`.
    public var stateCount: Int { valueHeads * keyDim * valueDim }
}

extension Kernels {
    /// The gated delta rule of a gated DeltaNet layer over `tokens` consecutive tokens, all
    /// value heads, continuing from `state` (transformers' `torch_recurrent_gated_delta_rule`
    /// / `torch_chunk_gated_delta_rule` with `use_qk_l2norm_in_kernel=True`).
    ///
    /// Per value head, with its key head's query `q_t` and key `k_t` L2-normalised
    /// (`x / sqrt(sum x^2 + 1e-6)`) and `q_t` then scaled by `1 / sqrt(keyDim)`, and `S` the
    /// head's `(keyDim, valueDim)` state: `S <- exp(g_t) S`; `delta = beta_t (v_t - S^T k_t)`;
    /// `S <- S + k_t delta^T`; `o_t = S^T q_t`.
    ///
    /// Runs `gatedDeltaRuleRecurrent` at every token count: it was the faster form at all
    /// counts measured. Tokens/s of one layer at Qwen3-Next-80B's shape (16 key / 32 value
    /// heads of 128 x 128) over 36 layers' states (`quant-bench deltanet`), on a 2-core Intel
    /// Xeon (family 6 model 207, AVX-512), recurrent vs chunked: one thread, 1 token 4k vs 1k,
    /// 8 tokens 12.6k vs 6.3k, 64 tokens 22k vs 8k, 512 tokens 17k vs 8k; two threads, 1 token
    /// 10k vs 1.6k, 64 tokens 44k vs 16k, 512 tokens 36k vs 16k. Both forms do about
    /// `3 keyDim valueDim` multiply-adds per token and head (the chunked one
    /// `O(64 (keyDim + valueDim))` more), but the recurrence runs them on 16-lane vectors over
    /// a state block held in L1, while the chunked form spends about 70% of its time in the
    /// 8-lane `gemm`'s small products.
    ///
    /// - query, key: `(tokens, keyHeads * keyDim)`
    /// - value: `(tokens, valueHeads * valueDim)`
    /// - logDecay: `(tokens, valueHeads)`, `g_t <= 0`
    /// - beta: `(tokens, valueHeads)`, the write strength in `[0, 1]` (already through a sigmoid)
    /// - state: `(valueHeads, keyDim, valueDim)`, read and updated in place; zeros for a fresh
    ///   sequence
    /// - output: `(tokens, valueHeads * valueDim)`
    public static func gatedDeltaRule(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
        logDecay: UnsafePointer<Float>, beta: UnsafePointer<Float>, tokens: Int, heads: DeltaNetHeads,
        state: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, pool: ThreadPool
    ) {
        gatedDeltaRuleRecurrent(query: query, key: key, value: value, logDecay: logDecay, beta: beta, tokens: tokens,
                                heads: heads, state: state, output: output, pool: pool)
    }
}

/// One value head's view of the gated delta rule's buffers.
struct DeltaRuleHead {
    /// Width of a query/key head.
    let keyDim: Int
    /// Width of a value head.
    let valueDim: Int
    /// Value heads (the stride of `logDecay` and `beta`).
    let valueHeads: Int
    /// `1 / sqrt(keyDim)`, the scale of the normalised queries.
    let queryFactor: Float
    /// Elements of one token's queries or keys.
    let keyWidth: Int
    /// Elements of one token's values or outputs.
    let valueWidth: Int
    /// The head's query at token 0. `(tokens, keyWidth)`, `keyDim` used
    let query: UnsafePointer<Float>
    /// The head's key at token 0. `(tokens, keyWidth)`, `keyDim` used
    let key: UnsafePointer<Float>
    /// The head's value at token 0. `(tokens, valueWidth)`, `valueDim` used
    let value: UnsafePointer<Float>
    /// The head's log decay at token 0. `(tokens, valueHeads)`, one used
    let logDecay: UnsafePointer<Float>
    /// The head's write strength at token 0. `(tokens, valueHeads)`, one used
    let beta: UnsafePointer<Float>
    /// The head's state. `(keyDim, valueDim)`
    let state: UnsafeMutablePointer<Float>
    /// The head's output at token 0. `(tokens, valueWidth)`, `valueDim` used
    let output: UnsafeMutablePointer<Float>

    /// Value head `h` of buffers laid out as `Kernels.gatedDeltaRule` documents.
    init(
        _ h: Int, heads: DeltaNetHeads, query: UnsafePointer<Float>, key: UnsafePointer<Float>,
        value: UnsafePointer<Float>, logDecay: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        state: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        keyDim = heads.keyDim
        valueDim = heads.valueDim
        valueHeads = heads.valueHeads
        queryFactor = 1 / Float(heads.keyDim).squareRoot()
        keyWidth = heads.keyWidth
        valueWidth = heads.valueWidth
        let keyOffset = (h / (heads.valueHeads / heads.keyHeads)) * heads.keyDim
        self.query = query + keyOffset
        self.key = key + keyOffset
        self.value = value + h * heads.valueDim
        self.logDecay = logDecay + h
        self.beta = beta + h
        self.state = state + h * heads.keyDim * heads.valueDim
        self.output = output + h * heads.valueDim
    }

    /// Query of token `t`. `(keyDim)`
    @inline(__always)
    func query(_ t: Int) -> UnsafePointer<Float> { query + t * keyWidth }

    /// Key of token `t`. `(keyDim)`
    @inline(__always)
    func key(_ t: Int) -> UnsafePointer<Float> { key + t * keyWidth }

    /// Value of token `t`. `(valueDim)`
    @inline(__always)
    func value(_ t: Int) -> UnsafePointer<Float> { value + t * valueWidth }

    /// Output of token `t`. `(valueDim)`
    @inline(__always)
    func output(_ t: Int) -> UnsafeMutablePointer<Float> { output + t * valueWidth }

    /// Log decay `g_t` of token `t`.
    @inline(__always)
    func logDecay(_ t: Int) -> Float { logDecay[t * valueHeads] }

    /// Write strength `beta_t` of token `t`.
    @inline(__always)
    func beta(_ t: Int) -> Float { beta[t * valueHeads] }

    /// `1 / sqrt(sum x^2 + 1e-6)` of token `t`'s key.
    func keyScale(_ t: Int) -> Float { Self.inverseNorm(key(t), count: keyDim) }

    /// `1 / sqrt(sum x^2 + 1e-6) / sqrt(keyDim)` of token `t`'s query.
    func queryScale(_ t: Int) -> Float { Self.inverseNorm(query(t), count: keyDim) * queryFactor }

    /// `exp(logDecay[t])` for tokens `first ..< first + count` (count <= 8) in lanes
    /// `0 ..< count`; other lanes hold 1.
    func decays(from first: Int, count: Int) -> SIMD8<Float> {
        var g = SIMD8<Float>()
        for lane in 0..<count { g[lane] = logDecay(first + lane) }
        return VectorMath.exp(g)
    }

    /// The L2 normalisation factor of the delta rule: `1 / sqrt(sum x^2 + 1e-6)`.
    ///
    /// - x: `(count)`
    private static func inverseNorm(_ x: UnsafePointer<Float>, count: Int) -> Float {
        1 / (Kernels.dot(x, x, count: count) + 1e-6).squareRoot()
    }
}
