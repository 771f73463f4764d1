/// Built-in model shapes for `moe bench --synthetic`, as Hugging Face `config.json` text.
public enum SyntheticShapes {
    /// Name -> config.json.
    public static let builtIn: [String: String] = [
        "qwen3-30b-a3b": """
            {"model_type": "qwen3_moe", "vocab_size": 151936, "hidden_size": 2048, "intermediate_size": 6144,
             "moe_intermediate_size": 768, "num_hidden_layers": 48, "num_attention_heads": 32, "num_key_value_heads": 4,
             "head_dim": 128, "num_experts": 128, "num_experts_per_tok": 8, "norm_topk_prob": true,
             "max_position_embeddings": 40960, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "tie_word_embeddings": false}
            """,
        "mixtral-8x7b": """
            {"model_type": "mixtral", "vocab_size": 32000, "hidden_size": 4096, "intermediate_size": 14336,
             "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8, "num_local_experts": 8,
             "num_experts_per_tok": 2, "max_position_embeddings": 32768, "rms_norm_eps": 1e-5, "rope_theta": 1000000.0,
             "tie_word_embeddings": false}
            """,
        "olmoe-1b-7b": """
            {"model_type": "olmoe", "vocab_size": 50304, "hidden_size": 2048, "intermediate_size": 1024,
             "num_hidden_layers": 16, "num_attention_heads": 16, "num_key_value_heads": 16, "num_experts": 64,
             "num_experts_per_tok": 8, "norm_topk_prob": false, "max_position_embeddings": 4096, "rms_norm_eps": 1e-5,
             "rope_theta": 10000.0, "tie_word_embeddings": false}
            """,
        "llama-3-8b": """
            {"model_type": "llama", "vocab_size": 128256, "hidden_size": 4096, "intermediate_size": 14336,
             "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
             "max_position_embeddings": 8192, "rms_norm_eps": 1e-5, "rope_theta": 500000.0, "tie_word_embeddings": false}
            """,
        "qwen3-next-80b-a3b": qwen3Next(layers: 48, layerTypes: nil),
        "qwen3-next-4l": qwen3Next(layers: 4, layerTypes: nil),
        "qwen3-next-4l-attn": qwen3Next(layers: 4, layerTypes: Array(repeating: "full_attention", count: 4)),
        "qwen3moe-1b": """
            {"model_type": "qwen3_moe", "vocab_size": 151936, "hidden_size": 1024, "intermediate_size": 3072,
             "moe_intermediate_size": 512, "num_hidden_layers": 16, "num_attention_heads": 16, "num_key_value_heads": 4,
             "head_dim": 64, "num_experts": 32, "num_experts_per_tok": 4, "norm_topk_prob": true,
             "max_position_embeddings": 4096, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "tie_word_embeddings": false}
            """,
    ]

    /// Qwen3-Next-80B-A3B's config (3 gated DeltaNet : 1 gated attention, 512 experts top-10
    /// plus a gated shared expert) with `layers` layers, and optionally explicit layer types
    /// (the all-attention baseline of the same size).
    private static func qwen3Next(layers: Int, layerTypes: [String]?) -> String {
        let types = layerTypes.map { #", "layer_types": ["# + $0.map { "\"\($0)\"" }.joined(separator: ", ") + "]" } ?? ""
        return """
            {"model_type": "qwen3_next", "vocab_size": 151936, "hidden_size": 2048, "intermediate_size": 5120,
             "num_hidden_layers": \(layers), "num_attention_heads": 16, "num_key_value_heads": 2, "head_dim": 256,
             "linear_num_key_heads": 16, "linear_num_value_heads": 32, "linear_key_head_dim": 128,
             "linear_value_head_dim": 128, "linear_conv_kernel_dim": 4, "full_attention_interval": 4,
             "num_experts": 512, "num_experts_per_tok": 10, "moe_intermediate_size": 512,
             "shared_expert_intermediate_size": 512, "norm_topk_prob": true, "decoder_sparse_step": 1,
             "max_position_embeddings": 262144, "rms_norm_eps": 1e-6, "tie_word_embeddings": false,
             "rope_parameters": {"rope_type": "default", "rope_theta": 10000000.0, "partial_rotary_factor": 0.25}\(types)}
            """
    }

    /// The built-in names, sorted, for messages.
    public static var names: String { builtIn.keys.sorted().joined(separator: ", ") }
}
