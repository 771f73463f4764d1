extension ModelConfig {
    /// Bytes of f32 keys and values the attention layers add per position. Sliding-window
    /// layers are not counted: their cache stops growing at a few windows
    /// (`slidingWindowCacheBytes`).
    public var cacheBytesPerToken: Int {
        let fullAttentionLayers = (0..<layerCount).filter { mixers[$0] == .attention && slidingWindow[$0] == nil }.count
        return fullAttentionLayers * attentionBytesPerPosition
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

    /// One position's keys and values in one attention layer.
    private var attentionBytesPerPosition: Int { 2 * kvHeadCount * headDim * MemoryLayout<Float>.size }
}
