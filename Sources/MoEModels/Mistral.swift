// Reference: transformers/models/mistral/modeling_mistral.py

extension ModelFamily {
    /// Mistral: Llama with a sliding attention window on every layer.
    static let mistral = ModelFamily(
        modelType: "mistral", defaultRopeTheta: 10000, defaultRMSNormEps: 1e-6,
        moeBlock: "mlp", router: "gate", experts: ModelFamily.denseExperts,
        gguf: GGUFArchitecture(name: "llama", reads: .never, permutesQK: true)
    ) { json, config in
        try config.readMistralWindow(json)
    }
}

extension ModelConfig {
    /// Mistral and Mixtral: a non-null `sliding_window` applies to every layer.
    mutating func readMistralWindow(_ json: JSONFields) throws {
        guard json.has("sliding_window") else { return }
        let w = try ModelConfig.window(json)
        slidingWindow = Array(repeating: w, count: layerCount)
    }
}
