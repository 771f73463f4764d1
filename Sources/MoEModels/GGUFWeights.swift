import MoEFormats
import MoEKernels

/// Weights from a GGUF file written by llama.cpp's converter (or `moe quantize`).
///
/// Hugging Face names are translated to llama.cpp's (`model.layers.3.self_attn.q_proj.weight`
/// -> `blk.3.attn_q.weight`); one routed expert's matrix is a slice of the stacked
/// `blk.N.ffn_{gate,up,down}_exps.weight` tensor, or the per-expert `blk.N.ffn_gate.E.weight`
/// of older files.
public final class GGUFWeights: WeightSource, @unchecked Sendable {
    /// The mapped file.
    public let file: GGUFFile
    /// The path of the file.
    public var location: String { file.path }
    /// The architecture read from the metadata.
    public let config: ModelConfig

    /// Opens `path` and reads the model configuration from its metadata.
    public init(path: String) throws {
        file = try GGUFFile(path: path)
        config = try ModelConfig(gguf: file)
    }

    /// Every tensor in the file.
    public var allTensors: [StoredTensor] { file.tensors.map { Self.stored($0) } }

    /// Faults in every page of the file.
    public func touchAllPages() { for t in file.tensors { MappedFile.touchPages(t.data) } }

    /// The tensor with Hugging Face name `name`.
    public func tensor(_ name: String) -> StoredTensor? {
        guard let target = GGUFNames.translate(name, family: config.family) else { return nil }
        switch target {
        case .whole(let ggufName):
            return file.tensor(named: ggufName).map { Self.stored($0) }
        case .expert(let stacked, let perExpert, let expert):
            if let t = file.tensor(named: stacked) {
                return Self.slice(t, index: expert)
            }
            return file.tensor(named: perExpert).map { Self.stored($0) }
        }
    }

    /// Expert `index` of a stacked `(experts, rows, cols)` matrix or `(experts, count)` bias
    /// tensor, or nil if out of range.
    private static func slice(_ t: GGUFTensorInfo, index: Int) -> StoredTensor? {
        let shape = t.shape
        guard shape.count == 3 || shape.count == 2, (0..<shape[0]).contains(index) else { return nil }
        let bytes = t.data.count / shape[0]
        let data = UnsafeRawBufferPointer(rebasing: t.data[(index * bytes)..<((index + 1) * bytes)])
        return StoredTensor(name: "\(t.name)[\(index)]", typeName: t.type.name, weightType: weightType(t.type),
                            shape: Array(shape.dropFirst()), data: data)
    }

    private static func stored(_ t: GGUFTensorInfo) -> StoredTensor {
        StoredTensor(name: t.name, typeName: t.type.name, weightType: weightType(t.type), shape: t.shape, data: t.data)
    }

    /// The kernel type for a ggml type, if the kernels compute on it.
    package static func weightType(_ type: GGMLType) -> WeightType? {
        switch type {
        case .F32: return .f32
        case .F16: return .f16
        case .BF16: return .bf16
        case .Q8_0: return .q8_0
        case .Q4_0: return .q4_0
        case .Q4_1: return .q4_1
        case .Q5_0: return .q5_0
        case .Q5_1: return .q5_1
        case .Q4_K: return .q4_K
        case .Q5_K: return .q5_K
        case .Q6_K: return .q6_K
        case .MXFP4: return .mxfp4
        default: return nil
        }
    }
}

/// Hugging Face <-> llama.cpp tensor names.
package enum GGUFNames {
    /// Where a Hugging Face tensor lives in a GGUF file.
    package enum Target: Equatable {
        /// A tensor of its own.
        case whole(String)
        /// Expert `expert` of `stacked`, or the per-expert tensor `perExpert`.
        case expert(stacked: String, perExpert: String, expert: Int)
    }

    /// Translates `name`; nil when it has no GGUF counterpart.
    package static func translate(_ name: String, family: ModelFamily) -> Target? {
        switch name {
        case "model.embed_tokens.weight": return .whole("token_embd.weight")
        case "model.norm.weight": return .whole("output_norm.weight")
        case "lm_head.weight": return .whole("output.weight")
        default: break
        }
        let parts = name.split(separator: ".").map(String.init)
        guard parts.count >= 5, parts[0] == "model", parts[1] == "layers", let layer = Int(parts[2]) else { return nil }
        let block = "blk.\(layer)"
        let rest = parts[3...].joined(separator: ".")
        let simple: [String: String] = [
            "input_layernorm.weight": "attn_norm.weight",
            "post_attention_layernorm.weight": "ffn_norm.weight",
            "self_attn.q_proj.weight": "attn_q.weight", "self_attn.q_proj.bias": "attn_q.bias",
            "self_attn.k_proj.weight": "attn_k.weight", "self_attn.k_proj.bias": "attn_k.bias",
            "self_attn.v_proj.weight": "attn_v.weight", "self_attn.v_proj.bias": "attn_v.bias",
            "self_attn.o_proj.weight": "attn_output.weight", "self_attn.o_proj.bias": "attn_output.bias",
            "self_attn.q_norm.weight": "attn_q_norm.weight", "self_attn.k_norm.weight": "attn_k_norm.weight",
            "mlp.gate_proj.weight": "ffn_gate.weight", "mlp.up_proj.weight": "ffn_up.weight",
            "mlp.down_proj.weight": "ffn_down.weight",
            "mlp.shared_expert.gate_proj.weight": "ffn_gate_shexp.weight",
            "mlp.shared_expert.up_proj.weight": "ffn_up_shexp.weight",
            "mlp.shared_expert.down_proj.weight": "ffn_down_shexp.weight",
            "mlp.shared_expert_gate.weight": "ffn_gate_inp_shexp.weight",
            "\(family.moeBlock).\(family.router).weight": "ffn_gate_inp.weight",
            "\(family.moeBlock).\(family.router).e_score_correction_bias": "exp_probs_b.bias",
        ]
        if let mapped = family.gguf?.layerTensors[rest] ?? simple[rest] { return .whole("\(block).\(mapped)") }
        // <moeBlock>.experts.<e>.<projection>.<weight|bias>
        let moe = family.moeBlock.split(separator: ".").map(String.init)
        let tail = Array(parts[3...])
        let kind = tail.last ?? ""
        guard tail.count == moe.count + 4, Array(tail.prefix(moe.count)) == moe, tail[moe.count] == "experts",
              let expert = Int(tail[moe.count + 1]), kind == "weight" || kind == "bias",
              case .separate(let gate, let up, let down) = family.experts
        else { return nil }
        let role: String
        switch tail[moe.count + 2] {
        case gate: role = "gate"
        case up: role = "up"
        case down: role = "down"
        default: return nil
        }
        return .expert(stacked: "\(block).ffn_\(role)_exps.\(kind)", perExpert: "\(block).ffn_\(role).\(expert).\(kind)", expert: expert)
    }
}
