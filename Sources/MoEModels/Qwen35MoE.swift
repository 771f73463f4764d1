// Reference: transformers/models/qwen3_5_moe/modeling_qwen3_5_moe.py

extension ModelFamily {
    /// Qwen3.5-MoE as released (`Qwen3_5MoeForConditionalGeneration`): the text model is read
    /// from `text_config` and `model.language_model.*`; the vision tower is not loaded. GGUF
    /// files of either layout read as this family.
    static let qwen35MoE = ModelFamily(
        modelType: "qwen3_5_moe", defaultRopeTheta: 10000, defaultRMSNormEps: 1e-6,
        moeBlock: "mlp", router: "gate", experts: ModelFamily.denseExperts, textConfigKey: "text_config",
        gguf: GGUFArchitecture(name: "qwen35moe", tilesValueHeads: true, layerTensors: ModelFamily.hybridQwenTensors) { gguf, config in
            try config.readHybridQwen(gguf: gguf, groupedBA: false)
        },
        unusedTensors: [("mtp.", "multi-token prediction"), ("model.visual.", "vision tower (image input is not supported)")],
        configure: readQwen35MoE)

    /// Qwen3.5-MoE's text model on its own (`qwen3_5_moe_text`).
    static let qwen35MoEText = ModelFamily(
        modelType: "qwen3_5_moe_text", defaultRopeTheta: 10000, defaultRMSNormEps: 1e-6,
        moeBlock: "mlp", router: "gate", experts: ModelFamily.denseExperts,
        gguf: GGUFArchitecture(name: "qwen35moe", reads: .never, tilesValueHeads: true, layerTensors: ModelFamily.hybridQwenTensors),
        unusedTensors: [("mtp.", "multi-token prediction")], configure: readQwen35MoE)

    /// Qwen3-Next's architecture with separate DeltaNet projections (`in_proj_qkv`, `in_proj_z`,
    /// `in_proj_b`, `in_proj_a`), every layer sparse, and top-k weights always renormalised.
    @Sendable private static func readQwen35MoE(_ json: JSONFields, _ config: inout ModelConfig) throws {
        try config.readHybridQwen(json, groupedProjections: false)
        try config.readMoE(json, intermediateKey: "moe_intermediate_size", routing: .softmaxTopK(renormalize: true),
                           sharedExpertKey: "shared_expert_intermediate_size")
    }
}
