extension ModelConfig {
    /// Bytes of f32 cache the attention layers add per position: keys and values, or for
    /// latent attention the latent and rotary key (`kv_lora_rank + qk_rope_head_dim` floats).
    /// Sliding-window layers are not counted: their cache stops growing at a few windows
    /// (`slidingWindowCacheBytes`).
    public var cacheBytesPerToken: Int {
        let fullAttentionLayers = (0..<layerCount).filter { mixers[$0] == .attention && slidingWindow[$0] == nil }.count
        let latentLayers = mixers.filter { $0 == .latentAttention }.count
        let latentFloats = latentAttention?.cacheFloats ?? 0
        return fullAttentionLayers * attentionBytesPerPosition + latentLayers * latentFloats * MemoryLayout<Float>.size
    }

    /// Bytes of f32 keys and values the sliding-window layers hold at most, whatever the
    /// context: four windows each (a pass longer than two windows briefly holds that pass plus
    /// two windows).
    public var slidingWindowCacheBytes: Int {
        (0..<layerCount).reduce(0) { total, i in
            guard mixers[i] == .attention, let window = slidingWindow[i] else { return total }
            return total + 4 * window * attentionBytesPerPosition
        }
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

    /// One position's keys and values in one attention layer.
    private var attentionBytesPerPosition: Int { 2 * kvHeadCount * headDim * MemoryLayout<Float>.size }
}
