/// The architecture of a model being trained: a Mixtral-style MoE (when `experts > 0`), the
/// same with a Qwen2-MoE shared expert (when also `sharedExpertHidden > 0`), or a Llama-style
/// dense transformer.
public struct ModelShape: Sendable, Equatable {
    /// Vocabulary size.
    public var vocabSize: Int
    /// Width of the residual stream.
    public var hidden: Int
    /// Decoder layers.
    public var layers: Int
    /// Query heads.
    public var heads: Int
    /// Key/value heads (a divisor of `heads`).
    public var kvHeads: Int
    /// Width of one head.
    public var headDim: Int
    /// Hidden width of the dense SwiGLU (dense models), or of each expert (MoE models).
    public var ffnHidden: Int
    /// Routed experts per MoE layer; 0 makes the model dense.
    public var experts: Int
    /// Experts chosen per token.
    public var topK: Int
    /// Hidden width of the always-on, sigmoid-gated shared expert of every MoE layer; 0 for none.
    public var sharedExpertHidden: Int
    /// Longest sequence the model is trained on (`max_position_embeddings`).
    public var context: Int
    /// RoPE base.
    public var ropeTheta: Double
    /// RMSNorm epsilon.
    public var rmsNormEps: Float

    /// Creates a shape; `headDim` defaults to `hidden / heads`.
    public init(vocabSize: Int, hidden: Int, layers: Int, heads: Int, kvHeads: Int? = nil, headDim: Int? = nil,
                ffnHidden: Int, experts: Int = 0, topK: Int = 2, sharedExpertHidden: Int = 0, context: Int,
                ropeTheta: Double = 10000, rmsNormEps: Float = 1e-5) {
        self.vocabSize = vocabSize
        self.hidden = hidden
        self.layers = layers
        self.heads = heads
        self.kvHeads = kvHeads ?? heads
        self.headDim = headDim ?? hidden / max(1, heads)
        self.ffnHidden = ffnHidden
        self.experts = experts
        self.topK = experts > 0 ? topK : 0
        self.sharedExpertHidden = experts > 0 ? sharedExpertHidden : 0
        self.context = context
        self.ropeTheta = ropeTheta
        self.rmsNormEps = rmsNormEps
    }

    /// True for the sparse (Mixtral or Qwen2-MoE) variants.
    public var isMoE: Bool { experts > 0 }

    /// True when every MoE layer has a shared expert.
    public var hasSharedExpert: Bool { sharedExpertHidden > 0 }

    /// The checkpoint layout this shape is saved in.
    public var layout: CheckpointLayout { !isMoE ? .llama : hasSharedExpert ? .qwen2MoE : .mixtral }

    /// Width of all query heads together.
    public var queryWidth: Int { heads * headDim }

    /// Width of all key (or value) heads together.
    public var kvWidth: Int { kvHeads * headDim }

    /// Throws unless the sizes describe a model this trainer can run.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw TrainingError.invalidShape(message) }
        }
        try check(vocabSize > 0 && hidden > 0 && layers > 0 && ffnHidden > 0 && context > 0, "sizes must be positive")
        try check(heads > 0 && kvHeads > 0 && heads % kvHeads == 0, "heads (\(heads)) must be a multiple of kv heads (\(kvHeads))")
        try check(headDim > 0 && headDim % 2 == 0, "head dim (\(headDim)) must be even and positive")
        try check(experts == 0 || (topK >= 1 && topK <= experts), "top-k (\(topK)) must be in 1...experts (\(experts))")
        try check(sharedExpertHidden >= 0, "shared expert width (\(sharedExpertHidden)) must not be negative")
    }

    /// Parameters used per token: attention, norms, embedding and head, plus `topK` experts,
    /// the router and any shared expert with its gate (MoE) or the dense FFN.
    public var activeParameters: Int {
        let attention = hidden * (queryWidth + 2 * kvWidth) + queryWidth * hidden + 2 * hidden
        let shared = hasSharedExpert ? 3 * hidden * sharedExpertHidden + hidden : 0
        let ffn = isMoE ? topK * 3 * hidden * ffnHidden + experts * hidden + shared : 3 * hidden * ffnHidden
        return layers * (attention + ffn) + 2 * vocabSize * hidden + hidden
    }
}

/// Errors from configuring or running training.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// The model sizes are inconsistent.
    case invalidShape(String)
    /// A tensor is missing or has the wrong shape.
    case badTensor(String)
    /// Data could not be read or is too short.
    case data(String)
    /// A checkpoint could not be read or written.
    case checkpoint(String)
    /// A training option is out of range.
    case invalidOption(String)

    /// A one-line description.
    public var description: String {
        switch self {
        case .invalidShape(let m): return "invalid model shape: \(m)"
        case .badTensor(let m): return "tensor error: \(m)"
        case .data(let m): return "data error: \(m)"
        case .checkpoint(let m): return "checkpoint error: \(m)"
        case .invalidOption(let m): return "invalid training option: \(m)"
        }
    }
}
