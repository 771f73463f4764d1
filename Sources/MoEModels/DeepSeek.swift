// Reference: transformers/models/deepseek_v3/modeling_deepseek_v3.py and
// transformers/models/deepseek_v2/modeling_deepseek_v2.py

extension ModelFamily {
    /// DeepSeek-V3 / R1 (and Kimi-K2): multi-head latent attention with a latent cache, YaRN
    /// with DeepSeek's softmax mscale, `rope_interleave`; sigmoid routing with
    /// `e_score_correction_bias` for selection, group-limited (`n_group`, `topk_group`, a group
    /// scored by its two best experts), weights renormalised per `norm_topk_prob` times
    /// `routed_scaling_factor`; ungated shared experts; the first `first_k_dense_replace`
    /// layers dense. Multi-token-prediction layers past `num_hidden_layers` are not loaded.
    static let deepseekV3 = ModelFamily(
        modelType: "deepseek_v3", defaultRopeTheta: 10000, defaultRMSNormEps: 1e-6,
        moeBlock: "mlp", router: "gate", experts: ModelFamily.denseExperts, sharedExpert: "shared_experts",
        gguf: GGUFArchitecture(name: "deepseek2", layerTensors: ModelFamily.deepseekTensors) { gguf, config in
            try config.readDeepSeek(gguf: gguf)
        }
    ) { json, config in
        try config.readDeepSeek(json, interleavedByDefault: true, routing: { experts in
            try DeepSeekRouting.v3(json, experts: experts)
        })
    }

    /// DeepSeek-V2 / V2-Lite: DeepSeek-V3's attention (always interleaved rotary pairs; a plain
    /// `q_proj` when `q_lora_rank` is null) with softmax routing, `topk_method` `greedy` or
    /// `group_limited_greedy` (a group scored by its best expert), weights times
    /// `routed_scaling_factor` and, as in transformers, never renormalised.
    static let deepseekV2 = ModelFamily(
        modelType: "deepseek_v2", defaultRopeTheta: 10000, defaultRMSNormEps: 1e-6,
        moeBlock: "mlp", router: "gate", experts: ModelFamily.denseExperts, sharedExpert: "shared_experts",
        gguf: GGUFArchitecture(name: "deepseek2", reads: .never, layerTensors: ModelFamily.deepseekTensors)
    ) { json, config in
        try config.readDeepSeek(json, interleavedByDefault: nil, routing: { experts in
            try DeepSeekRouting.v2(json, experts: experts)
        })
    }

    /// llama.cpp's names for the latent attention tensors and DeepSeek's shared experts.
    /// `k_b_proj` / `v_b_proj` are the two halves of `kv_b_proj` as its converter splits them.
    static let deepseekTensors = [
        "self_attn.q_a_proj.weight": "attn_q_a.weight",
        "self_attn.q_a_layernorm.weight": "attn_q_a_norm.weight",
        "self_attn.q_b_proj.weight": "attn_q_b.weight",
        "self_attn.kv_a_proj_with_mqa.weight": "attn_kv_a_mqa.weight",
        "self_attn.kv_a_layernorm.weight": "attn_kv_a_norm.weight",
        "self_attn.kv_b_proj.weight": "attn_kv_b.weight",
        "self_attn.k_b_proj.weight": "attn_k_b.weight",
        "self_attn.v_b_proj.weight": "attn_v_b.weight",
        "mlp.shared_experts.gate_proj.weight": "ffn_gate_shexp.weight",
        "mlp.shared_experts.up_proj.weight": "ffn_up_shexp.weight",
        "mlp.shared_experts.down_proj.weight": "ffn_down_shexp.weight",
    ]
}

/// DeepSeek's routing settings from `config.json`.
enum DeepSeekRouting {
    /// DeepSeek-V3: sigmoid scores, groups scored by their two best experts.
    static func v3(_ json: JSONFields, experts: Int) throws -> GroupedRouting {
        try expectScoring(json, "sigmoid")
        let (groups, top) = try groupLimit(json, experts: experts, minimumGroupSize: 2)
        return GroupedRouting(scoring: .sigmoid, groups: groups, topGroups: top, groupScore: .sumOfTopTwo,
                              renormalize: try json.optionalBool("norm_topk_prob") ?? true,
                              scale: try scale(json, default: 2.5))
    }

    /// DeepSeek-V2: softmax scores, `topk_method` greedy or group-limited (groups scored by their best expert).
    static func v2(_ json: JSONFields, experts: Int) throws -> GroupedRouting {
        try expectScoring(json, "softmax")
        let method = try json.optionalString("topk_method") ?? "greedy"
        let groups: Int, top: Int
        switch method {
        case "greedy":
            (groups, top) = (1, 1)
        case "group_limited_greedy":
            (groups, top) = try groupLimit(json, experts: experts, minimumGroupSize: 1)
        default:
            throw ConfigError(file: json.file, field: json.path + "topk_method",
                              "unsupported method '\(method)' (supported: greedy, group_limited_greedy)")
        }
        return GroupedRouting(scoring: .softmax, groups: groups, topGroups: top, groupScore: .max,
                              renormalize: false, scale: try scale(json, default: 1))
    }

