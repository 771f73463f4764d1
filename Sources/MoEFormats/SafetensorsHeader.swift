/// The validated header of a safetensors file: where every tensor lives in the data section.
///
/// Layout: an 8-byte little-endian header length `n`, `n` bytes of UTF-8 JSON, then the data
/// section. Parsing only reads the prefix and the header; every size and offset is checked
/// with overflow-checked arithmetic before anything is trusted.
struct SafetensorsHeader {
    /// Largest header accepted, as in the reference implementation.
    static let maxHeaderLength = 100_000_000

    /// Reserved key holding free-form string metadata.
    static let metadataKey = "__metadata__"

    /// One tensor's header entry.
    struct Entry {
        /// Tensor name.
        let name: String
        /// Element type.
        let dtype: TensorDType
        /// Dimensions, outermost first.
        let shape: [Int]
        /// Byte range relative to the start of the data section.
        let range: Range<Int>
    }

    /// Entries sorted by name.
    let entries: [Entry]
    /// The `__metadata__` map (empty if absent).
    let metadata: [String: String]
    /// Offset of the data section from the start of the file.
    let dataStart: Int

    /// Parses and validates the header of `file` (whose full contents are `bytes`).
    static func parse(_ bytes: UnsafeRawBufferPointer, file: String) throws(FormatError) -> SafetensorsHeader {
        guard bytes.count >= 8 else {
            throw FormatError(file: file,
                              "file is \(bytes.count) bytes, shorter than the 8-byte header length")
        }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        let available = bytes.count - 8
        guard length <= UInt64(maxHeaderLength) else {
            throw FormatError(file: file,
                              "header length \(length) exceeds the \(maxHeaderLength)-byte limit")
        }
        let headerLength = Int(length)
        guard headerLength <= available else {
            throw FormatError(file: file,
                              "header length \(headerLength) runs past the end of the file (\(available) bytes after the length prefix)")
        }
        let dataStart = 8 + headerLength
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[8..<dataStart])
        let root = try parseJSON(headerBytes, file: file)
        guard case .object(let members) = root else {
            throw FormatError(file: file, "header must be a JSON object, found \(root.summary)")
        }
        let dataSize = bytes.count - dataStart
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        entries.reserveCapacity(members.count)
        for (name, value) in members.sorted(by: { $0.key < $1.key }) {
            if name == metadataKey {
                metadata = try parseMetadata(value, file: file)
            } else {
                entries.append(try parseEntry(name: name, value: value, dataSize: dataSize, file: file))
            }
        }
        try checkNoOverlap(entries, file: file)
        return SafetensorsHeader(entries: entries, metadata: metadata, dataStart: dataStart)
    }

    /// Checks UTF-8 and parses the JSON text of the header.
    private static func parseJSON(_ header: UnsafeRawBufferPointer, file: String) throws(FormatError) -> JSONValue {
        var iterator = header.makeIterator()
        var decoder = UTF8()
        var offset = 0
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: break decoding
            case .error: throw FormatError(file: file, "header is not valid UTF-8 (near byte \(offset))")
            }
        }
        do {
            return try JSONParser.parse(header)
        } catch {
            throw FormatError(file: file, "header is not valid JSON: \(error.reason) at byte \(error.offset)")
        }
    }

    private static func parseMetadata(_ value: JSONValue, file: String) throws(FormatError) -> [String: String] {
        guard case .object(let members) = value else {
            throw FormatError(file: file, "\(metadataKey) must be an object of strings, found \(value.summary)")
        }
        var result: [String: String] = [:]
        for (key, item) in members {
            guard let text = item.stringValue else {
                throw FormatError(file: file, "\(metadataKey) value for key '\(key)' must be a string, found \(item.summary)")
            }
            result[key] = text
        }
        return result
    }

    private static func parseEntry(name: String, value: JSONValue, dataSize: Int, file: String) throws(FormatError) -> Entry {
        func fail(_ message: String) -> FormatError { FormatError(file: file, tensor: name, message) }
        guard case .object(let fields) = value else {
            throw fail("entry must be an object, found \(value.summary)")
        }
        guard let dtypeValue = fields["dtype"] else { throw fail("missing 'dtype'") }
        guard let dtypeName = dtypeValue.stringValue else {
            throw fail("'dtype' must be a string, found \(dtypeValue.summary)")
        }
        guard let dtype = TensorDType(rawValue: dtypeName) else {
            let known = TensorDType.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail("unknown dtype '\(dtypeName)' (expected one of \(known))")
        }
        guard let shapeValue = fields["shape"] else { throw fail("missing 'shape'") }
        guard case .array(let dims) = shapeValue else {
            throw fail("'shape' must be an array, found \(shapeValue.summary)")
        }
        var shape: [Int] = []
        shape.reserveCapacity(dims.count)
        var elementCount = 1
        for (axis, dim) in dims.enumerated() {
            guard let size = dim.intValue, size >= 0 else {
                throw fail("shape[\(axis)] must be a non-negative integer, found \(dim.summary)")
            }
            shape.append(size)
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: size)
            guard !overflow else { throw fail("element count of shape \(dims.map(\.summary)) overflows") }
            elementCount = product
        }
        let (byteCount, overflow) = elementCount.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else {
            throw fail("byte size of \(elementCount) \(dtype.rawValue) elements overflows")
        }
        guard let offsetsValue = fields["data_offsets"] else { throw fail("missing 'data_offsets'") }
        guard case .array(let offsets) = offsetsValue, offsets.count == 2 else {
            throw fail("'data_offsets' must be an array of two integers, found \(offsetsValue.summary)")
        }
        guard let begin = offsets[0].intValue, let end = offsets[1].intValue, begin >= 0, begin <= end else {
            throw fail("'data_offsets' must be integers 0 <= begin <= end, found [\(offsets[0].summary), \(offsets[1].summary)]")
        }
        guard end <= dataSize else {
            throw fail("data_offsets [\(begin), \(end)] run past the end of the \(dataSize)-byte data section")
        }
        guard end - begin == byteCount else {
            throw fail("shape \(shape) of \(dtype.rawValue) needs \(byteCount) bytes but data_offsets [\(begin), \(end)] span \(end - begin)")
        }
        return Entry(name: name, dtype: dtype, shape: shape, range: begin..<end)
    }

    /// Throws if two non-empty byte ranges intersect.
    private static func checkNoOverlap(_ entries: [Entry], file: String) throws(FormatError) {
        let byOffset = entries.filter { !$0.range.isEmpty }.sorted {
            ($0.range.lowerBound, $0.name) < ($1.range.lowerBound, $1.name)
        }
        for (previous, next) in zip(byOffset, byOffset.dropFirst())
        where next.range.lowerBound < previous.range.upperBound {
            throw FormatError(file: file, tensor: next.name,
                              "data_offsets [\(next.range.lowerBound), \(next.range.upperBound)] overlap tensor '\(previous.name)' at [\(previous.range.lowerBound), \(previous.range.upperBound)]")
        }
    }
}
