
/// Sizes that matter for running a model: parameters in total and per token, bytes by
/// dtype, and the weight bytes one decode step reads.
public struct ModelSummary: Sendable {
    /// Every parameter in the checkpoint.
    public let totalParameters: Int
    /// Parameters that take part in one token's forward pass (all dense weights, the
    /// embedding table included, and `topK` of the routed experts of each MoE layer).
    public let activeParameters: Int
    /// Bytes stored per dtype name (`BF16`, `F32`, ...).
    public let bytesByDType: [String: Int]
    /// All weight bytes.
    public let totalBytes: Int
    /// Weight bytes one decode step reads: everything but the unused experts and the
    /// embedding rows of other tokens.
    public let bytesPerDecodedToken: Int
    /// Layers whose feed-forward is sparse.
    public let moeLayerCount: Int
    /// Parameters in one routed expert (0 for a dense model).
    public let parametersPerExpert: Int

    /// Measures `model`.
    public init(_ model: Transformer) {
        let c = model.config
        var total = 0, bytes = 0
        var byType: [String: Int] = [:]
        for t in model.weights.allTensors {
            total += t.elementCount
            bytes += t.data.count
            byType[t.typeName, default: 0] += t.data.count
        }
        var idleParameters = 0, idleBytes = 0, moeLayers = 0, perExpert = 0
        for layer in model.layers {
            guard case .sparse(let moe) = layer.ffn, let expert = moe.experts.first else { continue }
            moeLayers += 1
            perExpert = expert.parameterCount
            let idle = moe.experts.count - moe.topK
            idleParameters += idle * expert.parameterCount
            idleBytes += idle * (expert.gate.byteCount + expert.up.byteCount + expert.down.byteCount)
        }
        let unusedEmbedding = c.tieWordEmbeddings ? 0 : model.embedding.byteCount - model.embedding.rowBytes
        totalParameters = total
        activeParameters = total - idleParameters
        bytesByDType = byType
        totalBytes = bytes
        bytesPerDecodedToken = bytes - idleBytes - unusedEmbedding
        moeLayerCount = moeLayers
        parametersPerExpert = perExpert
    }
}
