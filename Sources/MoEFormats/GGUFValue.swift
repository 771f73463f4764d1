/// The type tag of a GGUF metadata value, as stored in the file.
public enum GGUFValueType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    /// Tag 0: UINT8.
    case uint8 = 0
    /// Tag 1: INT8.
    case int8 = 1
    /// Tag 2: UINT16.
    case uint16 = 2
    /// Tag 3: INT16.
    case int16 = 3
    /// Tag 4: UINT32.
    case uint32 = 4
    /// Tag 5: INT32.
    case int32 = 5
    /// Tag 6: FLOAT32.
    case float32 = 6
    /// Tag 7: BOOL.
    case bool = 7
    /// Tag 8: STRING.
    case string = 8
    /// Tag 9: ARRAY.
    case array = 9
    /// Tag 10: UINT64.
    case uint64 = 10
    /// Tag 11: INT64.
    case int64 = 11
    /// Tag 12: FLOAT64.
    case float64 = 12

    /// The name gguf-py uses (`UINT32`, `STRING`, ...).
    public var description: String {
        switch self {
        case .uint8: return "UINT8"
        case .int8: return "INT8"
        case .uint16: return "UINT16"
        case .int16: return "INT16"
        case .uint32: return "UINT32"
        case .int32: return "INT32"
        case .float32: return "FLOAT32"
        case .bool: return "BOOL"
        case .string: return "STRING"
        case .array: return "ARRAY"
        case .uint64: return "UINT64"
        case .int64: return "INT64"
        case .float64: return "FLOAT64"
        }
    }

    /// Encoded size of one value of a fixed-size type; nil for strings and arrays.
    var fixedSize: Int? {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        case .string, .array: return nil
        }
    }

    /// Fewest bytes one value of this type can take (a string's length prefix, an array's
    /// element type and count): bounds how many values the remaining bytes can hold.
    var minimumEncodedSize: Int {
        switch self {
        case .string: return 8
        case .array: return 12
        default: return fixedSize ?? 1
        }
    }
}

/// One GGUF metadata value.
///
/// Arrays keep their element type so that an empty array round-trips; every element of an
/// array has that type (nested arrays are arrays of `.array`).
public indirect enum GGUFValue: Equatable, Sendable {
    /// A UINT8.
    case uint8(UInt8)
    /// An INT8.
    case int8(Int8)
    /// A UINT16.
    case uint16(UInt16)
    /// An INT16.
    case int16(Int16)
    /// A UINT32.
    case uint32(UInt32)
    /// An INT32.
    case int32(Int32)
    /// A FLOAT32.
    case float32(Float)
    /// A BOOL (stored as one byte, 0 or 1).
    case bool(Bool)
    /// A STRING (u64 length, UTF-8 bytes).
    case string(String)
    /// An ARRAY: element type and elements (each of that type).
    case array(GGUFValueType, [GGUFValue])
    /// A UINT64.
    case uint64(UInt64)
    /// An INT64.
    case int64(Int64)
    /// A FLOAT64.
    case float64(Double)

    /// The type tag this value is stored with.
    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .float32: return .float32
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        case .uint64: return .uint64
        case .int64: return .int64
        case .float64: return .float64
        }
    }

    /// Any integer value that fits in `Int`; nil for other types.
    public var intValue: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(v)
        default: return nil
        }
    }

    /// A FLOAT32 or FLOAT64 value, widened to `Double`; nil for other types.
    public var doubleValue: Double? {
        switch self {
        case .float32(let v): return Double(v)
        case .float64(let v): return v
        default: return nil
        }
    }

    /// The text of a STRING value.
    public var stringValue: String? {
        if case .string(let v) = self { return v }
        return nil
    }

    /// The value of a BOOL.
    public var boolValue: Bool? {
        if case .bool(let v) = self { return v }
        return nil
    }

    /// The elements of an ARRAY.
    public var arrayValue: [GGUFValue]? {
        if case .array(_, let v) = self { return v }
        return nil
    }
}
