import MoEKernels

/// Multi-head causal self-attention with grouped-query heads and the options families
/// combine: biases, q/k norms, q/k/v clipping, rotary embeddings on all or part of each
/// head, a sliding window, an output gate (`attn * sigmoid(gate)` before `o_proj`), and
/// per-head sink logits that join the softmax without a value.
struct Attention: TokenMixer {
    /// `(heads * headDim, hidden)`, or `(heads * 2 * headDim, hidden)` with an output gate:
    /// each head's query rows followed by its gate rows.
    let q: WeightMatrix
    /// `(kvHeads * headDim, hidden)`
    let k: WeightMatrix
    /// `(kvHeads * headDim, hidden)`
    let v: WeightMatrix
    /// `(hidden, heads * headDim)`
    let o: WeightMatrix
    /// Biases, when the checkpoint has them: `(heads * headDim)`, `(kvHeads * headDim)` x2, `(hidden)`.
    let qBias: [Float]?, kBias: [Float]?, vBias: [Float]?, oBias: [Float]?
    /// q/k norm weights: `(headDim)` per head, or the whole projection's width.
    let qNorm: [Float]?, kNorm: [Float]?
    let heads: Int, kvHeads: Int, headDim: Int
    /// Leading dimensions of each head that RoPE rotates.
    let rotaryDim: Int
    let normKind: QKNorm
    let clip: Float?
    let scale: Float
    let eps: Float
    /// Attention window (query plus `window - 1` earlier positions), or nil.
    let window: Int?
    /// Rotate adjacent pairs (GGUF llama layout) rather than halves.
    let interleaved: Bool
    /// Whether `q_proj` also produces a per-head output gate.
    let gated: Bool
    /// Per query head, a learned logit that joins the softmax with no value. `(heads)`
    let sinks: [Float]?

    /// Loads `<prefix>.{q,k,v,o}_proj` and, per the config, `q_norm` / `k_norm`.
    init(_ w: WeightLoader, prefix: String, config c: ModelConfig, layer: Int) throws {
        let qWidth = c.headCount * c.headDim, kvWidth = c.kvHeadCount * c.headDim
        gated = c.attentionOutputGate
        q = try w.matrix("\(prefix).q_proj.weight", rows: gated ? 2 * qWidth : qWidth, cols: c.hiddenSize)
        k = try w.matrix("\(prefix).k_proj.weight", rows: kvWidth, cols: c.hiddenSize)
        v = try w.matrix("\(prefix).v_proj.weight", rows: kvWidth, cols: c.hiddenSize)
        o = try w.matrix("\(prefix).o_proj.weight", rows: c.hiddenSize, cols: qWidth)
        qBias = try w.optionalVector("\(prefix).q_proj.bias", count: qWidth)
        kBias = try w.optionalVector("\(prefix).k_proj.bias", count: kvWidth)
        vBias = try w.optionalVector("\(prefix).v_proj.bias", count: kvWidth)
        oBias = try w.optionalVector("\(prefix).o_proj.bias", count: c.hiddenSize)
        switch c.qkNorm {
        case .none:
            qNorm = nil
            kNorm = nil
        case .perHead:
            qNorm = try w.normVector("\(prefix).q_norm.weight", count: c.headDim, config: c)
            kNorm = try w.normVector("\(prefix).k_norm.weight", count: c.headDim, config: c)
        case .wholeProjection:
            qNorm = try w.normVector("\(prefix).q_norm.weight", count: qWidth, config: c)
            kNorm = try w.normVector("\(prefix).k_norm.weight", count: kvWidth, config: c)
        }
        heads = c.headCount
        kvHeads = c.kvHeadCount
        headDim = c.headDim
        rotaryDim = c.rotaryDim
        normKind = c.qkNorm
        clip = c.clipQKV
        scale = c.attentionScale
        eps = c.rmsNormEps
        window = c.slidingWindow[layer]
        interleaved = c.ropeInterleaved
        sinks = c.attentionSinks ? try w.vector("\(prefix).sinks", count: c.headCount) : nil
    }

    /// Key/value buffers of `kvHeads * headDim` floats per position.
    func makeCache(capacity: Int) -> LayerCache {
        .attention(AttentionCache(capacity: capacity, keyWidth: kvHeads * headDim, valueWidth: kvHeads * headDim,
                                  window: window))
    }

