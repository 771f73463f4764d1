/// A tensor that owns its bytes, for writing.
public struct TensorData: Sendable {
    /// Tensor name.
    public var name: String
    /// Element type.
    public var dtype: TensorDType
    /// Dimensions, outermost first.
    public var shape: [Int]
    /// Raw little-endian element bytes; must hold exactly `shape.product * dtype.byteSize`.
    public var bytes: [UInt8]

    /// Creates a tensor from its raw bytes.
    public init(name: String, dtype: TensorDType, shape: [Int], bytes: [UInt8]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }
}
