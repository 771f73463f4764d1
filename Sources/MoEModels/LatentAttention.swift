import MoEKernels

/// Multi-head latent attention (DeepSeek-V2/V3), computed in the absorbed form of DESIGN.md
/// §3 for every pass, so the cache holds only `kv_a_layernorm(c)` and the rotated shared key
/// per position and is never expanded into per-head keys and values:
///
/// score_h,t,j = (W_UK,h^T q_nope,h,t) . c_j + q_rope,h,t . k_rope,j, and
/// out_h,t = W_UV,h (sum_j p_h,t,j c_j).
///
/// The attention itself is the shared kernel with one key/value head of width
/// `latentRank + ropeDim`: per head, the query row is `[W_UK,h^T q_nope,h | q_rope,h]`, the
/// keys are the cached rows and the values their latent part.
struct LatentAttention: TokenMixer {
    /// `(queryRank, hidden)`, when queries go through the low-rank bottleneck.
    let queryDown: WeightMatrix?
    /// `(queryRank)`: `q_a_layernorm`.
    let queryNorm: [Float]?
    /// `(heads * queryKeyDim, queryRank or hidden)`: `q_b_proj`, or `q_proj`.
    let queryUp: WeightMatrix
    /// `(latentRank + ropeDim, hidden)`: `kv_a_proj_with_mqa`.
    let latentDown: WeightMatrix
    /// `(latentRank)`: `kv_a_layernorm`.
    let latentNorm: [Float]
    /// Per head, `W_UK,h^T`: `(latentRank, noPositionDim)`. `(heads)`
    let keyAbsorb: [WeightMatrix]
    /// Per head, `W_UV,h`: `(valueDim, latentRank)`. `(heads)`
    let valueUp: [WeightMatrix]
    /// `(hidden, heads * valueDim)`
    let o: WeightMatrix
    /// Biases of `q_a_proj`, `kv_a_proj_with_mqa` and `o_proj` (`attention_bias`).
    let queryDownBias: [Float]?, latentDownBias: [Float]?, oBias: [Float]?
    /// Owner of `keyAbsorb`'s memory when it was transposed at load time.
    let absorbStorage: FloatBuffer?
    let shape: LatentAttentionConfig
    let heads: Int
    let scale: Float
    let eps: Float
    /// Rotate adjacent pairs (`rope_interleave`, DeepSeek-V2, GGUF) rather than halves.
    let interleaved: Bool

    /// Loads `<prefix>.{q_a_proj, q_a_layernorm, q_b_proj | q_proj, kv_a_proj_with_mqa,
    /// kv_a_layernorm, kv_b_proj, o_proj}`; `kv_b_proj` may instead be stored split as
    /// llama.cpp's converter writes it, `k_b_proj` `(heads, latentRank, noPositionDim)` (already
    /// transposed) and `v_b_proj` `(heads, valueDim, latentRank)`.
    init(_ w: WeightLoader, prefix: String, config c: ModelConfig, shape s: LatentAttentionConfig) throws {
        let hidden = c.hiddenSize, h = c.headCount, r = s.latentRank
        if let rank = s.queryRank {
            queryDown = try w.matrix("\(prefix).q_a_proj.weight", rows: rank, cols: hidden)
            queryDownBias = try w.optionalVector("\(prefix).q_a_proj.bias", count: rank)
            queryNorm = try w.normVector("\(prefix).q_a_layernorm.weight", count: rank, config: c)
            queryUp = try w.matrix("\(prefix).q_b_proj.weight", rows: h * s.queryKeyDim, cols: rank)
        } else {
            queryDown = nil
            queryDownBias = nil
            queryNorm = nil
            queryUp = try w.matrix("\(prefix).q_proj.weight", rows: h * s.queryKeyDim, cols: hidden)
        }
        latentDown = try w.matrix("\(prefix).kv_a_proj_with_mqa.weight", rows: s.cacheFloats, cols: hidden)
        latentDownBias = try w.optionalVector("\(prefix).kv_a_proj_with_mqa.bias", count: s.cacheFloats)
        latentNorm = try w.normVector("\(prefix).kv_a_layernorm.weight", count: r, config: c)
        if w.source.tensor("\(prefix).kv_b_proj.weight") == nil, w.source.tensor("\(prefix).k_b_proj.weight") != nil {
            keyAbsorb = try w.stackedMatrices("\(prefix).k_b_proj.weight", count: h, rows: r, cols: s.noPositionDim)
            valueUp = try w.stackedMatrices("\(prefix).v_b_proj.weight", count: h, rows: s.valueDim, cols: r)
            absorbStorage = nil
        } else {
            // (heads * (noPositionDim + valueDim), latentRank): per head its key rows, then its value rows.
            let name = "\(prefix).kv_b_proj.weight"
            let perHead = s.noPositionDim + s.valueDim
            let kvUp = try w.matrix(name, rows: h * perHead, cols: r)
            let transposed = FloatBuffer(rows: h * r, cols: s.noPositionDim)  // per head (latentRank, noPositionDim)
            let row = FloatBuffer(rows: 1, cols: r)
            for head in 0..<h {
                for i in 0..<s.noPositionDim {
                    Kernels.decodeRow(kvUp, row: head * perHead + i, into: row.base)
                    for j in 0..<r { transposed[head * r + j, i] = row[0, j] }
                }
            }
            keyAbsorb = (0..<h).map {
                WeightMatrix(base: UnsafeRawPointer(transposed.row($0 * r)), type: .f32, rows: r, cols: s.noPositionDim)
            }
            valueUp = (0..<h).map { kvUp.rows($0 * perHead + s.noPositionDim, count: s.valueDim) }
            absorbStorage = transposed
        }
        o = try w.matrix("\(prefix).o_proj.weight", rows: hidden, cols: h * s.valueDim)
        oBias = try w.optionalVector("\(prefix).o_proj.bias", count: hidden)
        shape = s
        heads = h
        scale = c.attentionScale
        eps = c.rmsNormEps
        interleaved = c.ropeInterleaved
    }

