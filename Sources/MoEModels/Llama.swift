// Reference: transformers/models/llama/modeling_llama.py

extension ModelFamily {
    /// Llama (1/2/3): the dense baseline; Llama 3 rope scaling comes from the rope config.
    static let llama = ModelFamily(
        modelType: "llama", defaultRopeTheta: 10000, defaultRMSNormEps: 1e-6,
        moeBlock: "mlp", router: "gate", experts: ModelFamily.denseExperts,
        gguf: GGUFArchitecture(name: "llama", reads: .withoutExperts, permutesQK: true)
    ) { _, _ in }
}
