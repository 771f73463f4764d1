/// A named tensor's bytes inside a mapped file (no copy).
///
/// Valid while the file that produced it is alive.
public struct TensorView: @unchecked Sendable {
    /// Tensor name as stored in the file.
    public let name: String
    /// Element type.
    public let dtype: TensorDType
    /// Dimensions, outermost first.
    public let shape: [Int]
    /// Exactly `shape.product * dtype.byteSize` bytes.
    public let data: UnsafeRawBufferPointer

    /// Wraps already-validated bytes.
    public init(name: String, dtype: TensorDType, shape: [Int], data: UnsafeRawBufferPointer) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.data = data
    }

    /// Number of elements.
    public var elementCount: Int { shape.reduce(1, *) }
}
