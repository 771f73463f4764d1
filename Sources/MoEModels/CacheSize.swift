extension ModelConfig {
    /// Bytes of f32 keys and values the attention layers add per position.
    public var cacheBytesPerToken: Int {
        let attentionLayers = mixers.filter { $0 == .attention }.count
        return attentionLayers * 2 * kvHeadCount * headDim * MemoryLayout<Float>.size
    }

    /// Bytes of f32 recurrent state the gated DeltaNet layers keep, whatever the context.
    public var recurrentStateBytes: Int {
        guard let deltaNet else { return 0 }
        return mixers.filter { $0 == .gatedDeltaNet }.count * deltaNet.stateFloats * MemoryLayout<Float>.size
    }
}
