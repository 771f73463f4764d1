// Reference: transformers/models/qwen2_moe/modeling_qwen2_moe.py

extension ModelFamily {
    /// Qwen2-MoE: softmax router, `norm_topk_prob`, plus a shared expert scaled by
    /// `sigmoid(shared_expert_gate . x)`; dense layers per `mlp_only_layers` /
    /// `decoder_sparse_step`.
    static let qwen2MoE = ModelFamily(
        modelType: "qwen2_moe", defaultRopeTheta: 10000, defaultRMSNormEps: 1e-6,
        moeBlock: "mlp", router: "gate", experts: ModelFamily.denseExperts,
        gguf: GGUFArchitecture(name: "qwen2moe")
    ) { json, config in
        config.qkvBias = true
        let renormalize = try json.optionalBool("norm_topk_prob") ?? false
        try config.readMoE(json, intermediateKey: "moe_intermediate_size",
                           routing: .softmaxTopK(renormalize: renormalize),
                           sharedExpertKey: "shared_expert_intermediate_size")
        try config.readQwenSparseLayers(json)
        try config.readQwenWindow(json)
    }
}