    /// One row of `latentRank + ropeDim` floats per position.
    func makeCache(capacity: Int) -> LayerCache {
        .latent(LatentCache(capacity: capacity, width: shape.cacheFloats))
    }

    /// Attends `tokens` new positions (starting at `start`) over everything cached,
    /// appending their latents and rotary keys to the layer's cache.
    ///
    /// - input: `(tokens, hidden)`
    /// - output: `(tokens, hidden)`, overwritten
    func callAsFunction(
        _ input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, tokens: Int, start: Int,
        state: LayerCache, context: MixerContext
    ) {
        guard case .latent(let cache) = state else { preconditionFailure("latent attention needs a latent cache") }
        let ws = context.workspace, pool = context.pool, rope = context.rope
        let r = shape.latentRank, ropeDim = shape.ropeDim, nope = shape.noPositionDim, qk = shape.queryKeyDim
        let width = shape.cacheFloats, v = shape.valueDim
        let q = ws.buffer("mla.q", rows: tokens, cols: heads * qk)
        let latents = ws.buffer("mla.latent", rows: tokens, cols: width)
        if let queryDown, let queryNorm {
            let compressed = ws.buffer("mla.qa", rows: tokens, cols: queryDown.rows)
            Kernels.matmul([MatvecJob(queryDown, input: input, output: compressed.base),
                            MatvecJob(latentDown, input: input, output: latents.base)], tokens: tokens, pool: pool)
            if let queryDownBias { VectorOps.addBias(queryDownBias, to: compressed.base, rows: tokens) }
            normalize(compressed, width: queryDown.rows, weight: queryNorm, tokens: tokens)
            Kernels.matmul(queryUp, input: compressed.base, output: q.base, tokens: tokens, pool: pool)
        } else {
            Kernels.matmul([MatvecJob(queryUp, input: input, output: q.base),
                            MatvecJob(latentDown, input: input, output: latents.base)], tokens: tokens, pool: pool)
        }
        if let latentDownBias { VectorOps.addBias(latentDownBias, to: latents.base, rows: tokens) }
        normalize(latents, width: r, weight: latentNorm, tokens: tokens)

        // Rotary parts: the shared key in place, the queries' gathered into (tokens, heads, ropeDim).
        let queryRope = ws.buffer("mla.qrope", rows: tokens, cols: heads * ropeDim)
        for t in 0..<tokens {
            for h in 0..<heads {
                (queryRope.row(t) + h * ropeDim).update(from: q.row(t) + h * qk + nope, count: ropeDim)
            }
            rotate(queryRope.row(t), heads: heads, cos: rope.cos.row(t), sin: rope.sin.row(t))
            rotate(latents.row(t) + r, heads: 1, cos: rope.cos.row(t), sin: rope.sin.row(t))
            cache.rows.row(start + t).update(from: latents.row(t), count: width)
        }

        // Absorbed queries, (tokens, heads, width): per head W_UK,h^T q_nope,h, then q_rope,h.
        let noPosition = ws.buffer("mla.qnope", rows: heads * tokens, cols: nope)  // per head (tokens, nope)
        let absorbed = ws.buffer("mla.qlatent", rows: heads * tokens, cols: r)     // per head (tokens, latentRank)
        for h in 0..<heads {
            for t in 0..<tokens { noPosition.row(h * tokens + t).update(from: q.row(t) + h * qk, count: nope) }
        }
        Kernels.matmul((0..<heads).map { MatvecJob(keyAbsorb[$0], input: noPosition.row($0 * tokens), output: absorbed.row($0 * tokens)) },
                       tokens: tokens, pool: pool)
        let queries = ws.buffer("mla.queries", rows: tokens, cols: heads * width)
        for t in 0..<tokens {
            for h in 0..<heads {
                let row = queries.row(t) + h * width
                row.update(from: absorbed.row(h * tokens + t), count: r)
                (row + r).update(from: queryRope.row(t) + h * ropeDim, count: ropeDim)
            }
        }

        let mixed = ws.buffer("mla.mixed", rows: tokens, cols: heads * width)
        let scores = ws.buffer("mla.scores", rows: tokens * heads, cols: start + tokens)  // (tokens * heads, length)
        Kernels.attention(queries: queries.base, tokens: tokens, firstPosition: start, window: nil,
                          keys: cache.rows.row(0), values: cache.rows.row(0), heads: heads, kvHeads: 1, headDim: width,
                          scale: scale, output: mixed.base, scratch: scores.base, pool: pool)

        // Values: per head W_UV,h times the attended latent, back to (tokens, heads * valueDim).
        for h in 0..<heads {
            for t in 0..<tokens { absorbed.row(h * tokens + t).update(from: mixed.row(t) + h * width, count: r) }
        }
        let values = ws.buffer("mla.values", rows: heads * tokens, cols: v)  // per head (tokens, valueDim)
        Kernels.matmul((0..<heads).map { MatvecJob(valueUp[$0], input: absorbed.row($0 * tokens), output: values.row($0 * tokens)) },
                       tokens: tokens, pool: pool)
        let joined = ws.buffer("mla.joined", rows: tokens, cols: heads * v)
        for t in 0..<tokens {
            for h in 0..<heads { (joined.row(t) + h * v).update(from: values.row(h * tokens + t), count: v) }
        }
        Kernels.matmul(o, input: joined.base, output: output, tokens: tokens, pool: pool)
        if let oBias { VectorOps.addBias(oBias, to: output, rows: tokens) }
    }

