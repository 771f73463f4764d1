/// The shape of multi-head latent attention (DeepSeek-V2/V3): queries through an optional
/// low-rank bottleneck, keys and values through a shared compressed latent plus one rotary
/// key shared by every head.
public struct LatentAttentionConfig: Sendable, Equatable {
    /// Rank of the query bottleneck (`q_lora_rank`), or nil for a plain `q_proj`.
    public var queryRank: Int?
    /// Width of the compressed key/value latent (`kv_lora_rank`).
    public var latentRank: Int
    /// Per-head query/key dimensions without rotary embedding (`qk_nope_head_dim`).
    public var noPositionDim: Int
    /// Per-head query dimensions and shared key dimensions with rotary embedding (`qk_rope_head_dim`).
    public var ropeDim: Int
    /// Per-head value width (`v_head_dim`).
    public var valueDim: Int

    /// A shape from the config's sizes.
    public init(queryRank: Int?, latentRank: Int, noPositionDim: Int, ropeDim: Int, valueDim: Int) {
        self.queryRank = queryRank
        self.latentRank = latentRank
        self.noPositionDim = noPositionDim
        self.ropeDim = ropeDim
        self.valueDim = valueDim
    }

    /// A query or key head's width (`qk_head_dim`).
    public var queryKeyDim: Int { noPositionDim + ropeDim }

    /// Floats cached per position and layer: the normalised latent and the rotary key.
    public var cacheFloats: Int { latentRank + ropeDim }
}
