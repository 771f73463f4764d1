extension ModelConfig {
    /// Every tensor the model loads, by Hugging Face name, with its shape: the one list that
    /// synthetic checkpoints are planned from and that conversion writes. Names follow the
    /// family's blocks: attention or gated DeltaNet per layer, dense or sparse feed-forward,
    /// shared experts, q/k norms and biases.
    public var tensorInventory: [(name: String, shape: [Int])] {
        let h = hiddenSize
        let prefix = tensorPrefix
        var out: [(String, [Int])] = [(prefix + "embed_tokens.weight", [vocabSize, h]), (prefix + "norm.weight", [h])]
        if !tieWordEmbeddings { out.append(("lm_head.weight", [vocabSize, h])) }
        for i in 0..<layerCount {
            let p = "\(prefix)layers.\(i)."
            out += [(p + "input_layernorm.weight", [h]), (p + "post_attention_layernorm.weight", [h])]
            switch mixers[i] {
            case .attention: out += attentionTensors(p + "self_attn.")
            case .gatedDeltaNet: out += deltaNetTensors(p + "linear_attn.")
            case .latentAttention: out += latentAttentionTensors(p + "self_attn.")
            }
            guard moeLayers[i], let moe else {
                out += Self.swiGLU(p + "mlp.", hidden: h, intermediate: intermediateSize)
                continue
            }
            let block = p + family.moeBlock + "."
            let f = moe.expertIntermediateSize
            out.append((block + family.router + ".weight", [moe.expertCount, h]))
            if case .grouped(let rule) = moe.routing, rule.scoring == .sigmoid {
                out.append((block + family.router + ".e_score_correction_bias", [moe.expertCount]))
            }
            if moe.routerBias { out.append((block + family.router + ".bias", [moe.expertCount])) }
            switch family.experts {
            case .separate(let gate, let up, let down):
                for e in 0..<moe.expertCount {
                    let x = block + "experts.\(e)."
                    out += [(x + gate + ".weight", [f, h]), (x + up + ".weight", [f, h]), (x + down + ".weight", [h, f])]
                    if case .clampedSwiGLU = moe.expertActivation {
                        out += [(x + gate + ".bias", [f]), (x + up + ".bias", [f]), (x + down + ".bias", [h])]
                    }
                }
            case .fused(let input, let output):
                out += [(block + input + ".weight", [moe.expertCount, 2 * f, h]), (block + output + ".weight", [moe.expertCount, h, f])]
            case .transposedInterleaved:
                let x = block + "experts.", e = moe.expertCount
                out += [(x + "gate_up_proj_bias", [e, 2 * f]), (x + "down_proj_bias", [e, h])]
                out += moe.expertsMXFP4
                    ? [(x + "gate_up_proj_blocks", [e, 2 * f, h / 32, 16]), (x + "gate_up_proj_scales", [e, 2 * f, h / 32]),
                       (x + "down_proj_blocks", [e, h, f / 32, 16]), (x + "down_proj_scales", [e, h, f / 32])]
                    : [(x + "gate_up_proj", [e, h, 2 * f]), (x + "down_proj", [e, f, h])]
            }
            if let s = moe.sharedExpertIntermediateSize {
                out += Self.swiGLU(block + family.sharedExpert + ".", hidden: h, intermediate: s)
                if moe.sharedExpertGated { out.append((block + "shared_expert_gate.weight", [1, h])) }
            }
        }
        return out
    }

    private func attentionTensors(_ p: String) -> [(String, [Int])] {
        let h = hiddenSize, q = headCount * headDim, kv = kvHeadCount * headDim
        var out: [(String, [Int])] = [(p + "q_proj.weight", [attentionOutputGate ? 2 * q : q, h]), (p + "k_proj.weight", [kv, h]),
                                      (p + "v_proj.weight", [kv, h]), (p + "o_proj.weight", [h, q])]
        if qkvBias { out += [(p + "q_proj.bias", [q]), (p + "k_proj.bias", [kv]), (p + "v_proj.bias", [kv])] }
        if outputBias { out.append((p + "o_proj.bias", [h])) }
        if attentionSinks { out.append((p + "sinks", [headCount])) }
        switch qkNorm {
        case .none: break
        case .perHead: out += [(p + "q_norm.weight", [headDim]), (p + "k_norm.weight", [headDim])]
        case .wholeProjection: out += [(p + "q_norm.weight", [q]), (p + "k_norm.weight", [kv])]
        }
        return out
    }

    private func latentAttentionTensors(_ p: String) -> [(String, [Int])] {
        guard let s = latentAttention else { return [] }
        let h = hiddenSize, queries = headCount * s.queryKeyDim
        var out: [(String, [Int])] = []
        if let rank = s.queryRank {
            out += [(p + "q_a_proj.weight", [rank, h]), (p + "q_a_layernorm.weight", [rank]), (p + "q_b_proj.weight", [queries, rank])]
        } else {
            out.append((p + "q_proj.weight", [queries, h]))
        }
        out += [(p + "kv_a_proj_with_mqa.weight", [s.cacheFloats, h]), (p + "kv_a_layernorm.weight", [s.latentRank]),
                (p + "kv_b_proj.weight", [headCount * (s.noPositionDim + s.valueDim), s.latentRank]),
                (p + "o_proj.weight", [h, headCount * s.valueDim])]
        // `attention_bias` gives the two down projections and o_proj biases (never q_proj / q_b_proj).
        if qkvBias {
            if let rank = s.queryRank { out.append((p + "q_a_proj.bias", [rank])) }
            out.append((p + "kv_a_proj_with_mqa.bias", [s.cacheFloats]))
        }
        if outputBias { out.append((p + "o_proj.bias", [h])) }
        return out
    }

    private func deltaNetTensors(_ p: String) -> [(String, [Int])] {
        guard let s = deltaNet else { return [] }
        let h = hiddenSize, keys = s.keyHeads * s.keyDim, values = s.valueHeads * s.valueDim
        var out: [(String, [Int])] = s.groupedQKVZ
            ? [(p + "in_proj_qkvz.weight", [2 * keys + 2 * values, h])]
            : [(p + "in_proj_qkv.weight", [2 * keys + values, h]), (p + "in_proj_z.weight", [values, h])]
        out += s.groupedBA
            ? [(p + "in_proj_ba.weight", [2 * s.valueHeads, h])]
            : [(p + "in_proj_b.weight", [s.valueHeads, h]), (p + "in_proj_a.weight", [s.valueHeads, h])]
        out += [(p + "conv1d.weight", [s.convolutionChannels, 1, s.convolutionKernel]), (p + "A_log", [s.valueHeads]),
                (p + "dt_bias", [s.valueHeads]), (p + "norm.weight", [s.valueDim]), (p + "out_proj.weight", [h, values])]
        return out
    }

    private static func swiGLU(_ p: String, hidden: Int, intermediate: Int) -> [(String, [Int])] {
        [(p + "gate_proj.weight", [intermediate, hidden]), (p + "up_proj.weight", [intermediate, hidden]),
         (p + "down_proj.weight", [hidden, intermediate])]
    }
}
