import MoEFormats

extension ModelConfig {
    /// Reads the architecture from a GGUF file's metadata (llama.cpp's keys,
    /// `<arch>.block_count` and so on) and its tensor list (which layers are MoE, tied
    /// embeddings, Llama 3 `rope_freqs`); the family adds what is its own.
    public init(gguf file: GGUFFile) throws {
        let path = file.path
        func fail(_ key: String, _ message: String) -> ConfigError { ConfigError(file: path, field: key, message) }
        guard let arch = file.architecture else {
            throw fail("general.architecture", "missing; supported: \(ModelFamily.ggufArchitectureNames)")
        }
        let fields = GGUFFields(file: file, architecture: arch)
        func int(_ key: String) throws -> Int { try fields.int(key) }
        func optionalInt(_ key: String) -> Int? { fields.optionalInt(key) }
        func double(_ key: String) -> Double? { fields.double(key) }
        let experts = optionalInt("expert_count") ?? 0
        guard let family = ModelFamily.reading(gguf: arch, experts: experts), let gguf = family.gguf else {
            throw fail("general.architecture", "unsupported GGUF architecture '\(arch)'; supported: \(ModelFamily.ggufArchitectureNames)")
        }
        // GGUF always stores routed experts one stacked tensor per projection.
        switch family.experts {
        case .fused, .transposedInterleaved: self.family = family.withSeparateExperts
        case .separate: self.family = family
        }
        modelType = family.modelType
        unusedTensors = family.unusedTensors
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
        intermediateSize = optionalInt("feed_forward_length") ?? 0
        let eps = double("attention.layer_norm_rms_epsilon") ?? family.defaultRMSNormEps
        guard eps > 0 else { throw fail("\(arch).attention.layer_norm_rms_epsilon", "must be positive") }
        rmsNormEps = Float(eps)
        let theta = double("rope.freq_base") ?? family.defaultRopeTheta
        guard theta > 1 else { throw fail("\(arch).rope.freq_base", "expected a base > 1, found \(theta)") }
        rope = RopeConfig(theta: theta)
        rotaryDim = headDim
        normWeightOffset = 0
        attentionOutputGate = false
        mixers = Array(repeating: .attention, count: layerCount)
        deltaNet = nil
        latentAttention = nil
        if let factors = file.tensor(named: "rope_freqs.weight") {
            let values = try file.dequantize(factors).map(Double.init)
            guard values.count == headDim / 2, values.allSatisfy({ $0 > 0 }) else {
                throw ConfigError(file: path, field: nil, "tensor 'rope_freqs.weight' must hold \(headDim / 2) positive factors")
            }
            rope.scaling = .frequencyFactors(values)
        } else if file.string("\(arch).rope.scaling.type") == "linear", let factor = double("rope.scaling.factor"), factor > 0 {
            rope.scaling = .linear(factor: factor)
        } else if file.string("\(arch).rope.scaling.type") == "yarn" {
            rope.scaling = .yarn(try YaRNScaling(gguf: fields, contextLength: optionalInt("context_length") ?? 4096))
        }
        ropeInterleaved = gguf.permutesQK
        maxPositionEmbeddings = optionalInt("context_length") ?? 4096
        guard (1...(1 << 30)).contains(maxPositionEmbeddings) else {
            throw fail("\(arch).context_length", "expected 1...\(1 << 30), found \(maxPositionEmbeddings)")
        }
        tieWordEmbeddings = file.tensor(named: "output.weight") == nil
        qkNorm = .none
        qkvBias = file.tensor(named: "blk.0.attn_q.bias") != nil
        outputBias = file.tensor(named: "blk.0.attn_output.bias") != nil
        clipQKV = double("attention.clamp_kqv").map(Float.init)
        slidingWindow = Array(repeating: nil, count: layerCount)
        moeLayers = (0..<layerCount).map { file.tensor(named: "blk.\($0).ffn_gate_inp.weight") != nil }
        if experts > 0 {
            let used = try int("expert_used_count")
            guard used <= experts else { throw fail("\(arch).expert_used_count", "exceeds expert_count \(experts)") }
            let routing = RoutingRule.softmaxTopK(renormalize: fields.bool("expert_weights_norm") ?? false)
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
        try gguf.configure(fields, &self)
        if intermediateSize == 0, let dense = moeLayers.firstIndex(of: false) {
            throw fail("\(arch).feed_forward_length", "missing, and layer \(dense) has a dense feed-forward")
        }
    }
}

extension ModelFamily {
    /// This family with routed experts stored one tensor per projection (as GGUF splits
    /// Granite's fused `input_linear` and GPT-OSS's interleaved `gate_up_proj` into
    /// `ffn_gate_exps` and `ffn_up_exps`).
    var withSeparateExperts: ModelFamily {
        var family = self
        family.experts = .separate(gate: "gate_proj", up: "up_proj", down: "down_proj")
        return family
    }
}
