// Reference: transformers/models/mixtral/modeling_mixtral.py

extension ModelFamily {
    /// Mixtral: softmax router, top-k renormalised, experts `w1` (gate) `w3` (up) `w2` (down).
    static let mixtral = ModelFamily(
        modelType: "mixtral", defaultRopeTheta: 1e6, defaultRMSNormEps: 1e-5,
        moeBlock: "block_sparse_moe", router: "gate",
        experts: .separate(gate: "w1", up: "w3", down: "w2"),
        gguf: GGUFArchitecture(name: "llama", reads: .withExperts, permutesQK: true) { _, config in
            config.moe?.routing = .softmaxTopK(renormalize: true)
        }
    ) { json, config in
        try config.readMoE(json, intermediateKey: "intermediate_size", routing: .softmaxTopK(renormalize: true))
        try config.readMistralWindow(json)
    }
}
