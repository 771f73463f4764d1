/// Python's `json.dumps`, as transformers' `tojson` filter calls it.
struct JSONDump {
    /// `indent`: nil for single-line output; otherwise the string repeated per level.
    var indent: String?
    var itemSeparator: String
    var keySeparator: String
    var sortKeys = false
    var ensureASCII = false
    static let maxDepth = 200

    init(indent: String?, separators: (String, String)?, sortKeys: Bool, ensureASCII: Bool) {
        self.indent = indent
        itemSeparator = separators?.0 ?? (indent == nil ? ", " : ",")
        keySeparator = separators?.1 ?? ": "
        self.sortKeys = sortKeys
        self.ensureASCII = ensureASCII
    }

    func dump(_ value: Value) throws -> String {
        var out = ""
        try write(value, level: 0, into: &out)
        return out
    }

    private func write(_ value: Value, level: Int, into out: inout String) throws {
        guard level < Self.maxDepth else { throw EvalError(message: "maximum recursion depth exceeded while encoding a JSON object") }
        try Operators.checkLength(out.utf8.count, "tojson output")
        switch value {
        case .none: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += Self.float(d)
        case .string(let s), .markup(let s): out += quote(s)
        case .list(let items), .tuple(let items):
            if items.isEmpty {
                out += "[]"
                return
            }
            out += "["
            for (k, item) in items.enumerated() {
                out += k == 0 ? newline(level + 1) : itemSeparator + newline(level + 1)
                try write(item, level: level + 1, into: &out)
            }
            out += newline(level) + "]"
        case .dict(let d):
            if d.count == 0 {
                out += "{}"
                return
            }
            var entries = d.entries
            if sortKeys { entries = try sortedEntries(entries) }
            out += "{"
            for (k, entry) in entries.enumerated() {
                out += k == 0 ? newline(level + 1) : itemSeparator + newline(level + 1)
                out += quote(try keyString(entry.key))
                out += keySeparator
                try write(entry.value, level: level + 1, into: &out)
            }
            out += newline(level) + "}"
        default:
            throw EvalError(message: "Object of type \(value.typeName) is not JSON serializable")
        }
    }

    private func newline(_ level: Int) -> String {
        guard let indent else { return "" }
        return "\n" + String(repeating: indent, count: level)
    }

    private func sortedEntries(_ entries: [(key: Value, value: Value)]) throws -> [(key: Value, value: Value)] {
        var failure: EvalError?
        let sorted = entries.sorted { a, b in
            do {
                return try Operators.less(a.key, b.key)
            } catch {
                failure = error as? EvalError
                return false
            }
        }
        if let failure { throw failure }
        return sorted
    }

    private func keyString(_ key: Value) throws -> String {
        switch key {
        case .string(let s), .markup(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .none: return "null"
        case .int(let i): return String(i)
        case .double(let d): return Self.float(d)
        default: throw EvalError(message: "keys must be str, int, float, bool or None, not \(key.typeName)")
        }
    }

    static func float(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        return PythonText.floatRepr(d)
    }

    private func quote(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        out.append("\"")
        for c in s.unicodeScalars {
            switch c {
            case "\"": out.append(contentsOf: "\\\"".unicodeScalars)
            case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            case "\u{08}": out.append(contentsOf: "\\b".unicodeScalars)
            case "\u{0C}": out.append(contentsOf: "\\f".unicodeScalars)
            default:
                if c.value < 0x20 || (ensureASCII && c.value > 0x7E) {
                    if c.value > 0xFFFF {
                        let v = c.value - 0x10000
                        out.append(contentsOf: Self.u4(0xD800 + (v >> 10)).unicodeScalars)
                        out.append(contentsOf: Self.u4(0xDC00 + (v & 0x3FF)).unicodeScalars)
                    } else {
                        out.append(contentsOf: Self.u4(c.value).unicodeScalars)
                    }
                } else {
                    out.append(c)
                }
            }
        }
        out.append("\"")
        return String(out)
    }

    private static func u4(_ v: UInt32) -> String {
        let hex = String(v, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }
}
