
/// Sizes that matter for running a model: parameters in total and per token, bytes by
/// dtype, and the weight bytes one decode step reads.
public struct ModelSummary: Sendable {
    /// Every parameter of the model the engine runs (tensors it leaves unused excluded).
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
    /// Checkpoint tensors the engine does not run (multi-token prediction heads, vision
    /// towers), by group.
    public let unusedTensors: [UnusedTensorGroup]

    /// Measures `model`.
    public init(_ model: Transformer) {
        let c = model.config
        var total = 0, bytes = 0
        var byType: [String: Int] = [:]
        var unused = c.unusedTensors.map { UnusedTensorGroup(prefix: $0.prefix, purpose: $0.purpose) }
        for t in model.weights.allTensors {
            if let group = unused.firstIndex(where: { t.name.hasPrefix($0.prefix) }) {
                unused[group].tensors += 1
                unused[group].parameters += t.parameterCount
                unused[group].bytes += t.data.count
                continue
            }
            total += t.parameterCount
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
        unusedTensors = unused.filter { $0.tensors > 0 }
    }
}

/// Tensors of one kind that a checkpoint carries and the engine leaves unused.
public struct UnusedTensorGroup: Sendable, Equatable {
    /// Name prefix of the group (`mtp.`, `model.visual.`).
    public let prefix: String
    /// What the tensors are for.
    public let purpose: String
    /// Tensors in the group.
    public var tensors = 0
    /// Their parameters.
    public var parameters = 0
    /// Their stored bytes.
    public var bytes = 0
}
