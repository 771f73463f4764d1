/// A tensor to write: name, ggml type, shape outermost first, and its raw blocks.
public struct GGUFTensorData: Sendable {
    /// Tensor name.
    public let name: String
    /// Element (block) type.
    public let type: GGMLType
    /// Dimensions outermost first (the last is the row length, ggml's ne0).
    public let shape: [Int]
    /// Exactly `type.byteCount(elements: rowLength) * rows` bytes of blocks.
    public let bytes: [UInt8]

    /// Describes one tensor.
    public init(name: String, type: GGMLType, shape: [Int], bytes: [UInt8]) {
        self.name = name
        self.type = type
        self.shape = shape
        self.bytes = bytes
    }
}

/// Writes GGUF v3 files in gguf-py's `GGUFWriter` layout, atomically.
///
/// Layout: header, metadata in the order given, tensor infos in the order given (offsets
/// cumulative, each tensor's size rounded up to the alignment), zero padding to the
/// alignment, then each tensor's bytes followed by zero padding to the alignment. The
/// alignment is `general.alignment` if the metadata has it (a UINT32 power of two), else 32.
/// With the same metadata order and tensors the bytes equal gguf-py's.
public enum GGUFWriter {
    /// Writes `metadata` (in order) and `tensors` to `path`.
    public static func write(metadata: [(key: String, value: GGUFValue)], tensors: [GGUFTensorData], to path: String) throws {
        let specs = tensors.map { Spec(name: $0.name, type: $0.type, shape: $0.shape, byteCount: $0.bytes.count) }
        try write(metadata: metadata, specs: specs, to: path) { index, sink in
            try tensors[index].bytes.withUnsafeBytes { try sink.write($0) }
        }
    }

    /// Writes `metadata` and tensors taken from another file (whose memory must stay valid
    /// during the call), keeping their names, types, dims and bytes.
    public static func write(metadata: [(key: String, value: GGUFValue)], views tensors: [GGUFTensorInfo], to path: String) throws {
        let specs = tensors.map { Spec(name: $0.name, type: $0.type, shape: $0.shape, byteCount: $0.data.count) }
        try write(metadata: metadata, specs: specs, to: path) { index, sink in try sink.write(tensors[index].data) }
    }

    /// What the tensor infos record about one tensor.
    struct Spec {
        let name: String
        let type: GGMLType
        let shape: [Int]
        let byteCount: Int
    }

    static func write(metadata: [(key: String, value: GGUFValue)], specs: [Spec], to path: String,
                      emit: (Int, AtomicFileWriter.Sink) throws -> Void) throws {
        let alignment = try alignment(of: metadata, file: path)
        var header = GGUFEncoder()
        header.bytes += GGUFParser.magic
        header.append(UInt32(3))
        header.append(UInt64(specs.count))
        header.append(UInt64(metadata.count))
        var keys = Set<String>()
        for (key, value) in metadata {
            guard keys.insert(key).inserted else { throw FormatError(file: path, "duplicate metadata key '\(key)'") }
            header.append(string: key)
            header.append(UInt32(value.type.rawValue))
            try header.append(value: value, key: key, file: path)
        }
        var names = Set<String>()
        var offset = 0
        var paddedSizes: [Int] = []
        for spec in specs {
            guard names.insert(spec.name).inserted else {
                throw FormatError(file: path, tensor: spec.name, "duplicate tensor name")
            }
            try validate(spec, file: path)
            header.append(string: spec.name)
            header.append(UInt32(spec.shape.count))
            for dim in spec.shape.reversed() { header.append(UInt64(dim)) }
            header.append(spec.type.rawValue)
            header.append(UInt64(offset))
            let padded = roundUp(spec.byteCount, to: alignment)
            paddedSizes.append(padded)
            offset += padded
        }
        header.bytes += [UInt8](repeating: 0, count: roundUp(header.bytes.count, to: alignment) - header.bytes.count)
        let zeros = [UInt8](repeating: 0, count: alignment)
        try AtomicFileWriter.write(to: path) { sink in
            try header.bytes.withUnsafeBytes { try sink.write($0) }
            for (index, spec) in specs.enumerated() {
                try emit(index, sink)
                try zeros.withUnsafeBytes { try sink.write(UnsafeRawBufferPointer(rebasing: $0[0..<(paddedSizes[index] - spec.byteCount)])) }
            }
        }
    }

    /// `general.alignment` if present (must be a UINT32 power of two), else the default.
    private static func alignment(of metadata: [(key: String, value: GGUFValue)], file: String) throws -> Int {
        guard let value = metadata.first(where: { $0.key == GGUFParser.alignmentKey })?.value else {
            return GGUFParser.defaultAlignment
        }
        guard case .uint32(let raw) = value, raw > 0, raw & (raw - 1) == 0 else {
            throw FormatError(file: file, "'\(GGUFParser.alignmentKey)' must be a UINT32 power of two, found \(value)")
        }
        return Int(raw)
    }

    private static func validate(_ spec: Spec, file: String) throws {
        func fail(_ message: String) -> FormatError { FormatError(file: file, tensor: spec.name, message) }
        guard (1...GGUFParser.maxDims).contains(spec.shape.count), spec.shape.allSatisfy({ $0 > 0 }) else {
            throw fail("shape \(spec.shape) must have 1...\(GGUFParser.maxDims) positive dimensions")
        }
        guard let row = spec.shape.last, let rowBytes = spec.type.byteCount(elements: row) else {
            throw fail("row length \(spec.shape.last ?? 0) is not a multiple of the \(spec.type) block size \(spec.type.blockSize)")
        }
        var expected = rowBytes
        for dim in spec.shape.dropLast() {
            let (product, overflow) = expected.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw fail("byte size of shape \(spec.shape) overflows") }
            expected = product
        }
        guard expected == spec.byteCount else {
            throw fail("shape \(spec.shape) of \(spec.type) needs \(expected) bytes, got \(spec.byteCount)")
        }
    }

    private static func roundUp(_ value: Int, to alignment: Int) -> Int {
        (value + alignment - 1) / alignment * alignment
    }
}
