import Foundation
import MoEFormats

/// Where per-head query/key RMSNorms sit, if the family has them.
public enum QKNorm: Sendable, Equatable {
    /// No query/key normalisation.
    case none
    /// One RMSNorm of size `head_dim` applied to every head (Qwen3, Qwen3-MoE).
    case perHead
    /// One RMSNorm over the whole q (and k) projection output (OLMoE).
    case wholeProjection
}

/// Everything the transformer needs to know about a checkpoint's architecture, read from a
/// Hugging Face `config.json` (either the transformers v4 or v5 form).
public struct ModelConfig: Sendable {
    /// The checkpoint's `model_type`.
    public var modelType: String
    /// Vocabulary size (rows of the embedding and of the output head).
    public var vocabSize: Int
    /// Width of the residual stream.
    public var hiddenSize: Int
    /// Number of decoder layers.
    public var layerCount: Int
    /// Query heads.
    public var headCount: Int
    /// Key/value heads (grouped-query attention when fewer than `headCount`).
    public var kvHeadCount: Int
    /// Width of one attention head (may differ from `hiddenSize / headCount`).
    public var headDim: Int
    /// Hidden size of the dense SwiGLU feed-forward (dense layers only).
    public var intermediateSize: Int
    /// Epsilon of every RMSNorm.
    public var rmsNormEps: Float
    /// Rotary embedding parameters.
    public var rope: RopeConfig
    /// Leading dimensions of each attention head that RoPE rotates (`head_dim` times
    /// `partial_rotary_factor`; all of them unless the config says otherwise).
    public var rotaryDim: Int
    /// RoPE rotates adjacent pairs `(2i, 2i+1)` instead of `(i, i + d/2)`: GGUF files of the
    /// llama and granite architectures store q/k rows permuted for this layout.
    public var ropeInterleaved = false
    /// Longest context the checkpoint was trained for.
    public var maxPositionEmbeddings: Int
    /// The output head reuses the embedding matrix.
    public var tieWordEmbeddings: Bool
    /// Query/key normalisation variant.
    public var qkNorm: QKNorm
    /// Whether q, k and v projections have biases (Qwen2 families; Llama's `attention_bias`).
    public var qkvBias: Bool
    /// Whether the attention output projection has a bias (Llama's `attention_bias`).
    public var outputBias: Bool
    /// Added to every RMSNorm weight on load: 1 for families whose norms compute
    /// `x * (1 + w)` (Qwen3-Next), 0 otherwise.
    public var normWeightOffset: Float
    /// Whether attention's `q_proj` also yields a per-head gate, `attn * sigmoid(gate)`.
    public var attentionOutputGate: Bool
    /// Whether each attention head has a learned sink logit (`self_attn.sinks`) that joins
    /// its softmax without contributing a value (GPT-OSS).
    public var attentionSinks = false
    /// Per layer: the token mixer. `(layerCount)`
    public var mixers: [TokenMixerKind]
    /// Shape of the gated DeltaNet layers, for hybrid families.
    public var deltaNet: GatedDeltaNetConfig?
    /// Shape of the multi-head latent attention layers (DeepSeek).
    public var latentAttention: LatentAttentionConfig?
    /// If set, q, k and v are clamped to `[-clipQKV, clipQKV]` (OLMoE).
    public var clipQKV: Float?
    /// Per layer: attention window in tokens (the query and the `window - 1` before it), or
    /// nil for full causal attention. `(layerCount)`
    public var slidingWindow: [Int?]
    /// Sparse block shape, for MoE families.
    public var moe: MoEConfig?
    /// Per layer: true when the feed-forward is the sparse MoE block. `(layerCount)`
    public var moeLayers: [Bool]
    /// Scale applied to the token embeddings (Granite).
    public var embeddingMultiplier: Float
    /// Scale applied to each block's output before it is added to the residual (Granite).
    public var residualMultiplier: Float
    /// Multiplier of q.k in attention (1/sqrt(head_dim) unless the family overrides it).
    public var attentionScale: Float
    /// Logits are divided by this (Granite's `logits_scaling`).
    public var logitsScaling: Float
    /// Beginning-of-sequence token, if the config names one.
    public var bosTokenId: Int?
    /// End-of-sequence tokens (generation stops at any of them).
    public var eosTokenIds: [Int]

