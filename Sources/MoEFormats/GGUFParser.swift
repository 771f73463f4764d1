/// Parses and validates a whole GGUF file held in memory.
///
/// Layout (little-endian): magic `GGUF`, u32 version (2 or 3), u64 tensor count, u64
/// metadata count, the metadata key/value pairs, the tensor infos (name, u32 n_dims, n_dims
/// u64 dims with ne0 first, u32 ggml type, u64 offset), padding to `general.alignment`, then
/// the data section. Every count is bounded by the bytes left in the file before anything is
/// reserved, and every size is computed with overflow checks.
struct GGUFParser {
    /// The first four bytes of every GGUF file.
    static let magic: [UInt8] = Array("GGUF".utf8)
    /// Versions this reader understands (v2 and v3 share one little-endian layout).
    static let supportedVersions: ClosedRange<UInt32> = 2...3
    /// ggml's `GGML_MAX_DIMS`.
    static let maxDims = 4
    /// Alignment used when the file has no `general.alignment`.
    static let defaultAlignment = 32
    /// The metadata key holding the data alignment.
    static let alignmentKey = "general.alignment"
    /// Deepest nesting of arrays accepted (keeps recursion bounded on hostile input).
    static let maxArrayDepth = 16

    /// A tensor info before its bytes are located.
    struct RawTensor {
        let name: String
        let type: GGMLType
        let dims: [Int]
        let offset: Int
        let byteCount: Int
    }

    /// What the parse found.
    struct Header {
        let version: UInt32
        let metadata: [String: GGUFValue]
        let metadataKeys: [String]
        let tensors: [RawTensor]
        let alignment: Int
        let dataStart: Int
    }

    private var reader: GGUFByteReader
    private var file: String { reader.file }

    private init(_ bytes: UnsafeRawBufferPointer, file: String) {
        reader = GGUFByteReader(bytes, file: file)
    }

    /// Parses `bytes` (the whole file `file`), throwing a ``FormatError`` on any problem.
    static func parse(_ bytes: UnsafeRawBufferPointer, file: String) throws(FormatError) -> Header {
        var parser = GGUFParser(bytes, file: file)
        return try parser.parseHeader()
    }

    private mutating func parseHeader() throws(FormatError) -> Header {
        try reader.require(4, for: "magic")
        let found = Array(reader.bytes[0..<4])
        guard found == Self.magic else {
            throw FormatError(file: file, "bad magic \(found) (expected \"GGUF\")")
        }
        try reader.seek(to: 4)
        let version = try reader.read(UInt32.self, "version")
        guard Self.supportedVersions.contains(version) else {
            let hint = version == 1 ? " (GGUF v1 is obsolete; reconvert the model)"
                : version.byteSwapped <= 3 ? " (big-endian files are not supported)" : ""
            throw FormatError(file: file, "unsupported GGUF version \(version)\(hint); expected 2 or 3")
        }
        let tensorCount = try reader.readCount("tensor count")
        let kvCount = try reader.readCount("metadata count")
        try bound(kvCount, minimumSize: 8 + 4 + 1, what: "metadata count")
        var metadata: [String: GGUFValue] = [:]
        var keys: [String] = []
        metadata.reserveCapacity(kvCount)
        keys.reserveCapacity(kvCount)
        for index in 0..<kvCount {
            let key = try reader.readString("key of metadata entry \(index)")
            let tag = try reader.read(UInt32.self, "value type of '\(key)'")
            let value = try readValue(tag: tag, key: key, depth: 0)
            guard metadata.updateValue(value, forKey: key) == nil else {
                throw FormatError(file: file, "duplicate metadata key '\(key)'")
            }
            keys.append(key)
        }
        let alignment = try Self.alignment(metadata, file: file)
        try bound(tensorCount, minimumSize: 8 + 4 + 8 + 4 + 8, what: "tensor count")
        var tensors: [RawTensor] = []
        tensors.reserveCapacity(tensorCount)
        var names = Set<String>()
        for index in 0..<tensorCount {
            let tensor = try readTensorInfo(index: index, alignment: alignment)
            guard names.insert(tensor.name).inserted else {
                throw FormatError(file: file, tensor: tensor.name, "duplicate tensor name")
            }
            tensors.append(tensor)
        }
        let (padded, overflow) = reader.offset.addingReportingOverflow(alignment - 1)
        guard !overflow else { throw FormatError(file: file, "data section offset overflows") }
        let dataStart = padded / alignment * alignment
        try checkRanges(tensors, dataStart: dataStart)
        return Header(version: version, metadata: metadata, metadataKeys: keys, tensors: tensors,
                      alignment: alignment, dataStart: dataStart)
    }

    /// Throws unless `count` items of at least `minimumSize` bytes fit in the remaining bytes.
    private func bound(_ count: Int, minimumSize: Int, what: String) throws(FormatError) {
        guard count <= reader.remaining / minimumSize else {
            throw FormatError(file: file,
                              "\(what) \(count) cannot fit in the \(reader.remaining) bytes left at offset \(reader.offset)")
        }
    }

    /// `general.alignment`, which must be a UINT32 power of two, or the default.
    private static func alignment(_ metadata: [String: GGUFValue], file: String) throws(FormatError) -> Int {
        guard let value = metadata[alignmentKey] else { return defaultAlignment }
        guard case .uint32(let raw) = value else {
            throw FormatError(file: file, "'\(alignmentKey)' must be a UINT32, found \(value.type)")
        }
        guard raw > 0, raw & (raw - 1) == 0 else {
            throw FormatError(file: file, "'\(alignmentKey)' is \(raw), which is not a power of two")
        }
        return Int(raw)
    }

