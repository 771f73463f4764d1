extension ModelConfig {
    /// Bytes of f32 cache the attention layers add per position: keys and values, or for
    /// latent attention the latent and rotary key (`kv_lora_rank + qk_rope_head_dim` floats).
    public var cacheBytesPerToken: Int {
        let attentionLayers = mixers.filter { $0 == .attention }.count
        let latentLayers = mixers.filter { $0 == .latentAttention }.count
        let latentFloats = latentAttention?.cacheFloats ?? 0
        return (attentionLayers * 2 * kvHeadCount * headDim + latentLayers * latentFloats) * MemoryLayout<Float>.size
    }

    /// Bytes of f32 recurrent state the gated DeltaNet layers keep, whatever the context.
    public var recurrentStateBytes: Int {
        guard let deltaNet else { return 0 }
        return mixers.filter { $0 == .gatedDeltaNet }.count * deltaNet.stateFloats * MemoryLayout<Float>.size
    }

    /// Bytes per position an f32 cache of expanded per-head keys (`qk_head_dim`) and values
    /// (`v_head_dim`) would take for the latent attention layers: what the latent cache saves.
    public var naiveLatentCacheBytesPerToken: Int {
        guard let l = latentAttention else { return 0 }
        let layers = mixers.filter { $0 == .latentAttention }.count
        return layers * headCount * (l.queryKeyDim + l.valueDim) * MemoryLayout<Float>.size
    }
}
