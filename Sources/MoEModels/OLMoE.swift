// Reference: transformers/models/olmoe/modeling_olmoe.py

extension ModelFamily {
    /// OLMoE: softmax router without renormalisation by default, RMSNorm over the whole q
    /// and k projections, optional `clip_qkv`.
    static let olmoe = ModelFamily(
        modelType: "olmoe", defaultRopeTheta: 10000, defaultRMSNormEps: 1e-5,
        moeBlock: "mlp", router: "gate", experts: ModelFamily.denseExperts,
        gguf: GGUFArchitecture(name: "olmoe") { _, config in config.qkNorm = .wholeProjection }
    ) { json, config in
        config.qkNorm = .wholeProjection
        if let clip = try json.optionalDouble("clip_qkv") {
            guard clip > 0 else { throw ConfigError(file: json.file, field: "clip_qkv", "must be positive") }
            config.clipQKV = Float(clip)
        }
        let renormalize = try json.optionalBool("norm_topk_prob") ?? false
        try config.readMoE(json, intermediateKey: "intermediate_size",
                           routing: .softmaxTopK(renormalize: renormalize))
    }
}
