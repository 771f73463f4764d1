import MoEFormats
import MoEModels

extension ModelShape {
    /// The shape of a Mixtral (MoE), Qwen2-MoE (MoE with a shared expert) or Llama (dense)
    /// checkpoint's config.
    public init(config c: ModelConfig) throws {
        guard ["mixtral", "qwen2_moe", "llama"].contains(c.modelType) else {
            throw TrainingError.invalidShape("model_type \(c.modelType): only mixtral, qwen2_moe and llama checkpoints can be trained")
        }
        guard !c.tieWordEmbeddings else { throw TrainingError.invalidShape("tied embeddings are not supported by the trainer") }
        let moe = c.moe
        if c.modelType == "qwen2_moe" { try Self.checkTrainable(qwen2MoE: c) }
        self.init(vocabSize: c.vocabSize, hidden: c.hiddenSize, layers: c.layerCount, heads: c.headCount,
                  kvHeads: c.kvHeadCount, headDim: c.headDim,
                  ffnHidden: moe?.expertIntermediateSize ?? c.intermediateSize,
                  experts: moe?.expertCount ?? 0, topK: moe?.topK ?? 0,
                  sharedExpertHidden: moe?.sharedExpertIntermediateSize ?? 0, context: c.maxPositionEmbeddings,
                  ropeTheta: c.rope.theta, rmsNormEps: c.rmsNormEps)
        try validate()
    }

    /// Throws unless a Qwen2-MoE config is the variant the trainer runs: every layer sparse,
    /// renormalised top-k, a gated shared expert, full attention.
    private static func checkTrainable(qwen2MoE c: ModelConfig) throws {
        guard let moe = c.moe, moe.sharedExpertIntermediateSize != nil, moe.sharedExpertGated else {
            throw TrainingError.invalidShape("qwen2_moe without a shared expert is not supported by the trainer")
        }
        guard moe.routing == .softmaxTopK(renormalize: true) else {
            throw TrainingError.invalidShape("qwen2_moe needs norm_topk_prob = true: the trainer renormalises the top-k weights")
        }
        guard c.moeLayers.allSatisfy({ $0 }) else {
            throw TrainingError.invalidShape("qwen2_moe with dense layers (mlp_only_layers, decoder_sparse_step) is not supported")
        }
        guard c.slidingWindow.allSatisfy({ $0 == nil }) else {
            throw TrainingError.invalidShape("sliding-window attention is not supported by the trainer")
        }
    }
}

extension ParameterBuffer {
    /// Fills every tensor from `store` (f32 or bf16), by hub name; throws if one is missing
    /// or has another shape, or if one of the layout's zero tensors is present but not zero.
    public func load(from store: TensorStore) throws {
        for slot in layout.slots {
            try decode(store, name: slot.name, shape: slot.shape, into: base + slot.offset)
        }
        for zero in layout.zeroTensors where store.tensor(zero.name) != nil {
            var values = [Float](repeating: 0, count: zero.shape.reduce(1, *)) // (elements)
            try values.withUnsafeMutableBufferPointer { p in
                guard let out = p.baseAddress else { return }
                try decode(store, name: zero.name, shape: zero.shape, into: out)
            }
            guard values.allSatisfy({ $0 == 0 }) else {
                throw TrainingError.badTensor("\(zero.name) is not zero; the trainer keeps attention biases at zero")
            }
        }
    }

    /// Decodes tensor `name` of `store`, which must have `shape`, into `out`. `(shape)`
    private func decode(_ store: TensorStore, name: String, shape: [Int], into out: UnsafeMutablePointer<Float>) throws {
        guard let view = store.tensor(name) else { throw TrainingError.badTensor("\(name) is missing") }
        guard view.shape == shape else { throw TrainingError.badTensor("\(name) has shape \(view.shape), expected \(shape)") }
        try TensorCoding.decode(view, into: out)
    }
}

/// f32 / bf16 conversions between tensor bytes and floats (little-endian).
enum TensorCoding {
    /// Decodes `view` (F32 or BF16) into `out`. `(view.elementCount)`
    static func decode(_ view: TensorView, into out: UnsafeMutablePointer<Float>) throws {
        let n = view.elementCount
        switch view.dtype {
        case .F32:
            for i in 0..<n { out[i] = Float(bitPattern: view.data.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian) }
        case .BF16:
            for i in 0..<n {
                let bits = UInt32(view.data.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian) << 16
                out[i] = Float(bitPattern: bits)
            }
        default:
            throw TrainingError.badTensor("\(view.name) is \(view.dtype.rawValue); expected F32 or BF16")
        }
    }

    /// Little-endian f32 bytes of `values`. `(count)`
    static func f32Bytes(_ values: UnsafePointer<Float>, count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 4 * count)
        bytes.withUnsafeMutableBytes { raw in
            for i in 0..<count { raw.storeBytes(of: values[i].bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
        }
        return bytes
    }

    /// Little-endian bf16 bytes of `values`, rounded to nearest even. `(count)`
    static func bf16Bytes(_ values: UnsafePointer<Float>, count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 2 * count)
        bytes.withUnsafeMutableBytes { raw in
            for i in 0..<count {
                let bits = values[i].bitPattern
                let rounded: UInt32 = values[i].isNaN ? 0x7FC0_0000 : bits &+ 0x7FFF &+ ((bits >> 16) & 1)
                raw.storeBytes(of: UInt16(truncatingIfNeeded: rounded >> 16).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
            }
        }
        return bytes
    }
}
