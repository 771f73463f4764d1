/// A row-major matrix `(rows, cols)` of weights, read in place (typically from a mapped file).
///
/// Rows are output features and columns input features, as in PyTorch's `Linear.weight`.
/// The memory behind `base` must outlive every use of the matrix; the owner of the mapping
/// guarantees that.
public struct WeightMatrix: @unchecked Sendable {
    /// First byte of row 0.
    public let base: UnsafeRawPointer
    /// Element storage type.
    public let type: WeightType
    /// Number of rows (output features).
    public let rows: Int
    /// Number of columns (input features).
    public let cols: Int

    /// Wraps `rows * cols` elements of `type` starting at `base`; `cols` must be a multiple
    /// of `type.blockSize` (rows are whole blocks).
    public init(base: UnsafeRawPointer, type: WeightType, rows: Int, cols: Int) {
        self.base = base
        self.type = type
        self.rows = rows
        self.cols = cols
    }

    /// Bytes of one row.
    public var rowBytes: Int { type.rowBytes(cols: cols) }

    /// Bytes of the whole matrix.
    public var byteCount: Int { rows * rowBytes }

    /// The rows `start ..< start + count` as a matrix of their own (no copy).
    public func rows(_ start: Int, count: Int) -> WeightMatrix {
        WeightMatrix(base: base + start * rowBytes, type: type, rows: count, cols: cols)
    }
}
