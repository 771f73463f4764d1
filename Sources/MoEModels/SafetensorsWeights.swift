import MoEFormats
import MoEKernels

/// Weights from a Hugging Face safetensors checkpoint: names are already Hugging Face's.
public final class SafetensorsWeights: WeightSource, @unchecked Sendable {
    /// The mapped files.
    public let store: TensorStore
    /// The model folder.
    public let location: String

    /// Opens the safetensors weights in `folder`.
    public init(folder: String) throws {
        store = try TensorStore(folder: folder)
        location = folder
    }

    /// The tensor `name`.
    public func tensor(_ name: String) -> StoredTensor? {
        store.tensor(name).map(Self.stored)
    }

    /// Every tensor of every file.
    public var allTensors: [StoredTensor] { store.names.compactMap { store.tensor($0).map(Self.stored) } }

    /// Faults in every page of every file.
    public func touchAllPages() { for file in store.files { file.touchAllPages() } }

    private static func stored(_ t: TensorView) -> StoredTensor {
        let type: WeightType?
        switch t.dtype {
        case .F32: type = .f32
        case .F16: type = .f16
        case .BF16: type = .bf16
        default: type = nil
        }
        return StoredTensor(name: t.name, typeName: t.dtype.rawValue, weightType: type, shape: t.shape, data: t.data)
    }
}