    /// `n_group` and `topk_group` (each 1 when null), checked against the expert count and top-k.
    private static func groupLimit(_ json: JSONFields, experts: Int, minimumGroupSize: Int) throws -> (Int, Int) {
        let groups = try json.optionalInt("n_group") ?? 1
        guard groups >= 1, experts % groups == 0, experts / groups >= minimumGroupSize else {
            throw ConfigError(file: json.file, field: json.path + "n_group",
                              "must divide the \(experts) routed experts into groups of at least \(minimumGroupSize), found \(groups)")
        }
        let top = try json.optionalInt("topk_group") ?? groups
        guard (1...groups).contains(top) else {
            throw ConfigError(file: json.file, field: json.path + "topk_group", "expected 1...\(groups) (n_group), found \(top)")
        }
        let topK = try json.int("num_experts_per_tok")
        guard topK <= top * (experts / groups) else {
            throw ConfigError(file: json.file, field: json.path + "num_experts_per_tok",
                              "\(topK) exceeds the \(top * (experts / groups)) experts of the topk_group (\(top)) groups allowed")
        }
        return (groups, top)
    }

    /// The released checkpoints' `scoring_func`, when present, must be the family's.
    private static func expectScoring(_ json: JSONFields, _ expected: String) throws {
        if let scoring = try json.optionalString("scoring_func"), scoring != expected {
            throw ConfigError(file: json.file, field: json.path + "scoring_func", "unsupported '\(scoring)' (this family scores with \(expected))")
        }
    }

    private static func scale(_ json: JSONFields, default value: Double) throws -> Float {
        let s = try json.optionalDouble("routed_scaling_factor") ?? value
        guard s > 0 else {
            throw ConfigError(file: json.file, field: json.path + "routed_scaling_factor", "expected a positive number, found \(s)")
        }
        return Float(s)
    }
}

extension ModelConfig {
    /// What DeepSeek-V2 and V3 share: the latent attention shape and its softmax scale, the
    /// rotary part, routed and shared experts, dense leading layers (`first_k_dense_replace`,
    /// `moe_layer_freq`) and the multi-token-prediction layers to skip. `interleavedByDefault`
    /// is `rope_interleave`'s default, or nil when the family always interleaves.
    mutating func readDeepSeek(
        _ json: JSONFields, interleavedByDefault: Bool?, routing: (Int) throws -> GroupedRouting
    ) throws {
        let queryRank: Int?
        if json.has("q_lora_rank") { queryRank = try json.int("q_lora_rank", in: 1...(1 << 20)) } else { queryRank = nil }
        let shape = LatentAttentionConfig(
            queryRank: queryRank, latentRank: try json.int("kv_lora_rank", in: 1...(1 << 20)),
            noPositionDim: try json.int("qk_nope_head_dim", in: 1...65536),
            ropeDim: try json.int("qk_rope_head_dim", in: 2...65536), valueDim: try json.int("v_head_dim", in: 1...65536))
        guard shape.ropeDim % 2 == 0 else {
            throw ConfigError(file: json.file, field: "qk_rope_head_dim", "expected an even size, found \(shape.ropeDim)")
        }
        useLatentAttention(shape)
        if let interleavedByDefault {
            ropeInterleaved = try json.optionalBool("rope_interleave") ?? interleavedByDefault
        } else {
            ropeInterleaved = true
        }
        if case .yarn(let yarn) = rope.scaling { attentionScale *= Float(yarn.softmaxScaleFactor) }

        if json.has("n_routed_experts") {
            let experts = try json.int("n_routed_experts", in: 1...65536)
            let topK = try json.int("num_experts_per_tok")
            guard (1...experts).contains(topK) else {
                throw ConfigError(file: json.file, field: "num_experts_per_tok", "expected 1...\(experts) (n_routed_experts), found \(topK)")
            }
            let width = try json.int("moe_intermediate_size", in: 1...(1 << 24))
            let shared = try json.optionalInt("n_shared_experts") ?? 0
            guard (0...1024).contains(shared) else {
                throw ConfigError(file: json.file, field: "n_shared_experts", "expected 0...1024, found \(shared)")
            }
            moe = MoEConfig(expertCount: experts, topK: topK, expertIntermediateSize: width,
                            sharedExpertIntermediateSize: shared > 0 ? shared * width : nil,
                            routing: .grouped(try routing(experts)))
            let dense = try json.optionalInt("first_k_dense_replace") ?? 0
            let frequency = try json.optionalInt("moe_layer_freq") ?? 1
            guard dense >= 0 else { throw ConfigError(file: json.file, field: "first_k_dense_replace", "expected >= 0, found \(dense)") }
            guard frequency >= 1 else { throw ConfigError(file: json.file, field: "moe_layer_freq", "expected >= 1, found \(frequency)") }
            moeLayers = (0..<layerCount).map { $0 >= dense && $0 % frequency == 0 }
        }
        let predictionLayers = try json.optionalInt("num_nextn_predict_layers") ?? json.optionalInt("num_mtp_layers") ?? 0
        guard (0...64).contains(predictionLayers) else {
            throw ConfigError(file: json.file, field: "num_nextn_predict_layers", "expected 0...64, found \(predictionLayers)")
        }
        for i in 0..<predictionLayers {
            unusedTensors.append(("\(tensorPrefix)layers.\(layerCount + i).", "multi-token prediction"))
        }
    }

    /// Every layer latent attention of `shape`: head width and rotary part from it, softmax
    /// scale `1 / sqrt(qk_head_dim)`.
    mutating func useLatentAttention(_ shape: LatentAttentionConfig) {
        latentAttention = shape
        headDim = shape.queryKeyDim
        kvHeadCount = headCount
        rotaryDim = shape.ropeDim
        attentionScale = 1 / Float(shape.queryKeyDim).squareRoot()
        mixers = Array(repeating: .latentAttention, count: layerCount)
    }
}
