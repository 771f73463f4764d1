// Reference: transformers/models/qwen3/modeling_qwen3.py

extension ModelFamily {
    /// Qwen3: Qwen2 without biases, with per-head q/k RMSNorm.
    static let qwen3 = ModelFamily(
        modelType: "qwen3", defaultRopeTheta: 10000, defaultRMSNormEps: 1e-6,
        moeBlock: "mlp", router: "gate", experts: ModelFamily.denseExperts,
        gguf: GGUFArchitecture(name: "qwen3") { _, config in config.qkNorm = .perHead }
    ) { json, config in
        config.qkNorm = .perHead
        try config.readQwenWindow(json)
    }
}