    /// Reads one value of type `tag` for metadata key `key`.
    private mutating func readValue(tag: UInt32, key: String, depth: Int) throws(FormatError) -> GGUFValue {
        guard let type = GGUFValueType(rawValue: tag) else {
            throw FormatError(file: file, "metadata key '\(key)' has unknown value type \(tag)")
        }
        switch type {
        case .uint8: return .uint8(try reader.read(UInt8.self, "value of '\(key)'"))
        case .int8: return .int8(try reader.read(Int8.self, "value of '\(key)'"))
        case .uint16: return .uint16(try reader.read(UInt16.self, "value of '\(key)'"))
        case .int16: return .int16(try reader.read(Int16.self, "value of '\(key)'"))
        case .uint32: return .uint32(try reader.read(UInt32.self, "value of '\(key)'"))
        case .int32: return .int32(try reader.read(Int32.self, "value of '\(key)'"))
        case .uint64: return .uint64(try reader.read(UInt64.self, "value of '\(key)'"))
        case .int64: return .int64(try reader.read(Int64.self, "value of '\(key)'"))
        case .float32: return .float32(Float(bitPattern: try reader.read(UInt32.self, "value of '\(key)'")))
        case .float64: return .float64(Double(bitPattern: try reader.read(UInt64.self, "value of '\(key)'")))
        case .bool:
            let raw = try reader.read(UInt8.self, "value of '\(key)'")
            guard raw <= 1 else {
                throw FormatError(file: file, "metadata key '\(key)': BOOL byte is \(raw), expected 0 or 1")
            }
            return .bool(raw == 1)
        case .string: return .string(try reader.readString("string value of '\(key)'"))
        case .array: return try readArray(key: key, depth: depth)
        }
    }

    private mutating func readArray(key: String, depth: Int) throws(FormatError) -> GGUFValue {
        guard depth < Self.maxArrayDepth else {
            throw FormatError(file: file, "metadata key '\(key)': arrays nested deeper than \(Self.maxArrayDepth)")
        }
        let tag = try reader.read(UInt32.self, "element type of array '\(key)'")
        guard let elementType = GGUFValueType(rawValue: tag) else {
            throw FormatError(file: file, "metadata key '\(key)': array has unknown element type \(tag)")
        }
        let count = try reader.readCount("length of array '\(key)'")
        try bound(count, minimumSize: elementType.minimumEncodedSize, what: "length of array '\(key)'")
        var elements: [GGUFValue] = []
        elements.reserveCapacity(count)
        for _ in 0..<count {
            elements.append(try readValue(tag: tag, key: key, depth: depth + 1))
        }
        return .array(elementType, elements)
    }

    private mutating func readTensorInfo(index: Int, alignment: Int) throws(FormatError) -> RawTensor {
        let name = try reader.readString("name of tensor \(index)")
        func fail(_ message: String) -> FormatError { FormatError(file: file, tensor: name, message) }
        let dimCount = try reader.read(UInt32.self, "n_dims of '\(name)'")
        guard dimCount >= 1, dimCount <= Self.maxDims else {
            throw fail("n_dims is \(dimCount), expected 1...\(Self.maxDims)")
        }
        var dims: [Int] = []
        var elements = 1
        for axis in 0..<Int(dimCount) {
            let raw = try reader.read(UInt64.self, "dim \(axis) of '\(name)'")
            guard raw > 0, let dim = Int(exactly: raw) else {
                throw fail("dim \(axis) is \(raw) (as signed \(Int64(bitPattern: raw))), expected a positive size")
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw fail("element count of dims \(dims + [dim]) overflows") }
            dims.append(dim)
            elements = product
        }
        let typeID = try reader.read(UInt32.self, "type of '\(name)'")
        guard let type = GGMLType(rawValue: typeID) else {
            throw fail("unknown ggml type id \(typeID)")
        }
        let offset = try reader.readCount("offset of '\(name)'")
        guard dims[0] % type.blockSize == 0 else {
            throw fail("row length \(dims[0]) is not a multiple of the \(type) block size \(type.blockSize)")
        }
        guard let rowBytes = type.byteCount(elements: dims[0]) else {
            throw fail("row byte size overflows")
        }
        let (byteCount, overflow) = rowBytes.multipliedReportingOverflow(by: elements / dims[0])
        guard !overflow else { throw fail("byte size of \(elements) \(type) elements overflows") }
        guard offset % alignment == 0 else {
            throw fail("data offset \(offset) is not a multiple of the alignment \(alignment)")
        }
        return RawTensor(name: name, type: type, dims: dims, offset: offset, byteCount: byteCount)
    }

    /// Every tensor's bytes must lie inside the file and no two may overlap.
    private func checkRanges(_ tensors: [RawTensor], dataStart: Int) throws(FormatError) {
        let fileSize = reader.bytes.count
        for tensor in tensors {
            let (start, overflowStart) = dataStart.addingReportingOverflow(tensor.offset)
            let (end, overflowEnd) = start.addingReportingOverflow(tensor.byteCount)
            guard !overflowStart, !overflowEnd, end <= fileSize else {
                throw FormatError(file: file, tensor: tensor.name,
                                  "data [\(tensor.offset), +\(tensor.byteCount)) from data section start \(dataStart) runs past the end of the \(fileSize)-byte file")
            }
        }
        let byOffset = tensors.sorted { ($0.offset, $0.name) < ($1.offset, $1.name) }
        for (previous, next) in zip(byOffset, byOffset.dropFirst())
        where next.offset < previous.offset + previous.byteCount {
            throw FormatError(file: file, tensor: next.name,
                              "data at offset \(next.offset) overlaps tensor '\(previous.name)' at [\(previous.offset), \(previous.offset + previous.byteCount))")
        }
    }
}
