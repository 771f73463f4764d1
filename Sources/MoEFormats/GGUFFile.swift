/// A GGUF file (version 2 or 3) whose header has been fully validated; tensor data is
/// memory-mapped, not copied.
///
/// Tensor infos (``tensors``) point into the mapping and stay valid while this object lives.
/// See ``GGUFParser`` for the layout and the checks made.
public final class GGUFFile: @unchecked Sendable {
    /// Path the file was opened from (or the name given for in-memory contents).
    public let path: String
    /// Format version (2 or 3).
    public let version: UInt32
    /// Every metadata value by key.
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Tensor infos in file order.
    public let tensors: [GGUFTensorInfo]
    /// Alignment of the data section and of every tensor's offset.
    public let alignment: Int
    /// Offset of the data section from the start of the file.
    public let dataOffset: Int

    private let storage: AnyObject
    private let index: [String: Int]

    /// Maps the file at `path` and validates it; throws a ``FormatError`` naming the file (and
    /// the tensor or key) on any problem.
    public convenience init(path: String) throws {
        let mapping = try MappedFile(path: path)
        try self.init(bytes: mapping.bytes, owner: mapping, name: path)
    }

    /// Parses a copy of `contents` (a whole GGUF file), naming it `name` in errors. The copy
    /// is 64-byte aligned so that tensor data has the same alignment as in a mapped file.
    public convenience init(contents: [UInt8], name: String) throws {
        let buffer = AlignedBuffer(copying: contents)
        try self.init(bytes: buffer.bytes, owner: buffer, name: name)
    }

    private init(bytes: UnsafeRawBufferPointer, owner: AnyObject, name: String) throws {
        let header = try GGUFParser.parse(bytes, file: name)
        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(header.tensors.count)
        var index: [String: Int] = [:]
        for raw in header.tensors {
            let start = header.dataStart + raw.offset
            let data = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + raw.byteCount)])
            index[raw.name] = tensors.count
            tensors.append(GGUFTensorInfo(name: raw.name, type: raw.type, dims: raw.dims, offset: raw.offset, data: data))
        }
        path = name
        version = header.version
        metadata = header.metadata
        metadataKeys = header.metadataKeys
        self.tensors = tensors
        alignment = header.alignment
        dataOffset = header.dataStart
        storage = owner
        self.index = index
    }

    /// The tensor called `name`, or nil if the file has none.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        index[name].map { tensors[$0] }
    }

    /// The tensor's values as f32, decoded with the reference dequantiser; throws a
    /// ``FormatError`` naming the file, the tensor and its type if the type is not one this
    /// engine decodes.
    public func dequantize(_ tensor: GGUFTensorInfo) throws -> [Float] {
        do {
            return try GGMLQuants.dequantize(tensor.data, type: tensor.type, count: tensor.elementCount)
        } catch {
            throw FormatError(file: path, tensor: tensor.name, error.message)
        }
    }
}

/// Heap memory holding an in-memory file, freed with its owner.
private final class AlignedBuffer {
    let bytes: UnsafeRawBufferPointer

    init(copying contents: [UInt8]) {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: max(contents.count, 1), alignment: 64)
        contents.withUnsafeBytes { source in
            if let base = source.baseAddress, let target = memory.baseAddress {
                target.copyMemory(from: base, byteCount: source.count)
            }
        }
        bytes = UnsafeRawBufferPointer(rebasing: memory[0..<contents.count])
    }

    deinit {
        bytes.baseAddress.map { UnsafeMutableRawPointer(mutating: $0).deallocate() }
    }
}
