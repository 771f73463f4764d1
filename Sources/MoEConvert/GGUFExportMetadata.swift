import Foundation
import MoEFormats
import MoEModels

/// The metadata `convert_hf_to_gguf.py` writes for a supported checkpoint, in its order:
/// `general.*`, the `TextModel` hyperparameters, the family's extras, then
/// `general.quantization_version`. Deliberate differences: `general.name` is the folder name
/// title-cased (gguf-py's model-card heuristics that add `basename`/`finetune` are not
/// reproduced), and `<arch>.expert_weights_norm` is written when `norm_topk_prob` is true for qwen2moe and
/// olmoe (llama.cpp reads the key; its converter omits it).
enum GGUFExportMetadata {
    /// Metadata for `config` read from `config.json` (`raw` is the same file, for keys whose
    /// presence matters), named after `folder`, for a file holding tensors of `shapes`.
    static func huggingFace(config: ModelConfig, raw: [String: Any], folder: String, type: GGUFExportType,
                            shapes: [(name: String, shape: [Int])]) -> [(key: String, value: GGUFValue)] {
        let arch = GGUFNames.architecture(of: config.family)
        var m: [(key: String, value: GGUFValue)] = []
        func u32(_ key: String, _ v: Int) { m.append(("\(arch).\(key)", .uint32(UInt32(clamping: v)))) }
        func f32(_ key: String, _ v: Double) { m.append(("\(arch).\(key)", .float32(Float(v)))) }
        // A multimodal checkpoint keeps the text model's settings under its text config.
        let text = config.family.textConfigKey.flatMap { raw[$0] as? [String: Any] } ?? raw
        func number(_ key: String) -> Double? { (text[key] as? NSNumber)?.doubleValue }
        m.append(("general.architecture", .string(arch)))
        m.append(("general.type", .string("model")))
        m.append(("general.name", .string(pythonTitle(URL(fileURLWithPath: folder).lastPathComponent.replacingOccurrences(of: "-", with: " ")))))
        m.append(("general.size_label", .string(sizeLabel(shapes))))
        u32("block_count", config.layerCount)
        u32("context_length", config.maxPositionEmbeddings)
        u32("embedding_length", config.hiddenSize)
        if config.intermediateSize > 0 { u32("feed_forward_length", config.intermediateSize) }
        u32("attention.head_count", config.headCount)
        // Latent attention is written as one key/value head (llama.cpp's MQA view of MLA).
        u32("attention.head_count_kv", config.latentAttention == nil ? config.kvHeadCount : 1)
        if case .linear(let factor) = config.rope.scaling {
            m.append(("\(arch).rope.scaling.type", .string("linear")))
            f32("rope.scaling.factor", factor)
        }
        let rope = text["rope_parameters"] as? [String: Any] ?? text["rope_scaling"] as? [String: Any] ?? [:]
        func ropeNumber(_ key: String) -> Double? { (rope[key] as? NSNumber)?.doubleValue }
        if case .yarn(let yarn) = config.rope.scaling, let factor = ropeNumber("factor") {
            m.append(("\(arch).rope.scaling.type", .string("yarn")))
            f32("rope.scaling.factor", factor)
            u32("rope.scaling.original_context_length", Int(yarn.originalMaxPositions))
            for (key, gguf) in [("extrapolation_factor", "yarn_ext_factor"), ("attention_factor", "yarn_attn_factor"),
                                ("beta_fast", "yarn_beta_fast"), ("beta_slow", "yarn_beta_slow")] {
                if let v = ropeNumber(key) { f32("rope.scaling.\(gguf)", v) }
            }
        }
        f32("rope.freq_base", config.rope.theta)
        // llama.cpp's OLMoE converter overrides the epsilon with 1e-5.
        f32("attention.layer_norm_rms_epsilon", arch == "olmoe" ? 1e-5 : Double(config.rmsNormEps))
        if let moe = config.moe {
            u32("expert_count", moe.expertCount)
            u32("expert_used_count", moe.topK)
        }
        if let groups = number("n_group") { u32("expert_group_count", Int(groups)) }
        if let used = number("topk_group") { u32("expert_group_used_count", Int(used)) }
        switch text["scoring_func"] as? String {
        case "sigmoid": u32("expert_gating_func", 2)
        case "softmax": u32("expert_gating_func", 1)
        default: break
        }
        if text["head_dim"] is NSNumber && arch != "granitemoe" && config.latentAttention == nil {
            u32("attention.key_length", config.headDim)
            u32("attention.value_length", config.headDim)
        }
        // Experts kept in MXFP4 make an f32/f16/bf16 file llama.cpp's MOSTLY_MXFP4_MOE (38), as its converter says.
        m.append(("general.file_type", .uint32(config.moe?.expertsMXFP4 == true && !type.isQuantized ? 38 : type.fileType)))
        if let s = config.deltaNet {
            hybrid(config: config, deltaNet: s, interval: number("full_attention_interval"), text: text, u32: u32, append: { m.append($0) })
        }
        if let shape = config.latentAttention {
            latent(config: config, shape: shape, text: text, rope: rope, u32: u32, f32: f32, append: { m.append($0) })
        }
        switch arch {
        case "llama", "granitemoe":
            u32("vocab_size", config.vocabSize)
            u32("rope.dimension_count", arch == "granitemoe" ? config.hiddenSize / config.headCount : config.headDim)
        case "gpt-oss":
            if let window = config.slidingWindow.compactMap({ $0 }).first { u32("attention.sliding_window", window) }
            if let moe = config.moe { u32("expert_feed_forward_length", moe.expertIntermediateSize) }
        case "qwen2moe", "qwen3moe", "qwen3next", "qwen35moe":
            if let size = number("moe_intermediate_size") { u32("expert_feed_forward_length", Int(size)) }
            if let size = number("shared_expert_intermediate_size") { u32("expert_shared_feed_forward_length", Int(size)) }
        default:
            break
        }
        if arch == "granitemoe" {
            for (hf, gguf) in [("attention_multiplier", "attention.scale"), ("embedding_multiplier", "embedding_scale"),
                               ("residual_multiplier", "residual_scale"), ("logits_scaling", "logit_scale")] {
                if let v = number(hf), v != 0 { f32(gguf, v) }
            }
            if let size = number("shared_intermediate_size"), size != 0 { u32("expert_shared_feed_forward_length", Int(size)) }
        }
        if (arch == "qwen2moe" || arch == "olmoe"), raw["norm_topk_prob"] as? Bool == true {
            m.append(("\(arch).expert_weights_norm", .bool(true)))
        }
        m.append(("general.quantization_version", .uint32(2)))
        return m
    }

