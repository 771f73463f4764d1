/// The Hugging Face checkpoint layout a trained model is saved in; it fixes the tensor names
/// and `config.json`.
public enum CheckpointLayout: String, Sendable, Equatable {
    /// Llama: a dense SwiGLU `mlp` in every layer.
    case llama
    /// Mixtral: `block_sparse_moe` with a router `gate` and experts `w1` (gate), `w3` (up),
    /// `w2` (down).
    case mixtral
    /// Qwen2-MoE: `mlp` with a router `gate`, experts `gate_proj`/`up_proj`/`down_proj`, one
    /// shared expert with its sigmoid `shared_expert_gate`, and q/k/v biases.
    case qwen2MoE
}

/// Hub names of the three projections of one SwiGLU MLP.
struct SwiGLUNames {
    /// `(ffn, hidden)`
    let gate: String
    /// `(ffn, hidden)`
    let up: String
    /// `(hidden, ffn)`
    let down: String
    /// The parameter buffer holds `down` before `up` (Mixtral's `w1`, `w2`, `w3` order).
    var downBeforeUp = false
}

/// Hub names of one decoder layer's tensors in a checkpoint layout.
struct LayerTensorNames {
    let layout: CheckpointLayout
    /// `model.layers.<l>`
    let prefix: String

    init(layer: Int, layout: CheckpointLayout) {
        self.layout = layout
        prefix = "model.layers.\(layer)"
    }

    var inputNorm: String { "\(prefix).input_layernorm.weight" }
    var postAttentionNorm: String { "\(prefix).post_attention_layernorm.weight" }
    var query: String { "\(prefix).self_attn.q_proj.weight" }
    var key: String { "\(prefix).self_attn.k_proj.weight" }
    var value: String { "\(prefix).self_attn.v_proj.weight" }
    var output: String { "\(prefix).self_attn.o_proj.weight" }

    /// q, k and v biases, which only the Qwen2-MoE layout has.
    var attentionBiases: [String] {
        layout == .qwen2MoE ? ["q", "k", "v"].map { "\(prefix).self_attn.\($0)_proj.bias" } : []
    }

    /// The sparse block's module: `block_sparse_moe` (Mixtral) or `mlp` (Qwen2-MoE).
    private var sparseBlock: String { layout == .mixtral ? "\(prefix).block_sparse_moe" : "\(prefix).mlp" }

    /// The router. `(experts, hidden)`
    var router: String { "\(sparseBlock).gate.weight" }

    /// The router's selection bias from `.bias` balancing, under DeepSeek-V3's name: added to
    /// the routing probabilities when choosing experts, not when weighting them. `(experts)`
    var selectionBias: String { "\(sparseBlock).gate.e_score_correction_bias" }

    /// Routed expert `e`.
    func expert(_ e: Int) -> SwiGLUNames {
        let p = "\(sparseBlock).experts.\(e)"
        return layout == .mixtral
            ? SwiGLUNames(gate: "\(p).w1.weight", up: "\(p).w3.weight", down: "\(p).w2.weight", downBeforeUp: true)
            : Self.projections("\(p)")
    }

    /// The dense feed-forward of a Llama layer.
    var denseMLP: SwiGLUNames { Self.projections("\(prefix).mlp") }

    /// Qwen2-MoE's shared expert.
    var sharedExpert: SwiGLUNames { Self.projections("\(sparseBlock).shared_expert") }

    /// Qwen2-MoE's shared-expert gate. `(1, hidden)`
    var sharedExpertGate: String { "\(sparseBlock).shared_expert_gate.weight" }

    private static func projections(_ module: String) -> SwiGLUNames {
        SwiGLUNames(gate: "\(module).gate_proj.weight", up: "\(module).up_proj.weight", down: "\(module).down_proj.weight")
    }
}