    /// RoPE on `heads` consecutive rotary parts of `ropeDim` floats.
    private func rotate(_ x: UnsafeMutablePointer<Float>, heads: Int, cos: UnsafePointer<Float>, sin: UnsafePointer<Float>) {
        if interleaved {
            Kernels.ropeInterleaved(x, heads: heads, headDim: shape.ropeDim, cos: cos, sin: sin)
        } else {
            Kernels.rope(x, heads: heads, headDim: shape.ropeDim, rotaryDim: shape.ropeDim, cos: cos, sin: sin)
        }
    }

    /// RMSNorm of the first `width` floats of every row, in place.
    ///
    /// - x: `(tokens, >= width)`
    private func normalize(_ x: FloatBuffer, width: Int, weight: [Float], tokens: Int) {
        weight.withUnsafeBufferPointer { w in
            guard let wp = w.baseAddress else { return }
            for t in 0..<tokens { Kernels.rmsNorm(x.row(t), weight: wp, count: width, eps: eps, output: x.row(t)) }
        }
    }

    /// Parameters in the projections, counting `kv_b_proj` once.
    var parameterCount: Int {
        var matrices = [queryUp, latentDown, o] + keyAbsorb + valueUp
        if let queryDown { matrices.append(queryDown) }
        return matrices.reduce(0) { $0 + $1.rows * $1.cols }
            + [queryNorm, latentNorm, queryDownBias, latentDownBias, oBias].reduce(0) { $0 + ($1?.count ?? 0) }
    }
}
