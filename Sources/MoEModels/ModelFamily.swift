/// How a family's routed experts are stored.
package enum ExpertLayout: Sendable {
    /// One tensor per expert and projection: `<moe>.experts.<e>.<gate|up|down>.weight`.
    case separate(gate: String, up: String, down: String)
    /// All experts in two 3-D tensors: `input` `(experts, 2 * intermediate, hidden)` holding
    /// gate rows then up rows, and `output` `(experts, hidden, intermediate)` (Granite-MoE).
    case fused(input: String, output: String)
    /// transformers' GPT-OSS layout: `experts.gate_up_proj` `(experts, hidden, 2 *
    /// intermediate)` multiplied as `x @ W`, gate and up columns interleaved (gate even, up
    /// odd), and `experts.down_proj` `(experts, intermediate, hidden)`, each with a `_bias`
    /// `(experts, columns)`. Released checkpoints store the two matrices in MXFP4 instead:
    /// `<name>_blocks` `(experts, rows, cols / 32, 16)` and `<name>_scales` `(experts, rows,
    /// cols / 32)` in the usual `(rows, cols)` orientation.
    case transposedInterleaved
}

/// What differs between architectures: config defaults and reading, and tensor names.
/// Each family's file holds one of these and nothing else.
package struct ModelFamily: Sendable {
    /// The `model_type` this family reads.
    package let modelType: String
    /// `rope_theta` when the config does not say.
    let defaultRopeTheta: Double
    /// `rms_norm_eps` when the config does not say.
    let defaultRMSNormEps: Double
    /// Name of the sparse block inside a layer (`block_sparse_moe` or `mlp`).
    package let moeBlock: String
    /// Name of the router's linear layer inside the sparse block.
    package let router: String
    /// Storage of the routed experts.
    package var experts: ExpertLayout
    /// Name of the always-on shared expert inside the sparse block (`shared_expert`, or
    /// DeepSeek's `shared_experts`: its `n_shared_experts` experts as one wider SwiGLU).
    package var sharedExpert = "shared_expert"
    /// For multimodal checkpoints: the config object holding the text model
    /// (`text_config`), whose tensors are under `model.language_model.`.
    package var textConfigKey: String? = nil
    /// How llama.cpp's GGUF files name and describe the family, if they do.
    package var gguf: GGUFArchitecture? = nil
    /// Tensors that released checkpoints carry but the engine does not run, by name prefix,
    /// with what they are (`moe inspect` lists them; they are never loaded).
    package var unusedTensors: [(prefix: String, purpose: String)] = []
    /// Reads the family's own config fields.
    let configure: @Sendable (JSONFields, inout ModelConfig) throws -> Void

    /// Every family the engine runs.
    static let all: [ModelFamily] = [
        .mixtral, .qwen2MoE, .qwen3MoE, .qwen3Next, .qwen35MoE, .qwen35MoEText, .olmoe, .graniteMoE,
        .deepseekV3, .deepseekV2, .gptOSS, .llama, .mistral, .qwen2, .qwen3,
    ]

    /// The family for a `model_type`.
    static func named(_ modelType: String) -> ModelFamily? {
        all.first { $0.modelType == modelType }
    }

    /// The supported `model_type`s, for error messages.
    package static var supportedNames: String { all.map(\.modelType).joined(separator: ", ") }

    /// Expert tensor names for families that keep their dense FFN under `mlp` and have no
    /// experts (the dense baselines).
    static let denseExperts = ExpertLayout.separate(gate: "gate_proj", up: "up_proj", down: "down_proj")
}
