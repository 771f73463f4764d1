import MoEFormats
import MoEModels

extension ModelShape {
    /// The shape of a Mixtral (MoE) or Llama (dense) checkpoint's config.
    public init(config c: ModelConfig) throws {
        guard c.modelType == "mixtral" || c.modelType == "llama" else {
            throw TrainingError.invalidShape("model_type \(c.modelType): only mixtral and llama checkpoints can be trained")
        }
        guard !c.tieWordEmbeddings else { throw TrainingError.invalidShape("tied embeddings are not supported by the trainer") }
        let moe = c.moe
        self.init(vocabSize: c.vocabSize, hidden: c.hiddenSize, layers: c.layerCount, heads: c.headCount,
                  kvHeads: c.kvHeadCount, headDim: c.headDim,
                  ffnHidden: moe?.expertIntermediateSize ?? c.intermediateSize,
                  experts: moe?.expertCount ?? 0, topK: moe?.topK ?? 0, context: c.maxPositionEmbeddings,
                  ropeTheta: c.rope.theta, rmsNormEps: c.rmsNormEps)
        try validate()
    }
}

extension ParameterBuffer {
    /// Fills every tensor from `store` (f32 or bf16), by hub name; throws if one is missing
    /// or has another shape.
    public func load(from store: TensorStore) throws {
        for slot in layout.slots {
            guard let view = store.tensor(slot.name) else { throw TrainingError.badTensor("\(slot.name) is missing") }
            guard view.shape == slot.shape else {
                throw TrainingError.badTensor("\(slot.name) has shape \(view.shape), expected \(slot.shape)")
            }
            try TensorCoding.decode(view, into: base + slot.offset)
        }
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