    /// Attends `tokens` new positions (starting at `start`) over everything cached,
    /// appending their keys and values to the layer's cache.
    ///
    /// - input: `(tokens, hidden)`
    /// - output: `(tokens, hidden)`, overwritten
    func callAsFunction(
        _ input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, tokens: Int, start: Int,
        state: LayerCache, context: MixerContext
    ) {
        guard case .attention(let cache) = state else { preconditionFailure("attention needs a key/value cache") }
        let ws = context.workspace, pool = context.pool, rope = context.rope
        let qWidth = heads * headDim, kvWidth = kvHeads * headDim
        let qs = ws.buffer("attn.q", rows: tokens, cols: qWidth)
        let ks = ws.buffer("attn.k", rows: tokens, cols: kvWidth)
        let vs = ws.buffer("attn.v", rows: tokens, cols: kvWidth)
        // (tokens, heads * 2 * headDim): per head, query then gate.
        let qg = gated ? ws.buffer("attn.qg", rows: tokens, cols: 2 * qWidth) : qs
        Kernels.matmul([MatvecJob(q, input: input, output: qg.base), MatvecJob(k, input: input, output: ks.base),
                        MatvecJob(v, input: input, output: vs.base)], tokens: tokens, pool: pool)
        let gates = gated ? ws.buffer("attn.gate", rows: tokens, cols: qWidth) : nil
        if let gates {
            for t in 0..<tokens {
                for h in 0..<heads {
                    let from = qg.row(t) + 2 * h * headDim
                    (qs.row(t) + h * headDim).update(from: from, count: headDim)
                    (gates.row(t) + h * headDim).update(from: from + headDim, count: headDim)
                }
            }
        }
        if let qBias { VectorOps.addBias(qBias, to: qs.base, rows: tokens) }
        if let kBias { VectorOps.addBias(kBias, to: ks.base, rows: tokens) }
        if let vBias { VectorOps.addBias(vBias, to: vs.base, rows: tokens) }
        normalize(qs, weight: qNorm, heads: heads, tokens: tokens)
        normalize(ks, weight: kNorm, heads: kvHeads, tokens: tokens)
        if let clip {
            VectorOps.clamp(qs.base, limit: clip, count: tokens * qWidth)
            VectorOps.clamp(ks.base, limit: clip, count: tokens * kvWidth)
            VectorOps.clamp(vs.base, limit: clip, count: tokens * kvWidth)
        }
        // Cached rows start at position `cache.first` (a sliding window drops older rows);
        // the kernel sees positions relative to it.
        let keys = cache.keys, values = cache.values, row0 = cache.first
        for t in 0..<tokens {
            if interleaved {
                Kernels.ropeInterleaved(qs.row(t), heads: heads, headDim: headDim, cos: rope.cos.row(t), sin: rope.sin.row(t))
                Kernels.ropeInterleaved(ks.row(t), heads: kvHeads, headDim: headDim, cos: rope.cos.row(t), sin: rope.sin.row(t))
            } else {
                Kernels.rope(qs.row(t), heads: heads, headDim: headDim, rotaryDim: rotaryDim,
                             cos: rope.cos.row(t), sin: rope.sin.row(t))
                Kernels.rope(ks.row(t), heads: kvHeads, headDim: headDim, rotaryDim: rotaryDim,
                             cos: rope.cos.row(t), sin: rope.sin.row(t))
            }
            keys.row(start - row0 + t).update(from: ks.row(t), count: kvWidth)
            values.row(start - row0 + t).update(from: vs.row(t), count: kvWidth)
        }
        let mixed = ws.buffer("attn.mixed", rows: tokens, cols: qWidth)
        let scores = ws.buffer("attn.scores", rows: tokens * heads, cols: start - row0 + tokens) // (tokens * heads, rows)
        func attend(_ sinks: UnsafePointer<Float>?) {
            Kernels.attention(queries: qs.base, tokens: tokens, firstPosition: start - row0, window: window,
                              keys: keys.row(0), values: values.row(0), heads: heads, kvHeads: kvHeads, headDim: headDim,
                              scale: scale, sinks: sinks, output: mixed.base, scratch: scores.base, pool: pool)
        }
        if let sinks { sinks.withUnsafeBufferPointer { attend($0.baseAddress) } } else { attend(nil) }
        if let gates { VectorOps.multiplySigmoid(mixed.base, gates: gates.base, count: tokens * qWidth) }
        Kernels.matmul(o, input: mixed.base, output: output, tokens: tokens, pool: pool)
        if let oBias { VectorOps.addBias(oBias, to: output, rows: tokens) }
    }

    /// Applies the q or k norm in place: per head, or over the whole row.
    ///
    /// - x: `(tokens, heads * headDim)`
    private func normalize(_ x: FloatBuffer, weight: [Float]?, heads: Int, tokens: Int) {
        guard let weight else { return }
        let width = normKind == .perHead ? headDim : heads * headDim
        let pieces = tokens * heads * headDim / width
        weight.withUnsafeBufferPointer { w in
            guard let wp = w.baseAddress else { return }
            for i in 0..<pieces {
                let p = x.base + i * width
                Kernels.rmsNorm(p, weight: wp, count: width, eps: eps, output: p)
            }
        }
    }

    /// Parameters in the projections.
    var parameterCount: Int {
        [q, k, v, o].reduce(0) { $0 + $1.rows * $1.cols }
            + [qBias, kBias, vBias, oBias, qNorm, kNorm, sinks].reduce(0) { $0 + ($1?.count ?? 0) }
    }
}
