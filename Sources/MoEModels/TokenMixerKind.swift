/// Which token mixer a decoder layer uses.
public enum TokenMixerKind: Sendable, Equatable {
    /// Softmax attention over a key/value cache (`self_attn`).
    case attention
    /// Gated DeltaNet linear attention with a recurrent state (`linear_attn`).
    case gatedDeltaNet
    /// Multi-head latent attention over a cache of compressed latents (`self_attn`, DeepSeek).
    case latentAttention
}

/// The shape and tensor layout of a family's gated DeltaNet layers.
public struct GatedDeltaNetConfig: Sendable, Equatable {
    /// How value heads are ordered relative to the key heads they share.
    public enum ValueHeadOrder: Sendable, Equatable {
        /// Value head `h` uses key head `h / (valueHeads / keyHeads)` (Hugging Face).
        case grouped
        /// Value head `h` uses key head `h % keyHeads` (llama.cpp's Qwen3.5 GGUF files).
        case tiled
    }

    /// Query/key heads (`linear_num_key_heads`).
    public var keyHeads: Int
    /// Value heads (`linear_num_value_heads`), a multiple of `keyHeads`.
    public var valueHeads: Int
    /// Width of a query/key head (`linear_key_head_dim`).
    public var keyDim: Int
    /// Width of a value head (`linear_value_head_dim`).
    public var valueDim: Int
    /// Taps of the causal convolution (`linear_conv_kernel_dim`).
    public var convolutionKernel: Int
    /// Whether `in_proj_qkvz` holds, per key head, its query, key, and its value heads'
    /// values and gates (Qwen3-Next); otherwise `in_proj_qkv` (all queries, all keys, all
    /// values) and `in_proj_z` are separate (Qwen3.5, and llama.cpp's files of both).
    public var groupedQKVZ: Bool
    /// Whether `in_proj_ba` holds, per key head, its value heads' betas then alphas;
    /// otherwise `in_proj_b` and `in_proj_a` are separate.
    public var groupedBA: Bool
    /// Whether `A_log` holds `-exp(A_log)` already (llama.cpp's `ssm_a`).
    public var decayStoredAsRate: Bool
    /// Order of the value heads.
    public var valueHeadOrder: ValueHeadOrder

    /// Channels of the convolution: queries, keys and values.
    public var convolutionChannels: Int { 2 * keyHeads * keyDim + valueHeads * valueDim }

    /// Floats of recurrent state per layer: the convolution window and one
    /// `(keyDim, valueDim)` matrix per value head.
    public var stateFloats: Int { (convolutionKernel - 1) * convolutionChannels + valueHeads * keyDim * valueDim }
}
