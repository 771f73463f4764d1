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
}
