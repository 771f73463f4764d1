/// A parsed JSON value, as read from an untrusted file header.
///
/// Numbers keep their literal text so that integers can be read exactly (no detour through
/// `Double`) and non-integers can be reported as written.
enum JSONValue {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The value as an `Int` if it is an integer literal (no fraction or exponent) that fits.
    var intValue: Int? {
        guard case .number(let text) = self,
              !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
        else { return nil }
        return Int(text)
    }

    /// The string, if this is a string.
    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Short text for error messages: the literal for scalars, the kind for containers.
    var summary: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let text): return text
        case .string(let s): return s.count <= 40 ? "\"\(s)\"" : "a \(s.count)-character string"
        case .array(let items): return "an array of \(items.count)"
        case .object: return "an object"
        }
    }
}
