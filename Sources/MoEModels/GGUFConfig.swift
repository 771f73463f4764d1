import MoEFormats

extension ModelConfig {
    /// GGUF architectures (llama.cpp's names) this engine runs, and the family each maps to.
    package static let ggufArchitectures = ["llama", "qwen2moe", "qwen3moe", "olmoe", "granitemoe", "qwen2", "qwen3"]

    /// Reads the architecture from a GGUF file's metadata (llama.cpp's keys,
    /// `<arch>.block_count` and so on) and its tensor list (which layers are MoE, tied
    /// embeddings, Llama 3 `rope_freqs`).
    public init(gguf file: GGUFFile) throws {
        let path = file.path
        func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(file: path, field: key, message) }
        guard let arch = file.architecture else {
            throw fail("general.architecture", "missing; supported: \(Self.ggufArchitectures.joined(separator: ", "))")
        }
        func int(_ key: String) throws -> Int {
            guard let v = file.int("\(arch).\(key)") else { throw fail("\(arch).\(key)", "missing or not an integer") }
            guard v > 0, v < 1 << 24 else { throw fail("\(arch).\(key)", "expected a positive size, found \(v)") }
            return v
        }
        func optionalInt(_ key: String) -> Int? { file.int("\(arch).\(key)") }
        func double(_ key: String) -> Double? { file.double("\(arch).\(key)") }
        let experts = optionalInt("expert_count") ?? 0

        let family: ModelFamily
        switch arch {
        case "llama": family = experts > 0 ? .mixtral : .llama
        case "qwen2moe": family = .qwen2MoE
        case "qwen3moe": family = .qwen3MoE
        case "olmoe": family = .olmoe
        case "granitemoe": family = .graniteMoE.withSeparateExperts
        case "qwen2": family = .qwen2
        case "qwen3": family = .qwen3
        default:
            throw fail("general.architecture", "unsupported GGUF architecture '\(arch)'; supported: \(Self.ggufArchitectures.joined(separator: ", "))")
        }
        self.family = family
        modelType = family.modelType
        guard let embedding = file.tensor(named: "token_embd.weight"), embedding.shape.count == 2 else {
            throw ConfigError(file: path, field: nil, "tensor 'token_embd.weight' is missing or not 2-D")
        }
        vocabSize = embedding.shape[0]
        hiddenSize = try int("embedding_length")
        guard embedding.shape[1] == hiddenSize else {
            throw fail("\(arch).embedding_length", "is \(hiddenSize) but token_embd.weight has \(embedding.shape[1]) columns")
        }
        layerCount = try int("block_count")
        headCount = try int("attention.head_count")
        kvHeadCount = optionalInt("attention.head_count_kv") ?? headCount
        guard kvHeadCount > 0, headCount % kvHeadCount == 0 else {
            throw fail("\(arch).attention.head_count_kv", "must divide the head count \(headCount), found \(kvHeadCount)")
        }
        headDim = optionalInt("attention.key_length") ?? hiddenSize / headCount
        guard headDim > 0, headDim % 2 == 0 else { throw fail("\(arch).attention.key_length", "expected an even head size, found \(headDim)") }
        intermediateSize = try int("feed_forward_length")
        let eps = double("attention.layer_norm_rms_epsilon") ?? family.defaultRMSNormEps
        guard eps > 0 else { throw fail("\(arch).attention.layer_norm_rms_epsilon", "must be positive") }
        rmsNormEps = Float(eps)
        let theta = double("rope.freq_base") ?? family.defaultRopeTheta
        guard theta > 1 else { throw fail("\(arch).rope.freq_base", "expected a base > 1, found \(theta)") }
        rope = RopeConfig(theta: theta)
        if let factors = file.tensor(named: "rope_freqs.weight") {
            let values = try file.dequantize(factors).map(Double.init)
            guard values.count == headDim / 2, values.allSatisfy({ $0 > 0 }) else {
                throw ConfigError(file: path, field: nil, "tensor 'rope_freqs.weight' must hold \(headDim / 2) positive factors")
            }
            rope.scaling = .frequencyFactors(values)
        } else if file.string("\(arch).rope.scaling.type") == "linear", let factor = double("rope.scaling.factor"), factor > 0 {
            rope.scaling = .linear(factor: factor)
        }
        // llama.cpp's converter permutes q/k rows of these architectures for interleaved RoPE.
        ropeInterleaved = arch == "llama" || arch == "granitemoe"
        maxPositionEmbeddings = optionalInt("context_length") ?? 4096
        tieWordEmbeddings = file.tensor(named: "output.weight") == nil
        switch family.modelType {
        case "qwen3", "qwen3_moe": qkNorm = .perHead
        case "olmoe": qkNorm = .wholeProjection
        default: qkNorm = .none
        }
        clipQKV = double("attention.clamp_kqv").map(Float.init)
        slidingWindow = Array(repeating: nil, count: layerCount)
        moeLayers = (0..<layerCount).map { file.tensor(named: "blk.\($0).ffn_gate_inp.weight") != nil }
        if experts > 0 {
            let used = try int("expert_used_count")
            guard used <= experts else { throw fail("\(arch).expert_used_count", "exceeds expert_count \(experts)") }
            let routing: RoutingRule
            switch family.modelType {
            case "granitemoe": routing = .topKSoftmax
            case "mixtral": routing = .softmaxTopK(renormalize: true)
            case "qwen3_moe": routing = .softmaxTopK(renormalize: file.bool("\(arch).expert_weights_norm") ?? true)
            default: routing = .softmaxTopK(renormalize: file.bool("\(arch).expert_weights_norm") ?? false)
            }
            let shared = optionalInt("expert_shared_feed_forward_length")
            moe = MoEConfig(expertCount: experts, topK: used,
                            expertIntermediateSize: optionalInt("expert_feed_forward_length") ?? intermediateSize,
                            sharedExpertIntermediateSize: shared,
                            sharedExpertGated: file.tensor(named: "blk.\(moeLayers.firstIndex(of: true) ?? 0).ffn_gate_inp_shexp.weight") != nil,
                            routing: routing)
        } else {
            moe = nil
        }
        embeddingMultiplier = Float(double("embedding_scale") ?? 1)
        residualMultiplier = Float(double("residual_scale") ?? 1)
        attentionScale = Float(double("attention.scale") ?? 1 / Double(headDim).squareRoot())
        logitsScaling = Float(double("logit_scale") ?? 1)
        guard logitsScaling != 0 else { throw fail("\(arch).logit_scale", "must not be zero") }
        bosTokenId = file.int("tokenizer.ggml.bos_token_id")
        eosTokenIds = file.int("tokenizer.ggml.eos_token_id").map { [$0] } ?? []
    }
}

extension ModelFamily {
    /// This family with routed experts stored one tensor per projection (as GGUF splits
    /// Granite's fused `input_linear` into `ffn_gate_exps` and `ffn_up_exps`).
    var withSeparateExperts: ModelFamily {
        ModelFamily(modelType: modelType, defaultRopeTheta: defaultRopeTheta, defaultRMSNormEps: defaultRMSNormEps,
                    moeBlock: moeBlock, router: router,
                    experts: .separate(gate: "gate_proj", up: "up_proj", down: "down_proj"), configure: configure)
    }
}