    /// The keys llama.cpp's converter writes for hybrid Qwen models: the gated DeltaNet shape
    /// (`ssm.*`), which layers are recurrent, the rotary width, and for Qwen3.5 the M-RoPE
    /// sections llama.cpp requires.
    private static func hybrid(
        config: ModelConfig, deltaNet s: GatedDeltaNetConfig, interval: Double?, text: [String: Any],
        u32: (String, Int) -> Void, append: ((key: String, value: GGUFValue)) -> Void
    ) {
        let arch = GGUFNames.architecture(of: config.family)
        u32("ssm.conv_kernel", s.convolutionKernel)
        u32("ssm.state_size", s.keyDim)
        u32("ssm.group_count", s.keyHeads)
        u32("ssm.time_step_rank", s.valueHeads)
        u32("ssm.inner_size", s.valueDim * s.valueHeads)
        append(("\(arch).attention.recurrent_layers", .array(.bool, config.mixers.map { .bool($0 == .gatedDeltaNet) })))
        u32("full_attention_interval", Int(interval ?? 4))
        u32("rope.dimension_count", config.rotaryDim)
        if config.family.gguf?.tilesValueHeads == true {
            let rope = text["rope_parameters"] as? [String: Any] ?? text["rope_scaling"] as? [String: Any] ?? [:]
            let sections = (rope["mrope_section"] as? [NSNumber])?.map(\.intValue) ?? [11, 11, 10]
            let padded = (sections + [0, 0, 0, 0]).prefix(4)
            append(("\(arch).rope.dimension_sections", .array(.int32, padded.map { .int32(Int32(clamping: $0)) })))
        }
    }

