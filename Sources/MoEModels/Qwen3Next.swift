// Reference: transformers/models/qwen3_next/modeling_qwen3_next.py

extension ModelFamily {
    /// Qwen3-Next: three gated-DeltaNet layers to one gated-attention layer (per
    /// `layer_types`, or `full_attention_interval`), (1 + w) RMSNorms, per-head q/k norms,
    /// partial rotary (a quarter of each head by default), and a softmax top-k MoE with a
    /// sigmoid-gated shared expert; dense layers per `mlp_only_layers` / `decoder_sparse_step`.
    static let qwen3Next = ModelFamily(
        modelType: "qwen3_next", defaultRopeTheta: 10000, defaultRMSNormEps: 1e-6,
        moeBlock: "mlp", router: "gate", experts: ModelFamily.denseExperts,
        gguf: GGUFArchitecture(name: "qwen3next", layerTensors: ModelFamily.hybridQwenTensors) { gguf, config in
            try config.readHybridQwen(gguf: gguf, groupedBA: true)
        },
        unusedTensors: [("mtp.", "multi-token prediction")]
    ) { json, config in
        try config.readHybridQwen(json, groupedProjections: true)
        try config.readMoE(json, intermediateKey: "moe_intermediate_size",
                           routing: .softmaxTopK(renormalize: try json.optionalBool("norm_topk_prob") ?? true),
                           sharedExpertKey: "shared_expert_intermediate_size")
        try config.readQwenSparseLayers(json)
    }
}

extension ModelFamily {
    /// llama.cpp's names for the hybrid Qwen layers' own tensors.
    static let hybridQwenTensors = [
        "post_attention_layernorm.weight": "post_attention_norm.weight",
        "linear_attn.in_proj_qkv.weight": "attn_qkv.weight",
        "linear_attn.in_proj_z.weight": "attn_gate.weight",
        "linear_attn.in_proj_ba.weight": "ssm_ba.weight",
        "linear_attn.in_proj_b.weight": "ssm_beta.weight",
        "linear_attn.in_proj_a.weight": "ssm_alpha.weight",
        "linear_attn.conv1d.weight": "ssm_conv1d.weight",
        "linear_attn.A_log": "ssm_a",
        "linear_attn.dt_bias": "ssm_dt.bias",
        "linear_attn.norm.weight": "ssm_norm.weight",
        "linear_attn.out_proj.weight": "ssm_out.weight",
    ]
}

extension ModelConfig {
    /// What Qwen3-Next and Qwen3.5 share: gated attention with (1 + w) per-head q/k norms and
    /// partial rotary, and the gated DeltaNet shape; the layer kinds come from `layer_types`
    /// (read afterwards) or, without it, from `full_attention_interval`.
    mutating func readHybridQwen(_ json: JSONFields, groupedProjections: Bool) throws {
        qkNorm = .perHead
        normWeightOffset = 1
        attentionOutputGate = true
        rotaryDim = try Self.rotaryDimension(json, headDim: headDim, defaultFactor: 0.25)
        let keyHeads = try json.int("linear_num_key_heads", in: 1...4096)
        let valueHeads = try json.int("linear_num_value_heads", in: 1...4096)
        guard valueHeads % keyHeads == 0 else {
            throw ConfigError(file: json.file, field: "linear_num_value_heads",
                              "must be a multiple of linear_num_key_heads (\(keyHeads)), found \(valueHeads)")
        }
        deltaNet = GatedDeltaNetConfig(
            keyHeads: keyHeads, valueHeads: valueHeads,
            keyDim: try json.int("linear_key_head_dim", in: 1...65536),
            valueDim: try json.int("linear_value_head_dim", in: 1...65536),
            convolutionKernel: try json.int("linear_conv_kernel_dim", in: 2...64),
            groupedQKVZ: groupedProjections, groupedBA: groupedProjections, decayStoredAsRate: false,
            valueHeadOrder: .grouped)
        let interval = try json.optionalInt("full_attention_interval") ?? 4
        guard interval >= 1 else {
            throw ConfigError(file: json.file, field: "full_attention_interval", "expected >= 1, found \(interval)")
        }
        mixers = (0..<layerCount).map { ($0 + 1) % interval == 0 ? .attention : .gatedDeltaNet }
    }
}

extension ModelConfig {
    /// The hybrid Qwen layers as llama.cpp's converter writes them: norms already `1 + w`,
    /// `ssm_a` = `-exp(A_log)`, queries|keys|values and gates split (`attn_qkv`, `attn_gate`),
    /// a layer recurrent when it has `ssm_out`; Qwen3.5 files order the value heads tiled over
    /// the key heads.
    mutating func readHybridQwen(gguf f: GGUFFields, groupedBA: Bool) throws {
        qkNorm = .perHead
        attentionOutputGate = true
        rotaryDim = f.optionalInt("rope.dimension_count") ?? headDim
        guard rotaryDim >= 2, rotaryDim <= headDim, rotaryDim % 2 == 0 else {
            throw f.fail("rope.dimension_count", "expected an even size in 2...\(headDim), found \(rotaryDim)")
        }
        let keyHeads = try f.int("ssm.group_count"), valueHeads = try f.int("ssm.time_step_rank")
        let inner = try f.int("ssm.inner_size")
        guard valueHeads % keyHeads == 0 else {
            throw f.fail("ssm.time_step_rank", "value heads must be a multiple of ssm.group_count (\(keyHeads)), found \(valueHeads)")
        }
        guard inner % valueHeads == 0 else {
            throw f.fail("ssm.inner_size", "must be a multiple of ssm.time_step_rank (\(valueHeads)), found \(inner)")
        }
        deltaNet = GatedDeltaNetConfig(
            keyHeads: keyHeads, valueHeads: valueHeads, keyDim: try f.int("ssm.state_size"), valueDim: inner / valueHeads,
            convolutionKernel: try f.int("ssm.conv_kernel"), groupedQKVZ: false, groupedBA: groupedBA, decayStoredAsRate: true,
            valueHeadOrder: family.gguf?.tilesValueHeads == true && keyHeads != valueHeads ? .tiled : .grouped)
        mixers = (0..<layerCount).map { f.has("blk.\($0).ssm_out.weight") ? .gatedDeltaNet : .attention }
        if let old = (0..<layerCount).first(where: { f.has("blk.\($0).ssm_in.weight") }) {
            throw ConfigError(file: f.file.path, field: nil,
                              "tensor 'blk.\(old).ssm_in.weight': this older layout (queries, keys, values and gates in one tensor) is not supported; convert the model again with a current llama.cpp")
        }
        moe?.routing = .softmaxTopK(renormalize: true)
    }
}
