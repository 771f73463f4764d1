// Reference: transformers/models/qwen3_moe/modeling_qwen3_moe.py

extension ModelFamily {
    /// Qwen3-MoE: softmax router, `norm_topk_prob`, per-head q/k RMSNorm, no shared expert.
    static let qwen3MoE = ModelFamily(
        modelType: "qwen3_moe", defaultRopeTheta: 10000, defaultRMSNormEps: 1e-6,
        moeBlock: "mlp", router: "gate", experts: ModelFamily.denseExperts,
        gguf: GGUFArchitecture(name: "qwen3moe") { gguf, config in
            config.qkNorm = .perHead
            config.moe?.routing = .softmaxTopK(renormalize: gguf.bool("expert_weights_norm") ?? true)
        }
    ) { json, config in
        config.qkNorm = .perHead
        let renormalize = try json.optionalBool("norm_topk_prob") ?? false
        try config.readMoE(json, intermediateKey: "moe_intermediate_size",
                           routing: .softmaxTopK(renormalize: renormalize))
        try config.readQwenSparseLayers(json)
        try config.readQwenWindow(json)
    }
}