    /// The keys llama.cpp's `deepseek2` converter writes: dense leading layers, the latent
    /// attention shape (`key_length` / `value_length` of its one-head view, the per-head sizes
    /// as `*_mla`), shared experts, routing scale and renormalisation, the rotary width and
    /// YaRN's `mscale_all_dim` as 0.1 x it (`yarn_log_multiplier`).
    private static func latent(
        config: ModelConfig, shape s: LatentAttentionConfig, text: [String: Any], rope: [String: Any],
        u32: (String, Int) -> Void, f32: (String, Double) -> Void, append: ((key: String, value: GGUFValue)) -> Void
    ) {
        let arch = GGUFNames.architecture(of: config.family)
        func number(_ key: String) -> Double? { (text[key] as? NSNumber)?.doubleValue }
        u32("leading_dense_block_count", Int(number("first_k_dense_replace") ?? (config.moe == nil ? Double(config.layerCount) : 0)))
        u32("vocab_size", config.vocabSize)
        if let rank = s.queryRank { u32("attention.q_lora_rank", rank) }
        u32("attention.kv_lora_rank", s.latentRank)
        u32("attention.key_length", s.latentRank + s.ropeDim)
        u32("attention.value_length", s.latentRank)
        u32("attention.key_length_mla", s.queryKeyDim)
        u32("attention.value_length_mla", s.valueDim)
        u32("expert_feed_forward_length", Int(number("moe_intermediate_size") ?? number("intermediate_size") ?? 0))
        u32("expert_shared_count", Int(number("n_shared_experts") ?? 0))
        if let scale = number("routed_scaling_factor") { f32("expert_weights_scale", scale) }
        if text["norm_topk_prob"] as? Bool == true { append(("\(arch).expert_weights_norm", .bool(true))) }
        u32("rope.dimension_count", s.ropeDim)
        if let all = (rope["mscale_all_dim"] as? NSNumber)?.doubleValue { f32("rope.scaling.yarn_log_multiplier", 0.1 * all) }
    }

    /// gguf-py's `size_label`: `<experts>x<parameters per expert path>` for MoE files (the
    /// non-expert parameters plus one expert's share of each `_exps` tensor), else the total,
    /// in `model_weight_count_rounded_notation`.
    static func sizeLabel(_ shapes: [(name: String, shape: [Int])]) -> String {
        var total = 0, shared = 0, expert = 0, expertSum = 0, expertTensors = 0
        for (name, shape) in shapes {
            let size = shape.reduce(1, *)
            total += size
            if name.contains("_exps."), shape.count >= 3 {
                let count = shape[name.contains(".bias") ? shape.count - 2 : shape.count - 3]
                expert += size / max(count, 1)
                expertSum += count
                expertTensors += 1
            } else {
                shared += size
            }
        }
        let experts = expertTensors > 0 ? expertSum / expertTensors : 0
        return experts > 0 ? "\(experts)x\(roundedCount(shared + expert))" : roundedCount(total)
    }

    /// gguf-py's `model_weight_count_rounded_notation(count, min_digits=2)`.
    static func roundedCount(_ count: Int) -> String {
        let d = Double(count)
        let (scaled, suffix) = d > 1e12 ? (d * 1e-12, "T") : d > 1e9 ? (d * 1e-9, "B") : d > 1e6 ? (d * 1e-6, "M") : (d * 1e-3, "K")
        let digits = String(Int(scaled.rounded(.toNearestOrEven))).drop { $0 == "0" }.count
        return String(format: "%.\(max(2 - digits, 0))f", scaled) + suffix
    }

    /// Python's `str.title()`: a cased letter is upper-cased after a non-letter, lower-cased after a letter.
    static func pythonTitle(_ text: String) -> String {
        var out = ""
        var previousCased = false
        for c in text {
            out += previousCased ? c.lowercased() : c.uppercased()
            previousCased = c.isLetter
        }
        return out
    }
}
