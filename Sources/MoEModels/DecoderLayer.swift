import MoEKernels

/// One decoder layer: pre-norm attention and pre-norm feed-forward (dense or sparse), each
/// added to the residual stream scaled by the residual multiplier.
struct DecoderLayer: Sendable {
    /// The feed-forward half of a layer.
    enum FFN: Sendable {
        case dense(FeedForward)
        case sparse(SparseMoE)
    }

    /// `(hidden)`
    let inputNorm: [Float]
    /// `(hidden)`
    let postAttentionNorm: [Float]
    /// Attention, latent attention or gated DeltaNet, per the config's `mixers`.
    let mixer: any TokenMixer
    let ffn: FFN

    /// Loads `<prefix>layers.<layer>`.
    init(_ w: WeightLoader, config c: ModelConfig, layer: Int) throws {
        let prefix = "\(c.tensorPrefix)layers.\(layer)"
        inputNorm = try w.normVector("\(prefix).input_layernorm.weight", count: c.hiddenSize, config: c)
        postAttentionNorm = try w.normVector("\(prefix).post_attention_layernorm.weight", count: c.hiddenSize, config: c)
        switch c.mixers[layer] {
        case .attention:
            mixer = try Attention(w, prefix: "\(prefix).self_attn", config: c, layer: layer)
        case .gatedDeltaNet:
            mixer = try GatedDeltaNet(w, prefix: "\(prefix).linear_attn", config: c)
        case .latentAttention:
            guard let shape = c.latentAttention else { throw ConfigError(file: w.location, field: nil, "latent attention layers need their shape") }
            mixer = try LatentAttention(w, prefix: "\(prefix).self_attn", config: c, shape: shape)
        }
        if c.moeLayers[layer], let moe = c.moe {
            ffn = .sparse(try SparseMoE(w, layerPrefix: prefix, family: c.family, config: c, moe: moe))
        } else {
            ffn = .dense(try FeedForward(w, prefix: "\(prefix).mlp", names: ("gate_proj", "up_proj", "down_proj"),
                                         hidden: c.hiddenSize, intermediate: c.intermediateSize))
        }
    }

    /// Updates the residual stream `x` in place.
    ///
    /// - x, normed, block: `(tokens, hidden)`
    func forward(
        x: FloatBuffer, normed: FloatBuffer, block: FloatBuffer, tokens: Int, layer: Int, start: Int, state: LayerCache,
        context: MixerContext, config: ModelConfig, trace: RoutingTrace?
    ) {
        let hidden = config.hiddenSize, count = tokens * hidden, pool = context.pool
        norm(x, weight: inputNorm, into: normed, tokens: tokens, eps: config.rmsNormEps)
        mixer(normed.base, output: block.base, tokens: tokens, start: start, state: state, context: context)
        VectorOps.addScaled(block.base, scale: config.residualMultiplier, into: x.base, count: count)

        norm(x, weight: postAttentionNorm, into: normed, tokens: tokens, eps: config.rmsNormEps)
        switch ffn {
        case .dense(let f):
            let ws = context.workspace
            let scratch = (ws.buffer("ffn.gate", rows: tokens, cols: f.intermediateSize),
                           ws.buffer("ffn.up", rows: tokens, cols: f.intermediateSize))
            f(normed.base, output: block.base, tokens: tokens, scratch: scratch, pool: pool)
        case .sparse(let moe):
            moe(normed.base, output: block.base, tokens: tokens, layer: layer, workspace: context.workspace,
                pool: pool, trace: trace)
        }
        VectorOps.addScaled(block.base, scale: config.residualMultiplier, into: x.base, count: count)
    }
    private func norm(_ x: FloatBuffer, weight: [Float], into out: FloatBuffer, tokens: Int, eps: Float) {
        weight.withUnsafeBufferPointer { w in
            guard let wp = w.baseAddress else { return }
            for t in 0..<tokens {
                Kernels.rmsNorm(x.row(t), weight: wp, count: x.cols, eps: eps, output: out.row(t))
            }
        }
    }
}
