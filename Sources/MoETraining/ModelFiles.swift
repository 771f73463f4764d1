import Foundation
import MoEFormats

/// Hugging Face model files for a trained model: `config.json` (Llama for dense, Mixtral for
/// MoE, Qwen2-MoE for MoE with a shared expert) and `model.safetensors` in the hub tensor layout.
public enum ModelFiles {
    /// Element type of saved weights.
    public enum DType: String, Sendable, CaseIterable {
        case float32, bfloat16
    }

    /// The text of `config.json` for `shape`, with `endOfText` as BOS and EOS.
    public static func configJSON(_ s: ModelShape, endOfText: Int, dtype: DType, auxLossCoef: Float) -> String {
        let architecture: String
        switch s.layout {
        case .llama: architecture = "LlamaForCausalLM"
        case .mixtral: architecture = "MixtralForCausalLM"
        case .qwen2MoE: architecture = "Qwen2MoeForCausalLM"
        }
        let modelType = s.layout == .qwen2MoE ? "qwen2_moe" : s.layout.rawValue
        // Qwen2-MoE's `intermediate_size` sizes dense layers, of which there are none; it is
        // set to the shared expert's width, as Qwen1.5-MoE does.
        let intermediate = s.hasSharedExpert ? s.sharedExpertHidden : s.ffnHidden
        var fields: [(String, String)] = [
            ("architectures", "[\"\(architecture)\"]"), ("model_type", "\"\(modelType)\""),
            ("vocab_size", "\(s.vocabSize)"), ("hidden_size", "\(s.hidden)"), ("intermediate_size", "\(intermediate)"),
            ("num_hidden_layers", "\(s.layers)"), ("num_attention_heads", "\(s.heads)"),
            ("num_key_value_heads", "\(s.kvHeads)"), ("head_dim", "\(s.headDim)"),
            ("max_position_embeddings", "\(s.context)"), ("rms_norm_eps", "\(s.rmsNormEps)"),
            ("rope_theta", "\(s.ropeTheta)"), ("tie_word_embeddings", "false"), ("hidden_act", "\"silu\""),
            ("attention_dropout", "0.0"), ("bos_token_id", "\(endOfText)"), ("eos_token_id", "\(endOfText)"),
            ("initializer_range", "0.02"), ("use_cache", "true"), ("torch_dtype", "\"\(dtype.rawValue)\""),
        ]
        switch s.layout {
        case .llama:
            fields += [("attention_bias", "false"), ("mlp_bias", "false"), ("pretraining_tp", "1")]
        case .mixtral:
            fields += [("num_local_experts", "\(s.experts)"), ("num_experts_per_tok", "\(s.topK)"),
                       ("router_aux_loss_coef", "\(auxLossCoef)"), ("output_router_logits", "false"),
                       ("router_jitter_noise", "0.0"), ("sliding_window", "null")]
        case .qwen2MoE:
            fields += [("num_experts", "\(s.experts)"), ("num_experts_per_tok", "\(s.topK)"),
                       ("moe_intermediate_size", "\(s.ffnHidden)"), ("shared_expert_intermediate_size", "\(s.sharedExpertHidden)"),
                       ("norm_topk_prob", "true"), ("decoder_sparse_step", "1"), ("mlp_only_layers", "[]"),
                       ("qkv_bias", "true"), ("router_aux_loss_coef", "\(auxLossCoef)"), ("output_router_logits", "false"),
                       ("use_sliding_window", "false"), ("sliding_window", "null"), ("max_window_layers", "\(s.layers)")]
        }
        return "{\n" + fields.map { "  \(JSONEncoding.quoted($0.0)): \($0.1)" }.joined(separator: ",\n") + "\n}\n"
    }

    /// Writes `params` as `model.safetensors` in `folder`, with the layout's zero tensors and
    /// `extra` tensors (kept in f32: the routers' selection biases).
    public static func writeWeights(
        _ params: ParameterBuffer, extra: [(name: String, values: [Float])] = [], dtype: DType, to folder: String
    ) throws {
        func tensor(_ name: String, shape: [Int], _ values: UnsafePointer<Float>, count: Int) -> TensorData {
            switch dtype {
            case .float32:
                return TensorData(name: name, dtype: .F32, shape: shape, bytes: TensorCoding.f32Bytes(values, count: count))
            case .bfloat16:
                return TensorData(name: name, dtype: .BF16, shape: shape, bytes: TensorCoding.bf16Bytes(values, count: count))
            }
        }
        var tensors = params.layout.slots.map { tensor($0.name, shape: $0.shape, params.base + $0.offset, count: $0.count) }
        for zero in params.layout.zeroTensors {
            let values = [Float](repeating: 0, count: zero.shape.reduce(1, *)) // (elements)
            tensors.append(values.withUnsafeBufferPointer { tensor(zero.name, shape: zero.shape, $0.baseAddress!, count: $0.count) })
        }
        for (name, values) in extra {
            tensors.append(TensorData(name: name, dtype: .F32, shape: [values.count],
                                      bytes: values.withUnsafeBufferPointer { TensorCoding.f32Bytes($0.baseAddress!, count: $0.count) }))
        }
        try SafetensorsWriter.write(tensors, metadata: ["format": "pt"], to: folder + "/model.safetensors")
    }
}
