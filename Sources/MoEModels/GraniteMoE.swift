// Reference: transformers/models/granitemoe/modeling_granitemoe.py

extension ModelFamily {
    /// Granite-MoE: top-k over raw router logits then softmax over the k; fused expert
    /// tensors; embedding, residual, attention and logits multipliers.
    static let graniteMoE = ModelFamily(
        modelType: "granitemoe", defaultRopeTheta: 10000, defaultRMSNormEps: 1e-6,
        moeBlock: "block_sparse_moe", router: "router.layer",
        experts: .fused(input: "input_linear", output: "output_linear"),
        gguf: GGUFArchitecture(name: "granitemoe", permutesQK: true) { _, config in config.moe?.routing = .topKSoftmax }
    ) { json, config in
        try config.readMoE(json, intermediateKey: "intermediate_size", routing: .topKSoftmax)
        config.embeddingMultiplier = Float(try json.optionalDouble("embedding_multiplier") ?? 1)
        config.residualMultiplier = Float(try json.optionalDouble("residual_multiplier") ?? 1)
        config.attentionScale = Float(try json.optionalDouble("attention_multiplier") ?? 1)
        let logits = try json.optionalDouble("logits_scaling") ?? 1
        guard logits != 0 else { throw ConfigError(file: json.file, field: "logits_scaling", "must not be zero") }
        config.logitsScaling = Float(logits)
    }
}
