/// One tensor of a GGUF file: name, ggml type, dimensions and its raw blocks (no copy).
///
/// ``data`` points into the file's mapping and is valid while the ``GGUFFile`` that produced
/// it is alive.
public struct GGUFTensorInfo: @unchecked Sendable {
    /// Tensor name as stored.
    public let name: String
    /// Element (block) type.
    public let type: GGMLType
    /// Dimensions as ggml stores them: `dims[0]` (ne0) is the row length, innermost first.
    public let dims: [Int]
    /// Offset of the tensor's bytes from the start of the data section, as stored.
    public let offset: Int
    /// The tensor's blocks: exactly ``byteCount`` bytes, rows back to back.
    public let data: UnsafeRawBufferPointer

    /// Dimensions outermost first, as PyTorch and numpy write them (``dims`` reversed).
    public var shape: [Int] { dims.reversed() }

    /// Number of elements (the product of ``dims``; validated not to overflow).
    public var elementCount: Int { dims.reduce(1, *) }

    /// Elements per row (`dims[0]`).
    public var rowLength: Int { dims.first ?? 1 }

    /// Number of rows (the product of every dimension but the first).
    public var rowCount: Int { dims.dropFirst().reduce(1, *) }

    /// Bytes per row: `rowLength / type.blockSize * type.typeSize`.
    public var rowByteCount: Int { rowLength / type.blockSize * type.typeSize }

    /// Bytes of the whole tensor.
    public var byteCount: Int { data.count }
}
