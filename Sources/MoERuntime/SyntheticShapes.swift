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
        "deepseek-v3-671b": deepseekV3,
        "deepseek-v2-lite": deepseekV2Lite(layers: 27),
        "deepseek-v2-lite-4l": deepseekV2Lite(layers: 4),
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

    /// DeepSeek-V3's released config (671 B total, 37 B active): latent attention with a 1536-rank
    /// query bottleneck, YaRN to 160k, 256 experts in 8 groups (4 chosen) top-8 plus one shared
    /// expert, three dense leading layers, one multi-token-prediction layer.
    private static let deepseekV3 = """
        {"model_type": "deepseek_v3", "vocab_size": 129280, "hidden_size": 7168, "intermediate_size": 18432,
         "moe_intermediate_size": 2048, "num_hidden_layers": 61, "num_attention_heads": 128, "num_key_value_heads": 128,
         "q_lora_rank": 1536, "kv_lora_rank": 512, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128,
         "n_routed_experts": 256, "num_experts_per_tok": 8, "n_shared_experts": 1, "n_group": 8, "topk_group": 4,
         "routed_scaling_factor": 2.5, "norm_topk_prob": true, "scoring_func": "sigmoid", "topk_method": "noaux_tc",
         "first_k_dense_replace": 3, "moe_layer_freq": 1, "num_nextn_predict_layers": 1,
         "max_position_embeddings": 163840, "rms_norm_eps": 1e-6, "rope_theta": 10000, "tie_word_embeddings": false,
         "rope_scaling": {"type": "yarn", "factor": 40, "original_max_position_embeddings": 4096, "beta_fast": 32,
                          "beta_slow": 1, "mscale": 1.0, "mscale_all_dim": 1.0}}
        """

    /// DeepSeek-V2-Lite's released config (15.7 B total, 2.4 B active at 27 layers) with
    /// `layers` layers: latent attention with a plain q_proj, 64 experts top-6 (greedy) plus
    /// two shared experts, the first layer dense.
    private static func deepseekV2Lite(layers: Int) -> String {
        """
        {"model_type": "deepseek_v2", "vocab_size": 102400, "hidden_size": 2048, "intermediate_size": 10944,
         "moe_intermediate_size": 1408, "num_hidden_layers": \(layers), "num_attention_heads": 16, "num_key_value_heads": 16,
         "q_lora_rank": null, "kv_lora_rank": 512, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128,
         "n_routed_experts": 64, "num_experts_per_tok": 6, "n_shared_experts": 2, "n_group": 1, "topk_group": 1,
         "topk_method": "greedy", "routed_scaling_factor": 1.0, "norm_topk_prob": false, "first_k_dense_replace": 1,
         "moe_layer_freq": 1, "max_position_embeddings": 163840, "rms_norm_eps": 1e-6, "rope_theta": 10000,
         "tie_word_embeddings": false,
         "rope_scaling": {"type": "yarn", "factor": 40, "original_max_position_embeddings": 4096, "beta_fast": 32,
                          "beta_slow": 1, "mscale": 0.707, "mscale_all_dim": 0.707}}
        """
    }

    /// The built-in names, sorted, for messages.
    public static var names: String { builtIn.keys.sorted().joined(separator: ", ") }
}
