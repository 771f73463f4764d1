import Foundation
import MoEFormats

/// Hugging Face model files for a trained model: `config.json` (Mixtral for MoE, Llama for
/// dense) and `model.safetensors` in the hub tensor layout.
public enum ModelFiles {
    /// Element type of saved weights.
    public enum DType: String, Sendable, CaseIterable {
        case float32, bfloat16
    }

    /// The text of `config.json` for `shape`, with `endOfText` as BOS and EOS.
    public static func configJSON(_ s: ModelShape, endOfText: Int, dtype: DType, auxLossCoef: Float) -> String {
        var fields: [(String, String)] = [
            ("architectures", s.isMoE ? "[\"MixtralForCausalLM\"]" : "[\"LlamaForCausalLM\"]"),
            ("model_type", s.isMoE ? "\"mixtral\"" : "\"llama\""),
            ("vocab_size", "\(s.vocabSize)"), ("hidden_size", "\(s.hidden)"), ("intermediate_size", "\(s.ffnHidden)"),
            ("num_hidden_layers", "\(s.layers)"), ("num_attention_heads", "\(s.heads)"),
            ("num_key_value_heads", "\(s.kvHeads)"), ("head_dim", "\(s.headDim)"),
            ("max_position_embeddings", "\(s.context)"), ("rms_norm_eps", "\(s.rmsNormEps)"),
            ("rope_theta", "\(s.ropeTheta)"), ("tie_word_embeddings", "false"), ("hidden_act", "\"silu\""),
            ("attention_dropout", "0.0"), ("bos_token_id", "\(endOfText)"), ("eos_token_id", "\(endOfText)"),
            ("initializer_range", "0.02"), ("use_cache", "true"), ("torch_dtype", "\"\(dtype.rawValue)\""),
        ]
        if s.isMoE {
            fields += [("num_local_experts", "\(s.experts)"), ("num_experts_per_tok", "\(s.topK)"),
                       ("router_aux_loss_coef", "\(auxLossCoef)"), ("output_router_logits", "false"),
                       ("router_jitter_noise", "0.0"), ("sliding_window", "null")]
        } else {
            fields += [("attention_bias", "false"), ("mlp_bias", "false"), ("pretraining_tp", "1")]
        }
        return "{\n" + fields.map { "  \(JSONEncoding.quoted($0.0)): \($0.1)" }.joined(separator: ",\n") + "\n}\n"
    }

    /// Writes `params` as `model.safetensors` in `folder`.
    public static func writeWeights(_ params: ParameterBuffer, dtype: DType, to folder: String) throws {
        let tensors = params.layout.slots.map { slot -> TensorData in
            let p = params.base + slot.offset
            switch dtype {
            case .float32:
                return TensorData(name: slot.name, dtype: .F32, shape: slot.shape, bytes: TensorCoding.f32Bytes(p, count: slot.count))
            case .bfloat16:
                return TensorData(name: slot.name, dtype: .BF16, shape: slot.shape, bytes: TensorCoding.bf16Bytes(p, count: slot.count))
            }
        }
        try SafetensorsWriter.write(tensors, metadata: ["format": "pt"], to: folder + "/model.safetensors")
    }
}