    /// The family that interprets this config.
    package var family: ModelFamily
    /// Tensors the checkpoint may carry that the engine does not run, by name prefix, with
    /// what they are: the family's, plus those that depend on the config (DeepSeek's
    /// multi-token-prediction layers past `num_hidden_layers`).
    package var unusedTensors: [(prefix: String, purpose: String)] = []
    /// Prefix of the text model's tensor names in the checkpoint (`model.`, or
    /// `model.language_model.` inside a multimodal checkpoint).
    package var tensorPrefix = "model."

    /// Reads `config.json` in a model folder.
    public static func load(folder: String) throws -> ModelConfig {
        let path = (folder as NSString).appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigError(file: path, "no such file (a Hugging Face model folder needs config.json)")
        }
        return try ModelConfig(json: Data(try MappedFile.read(path)), file: path)
    }

    /// Parses the contents of a `config.json`; `file` names it in errors.
    public init(json data: Data, file: String) throws {
        let top = try JSONFields(data: data, file: file)
        guard let modelType = try top.optionalString("model_type") else {
            throw ConfigError(file: file, field: "model_type", "missing; supported: \(ModelFamily.supportedNames)")
        }
        guard let family = ModelFamily.named(modelType) else {
            throw ConfigError(file: file, field: "model_type",
                              "unsupported model type '\(modelType)'; supported: \(ModelFamily.supportedNames)")
        }
        self.family = family
        self.modelType = modelType
        unusedTensors = family.unusedTensors
        var json = top
        if let key = family.textConfigKey {
            guard let text = try top.optionalObject(key) else {
                throw ConfigError(file: file, field: key, "missing: a \(modelType) checkpoint keeps its text model's settings there")
            }
            json = text
            tensorPrefix = "model.language_model."
        }
        let limit = 1 << 24
        vocabSize = try json.int("vocab_size", in: 1...limit)
        hiddenSize = try json.int("hidden_size", in: 1...limit)
        layerCount = try json.int("num_hidden_layers", in: 1...4096)
        headCount = try json.int("num_attention_heads", in: 1...4096)
        kvHeadCount = try json.optionalInt("num_key_value_heads") ?? headCount
        guard kvHeadCount >= 1, headCount % kvHeadCount == 0 else {
            throw ConfigError(file: file, field: "num_key_value_heads",
                              "must divide num_attention_heads (\(headCount)), found \(kvHeadCount)")
        }
        if let d = try json.optionalInt("head_dim") {
            guard (2...65536).contains(d), d % 2 == 0 else {
                throw ConfigError(file: file, field: "head_dim", "expected an even positive size, found \(d)")
            }
            headDim = d
        } else {
            guard hiddenSize % headCount == 0, (hiddenSize / headCount) % 2 == 0 else {
                throw ConfigError(file: file, field: "hidden_size",
                                  "hidden_size / num_attention_heads must be an even integer when head_dim is absent")
            }
            headDim = hiddenSize / headCount
        }
        intermediateSize = try json.optionalInt("intermediate_size") ?? 0
        guard (0...limit).contains(intermediateSize) else {
            throw ConfigError(file: file, field: "intermediate_size", "expected 1...\(limit), found \(intermediateSize)")
        }
        let eps = try json.optionalDouble("rms_norm_eps") ?? family.defaultRMSNormEps
        guard eps > 0 else { throw ConfigError(file: file, field: "rms_norm_eps", "must be positive") }
        rmsNormEps = Float(eps)
        rope = try RopeConfig.read(json, defaultTheta: family.defaultRopeTheta)
        rotaryDim = try Self.rotaryDimension(json, headDim: headDim, defaultFactor: 1)
        maxPositionEmbeddings = try json.optionalInt("max_position_embeddings") ?? 4096
        guard (1...(1 << 30)).contains(maxPositionEmbeddings) else {
            throw ConfigError(file: file, field: "max_position_embeddings", "expected 1...\(1 << 30), found \(maxPositionEmbeddings)")
        }
        // Every supported family's feed-forwards are SwiGLU: another activation would be ignored.
        if let activation = try json.optionalString("hidden_act"),
           !["silu", "swish"].contains(activation) {
            throw ConfigError(file: file, field: "hidden_act", "unsupported activation '\(activation)' (supported: silu)")
        }
        tieWordEmbeddings = try json.optionalBool("tie_word_embeddings") ?? top.optionalBool("tie_word_embeddings") ?? false
        qkNorm = .none
        let attentionBias = try json.optionalBool("attention_bias") ?? false
        qkvBias = attentionBias
        outputBias = attentionBias
        normWeightOffset = 0
        attentionOutputGate = false
        mixers = Array(repeating: .attention, count: layerCount)
        deltaNet = nil
        latentAttention = nil
        clipQKV = nil
        slidingWindow = Array(repeating: nil, count: layerCount)
        moe = nil
        moeLayers = Array(repeating: false, count: layerCount)
        embeddingMultiplier = 1
        residualMultiplier = 1
        attentionScale = 1 / Float(headDim).squareRoot()
        logitsScaling = 1
        bosTokenId = try json.optionalInt("bos_token_id")
        eosTokenIds = try json.has("eos_token_id") ? json.intList("eos_token_id") : top.intList("eos_token_id")
        try family.configure(json, &self)
        try readLayerTypes(json)
        if intermediateSize == 0, let dense = moeLayers.firstIndex(of: false) {
            throw ConfigError(file: file, field: "intermediate_size", "missing, and layer \(dense) has a dense feed-forward")
        }
    }

    /// `head_dim * partial_rotary_factor` (from `rope_parameters` or the top level, else
    /// `defaultFactor`), which must be even and at most `head_dim`.
    static func rotaryDimension(_ json: JSONFields, headDim: Int, defaultFactor: Double) throws -> Int {
        let factor = try json.optionalObject("rope_parameters")?.optionalDouble("partial_rotary_factor")
            ?? json.optionalDouble("partial_rotary_factor") ?? defaultFactor
        let dim = Int(Double(headDim) * factor)
        guard factor > 0, factor <= 1, dim >= 2, dim % 2 == 0 else {
            throw ConfigError(file: json.file, field: "partial_rotary_factor",
                              "must leave an even number of rotary dimensions in 2...\(headDim), found \(factor)")
        }
        return dim
    }

    /// Applies transformers v5's per-layer `layer_types`, when present, over the family's
    /// own reading of sliding windows.
    private mutating func readLayerTypes(_ json: JSONFields) throws {
        guard let types = try json.optionalStringList("layer_types") else { return }
        guard types.count == layerCount else {
            throw ConfigError(file: json.file, field: "layer_types",
                              "expected \(layerCount) entries (num_hidden_layers), found \(types.count)")
        }
        for (i, type) in types.enumerated() {
            switch type {
            case "full_attention":
                slidingWindow[i] = nil
                mixers[i] = .attention
            case "sliding_attention":
                slidingWindow[i] = try Self.window(json)
            case "linear_attention" where deltaNet != nil:
                mixers[i] = .gatedDeltaNet
            default:
                let supported = deltaNet != nil ? "full_attention, linear_attention" : "full_attention, sliding_attention"
                throw ConfigError(file: json.file, field: "layer_types[\(i)]",
                                  "unsupported layer type '\(type)' (supported: \(supported))")
            }
        }
    }

    /// The `sliding_window` size, which must be a positive integer.
    static func window(_ json: JSONFields) throws -> Int {
        guard let w = try json.optionalInt("sliding_window"), w > 0 else {
            throw ConfigError(file: json.file, field: "sliding_window", "expected a positive window size")
        }
        return w
    }

    /// Reads the MoE fields shared by every family: expert count (`num_experts` or
    /// `num_local_experts`) and `num_experts_per_tok`.
    mutating func readMoE(_ json: JSONFields, intermediateKey: String, routing: RoutingRule,
                          sharedExpertKey: String? = nil) throws {
        let key = json.has("num_experts") ? "num_experts" : "num_local_experts"
        let experts = try json.int(key, in: 1...65536)
        let topK = try json.int("num_experts_per_tok")
        guard (1...experts).contains(topK) else {
            throw ConfigError(file: json.file, field: "num_experts_per_tok",
                              "expected 1...\(experts) (the expert count), found \(topK)")
        }
        var shared: Int?
        if let sharedExpertKey, let s = try json.optionalInt(sharedExpertKey), s > 0 { shared = s }
        moe = MoEConfig(
            expertCount: experts, topK: topK,
            expertIntermediateSize: try json.int(intermediateKey, in: 1...(1 << 24)),
            sharedExpertIntermediateSize: shared, sharedExpertGated: shared != nil, routing: routing)
        moeLayers = Array(repeating: true, count: layerCount)
    }
}
