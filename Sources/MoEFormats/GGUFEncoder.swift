/// Little-endian encoding of GGUF header fields and metadata values.
struct GGUFEncoder {
    /// Bytes encoded so far.
    var bytes: [UInt8] = []

    /// Appends a fixed-width integer, little-endian.
    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    /// Appends a GGUF string: u64 byte length, then the UTF-8 bytes.
    mutating func append(string: String) {
        let utf8 = Array(string.utf8)
        append(UInt64(utf8.count))
        bytes += utf8
    }

    /// Appends `value` without its type tag; arrays must hold only their element type.
    mutating func append(value: GGUFValue, key: String, file: String) throws {
        switch value {
        case .uint8(let v): append(v)
        case .int8(let v): append(v)
        case .uint16(let v): append(v)
        case .int16(let v): append(v)
        case .uint32(let v): append(v)
        case .int32(let v): append(v)
        case .uint64(let v): append(v)
        case .int64(let v): append(v)
        case .float32(let v): append(v.bitPattern)
        case .float64(let v): append(v.bitPattern)
        case .bool(let v): append(UInt8(v ? 1 : 0))
        case .string(let v): append(string: v)
        case .array(let type, let items):
            append(type.rawValue)
            append(UInt64(items.count))
            for item in items {
                guard item.type == type else {
                    throw FormatError(file: file, "metadata key '\(key)': array of \(type) holds a \(item.type)")
                }
                try append(value: item, key: key, file: file)
            }
        }
    }
}
