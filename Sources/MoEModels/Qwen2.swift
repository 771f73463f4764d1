// Reference: transformers/models/qwen2/modeling_qwen2.py

extension ModelFamily {
    /// Qwen2: Llama with q/k/v biases (read from the file) and optional sliding windows.
    static let qwen2 = ModelFamily(
        modelType: "qwen2", defaultRopeTheta: 10000, defaultRMSNormEps: 1e-6,
        moeBlock: "mlp", router: "gate", experts: ModelFamily.denseExperts,
        gguf: GGUFArchitecture(name: "qwen2")
    ) { json, config in
        config.qkvBias = true
        try config.readQwenWindow(json)
    }
}

extension ModelConfig {
    /// Qwen families (transformers v4 configs): with `use_sliding_window`, layers from
    /// `max_window_layers` on use `sliding_window`. v5's `layer_types` overrides this.
    mutating func readQwenWindow(_ json: JSONFields) throws {
        guard try json.optionalBool("use_sliding_window") == true else { return }
        let w = try ModelConfig.window(json)
        let first = try json.optionalInt("max_window_layers") ?? 0
        for i in 0..<layerCount where i >= first { slidingWindow[i] = w }
    }

    /// Qwen-MoE layer placement: a layer is sparse unless listed in `mlp_only_layers`, and
    /// only every `decoder_sparse_step`-th layer (1-based) is.
    mutating func readQwenSparseLayers(_ json: JSONFields) throws {
        let step = try json.optionalInt("decoder_sparse_step") ?? 1
        guard step >= 1 else {
            throw ConfigError(file: json.file, field: "decoder_sparse_step", "expected >= 1, found \(step)")
        }
        let denseOnly = Set(try json.intList("mlp_only_layers"))
        for i in 0..<layerCount {
            moeLayers[i] = !denseOnly.contains(i) && (i + 1) % step == 0
        }
    }
}
