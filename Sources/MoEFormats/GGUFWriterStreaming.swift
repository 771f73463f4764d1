/// The header-side description of one tensor whose bytes are produced later.
public struct GGUFTensorLayout: Sendable {
    /// Tensor name.
    public let name: String
    /// Element (block) type.
    public let type: GGMLType
    /// Dimensions outermost first (the last is the row length, ggml's ne0).
    public let shape: [Int]

    /// Describes one tensor.
    public init(name: String, type: GGMLType, shape: [Int]) {
        self.name = name
        self.type = type
        self.shape = shape
    }

    /// Bytes the tensor's blocks take, or nil if the row length is not a whole number of blocks.
    public var byteCount: Int? {
        guard let row = shape.last, let rowBytes = type.byteCount(elements: row) else { return nil }
        return shape.dropLast().reduce(rowBytes, *)
    }
}

extension GGUFWriter {
    /// Writes `metadata` and the tensors described by `layouts`, asking `produce` for each
    /// tensor's bytes in order (so only one tensor need be in memory at a time). The file is
    /// written atomically; each produced buffer must have exactly the layout's byte count.
    public static func write(metadata: [(key: String, value: GGUFValue)], layouts: [GGUFTensorLayout], to path: String,
                             produce: (Int) throws -> [UInt8]) throws {
        var specs: [Spec] = []
        for layout in layouts {
            guard let count = layout.byteCount else {
                throw FormatError(file: path, tensor: layout.name,
                                  "row length \(layout.shape.last ?? 0) is not a multiple of the \(layout.type) block size \(layout.type.blockSize)")
            }
            specs.append(Spec(name: layout.name, type: layout.type, shape: layout.shape, byteCount: count))
        }
        try write(metadata: metadata, specs: specs, to: path) { index, sink in
            let bytes = try produce(index)
            guard bytes.count == specs[index].byteCount else {
                throw FormatError(file: path, tensor: specs[index].name,
                                  "produced \(bytes.count) bytes, expected \(specs[index].byteCount)")
            }
            try bytes.withUnsafeBytes { try sink.write($0) }
        }
    }
}
