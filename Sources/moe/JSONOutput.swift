import MoEFormats

/// Minimal JSON rendering for command output: numbers are printed in Swift's shortest
/// round-tripping form, so floats survive a JSON round trip exactly.
enum JSONOutput {
    /// A JSON value.
    indirect enum Value {
        case int(Int)
        case double(Double)
        case float(Float)
        case string(String)
        case bool(Bool)
        case null
        case array([Value])
        case object([(String, Value)])
    }

    /// Renders `value` compactly.
    static func render(_ value: Value) -> String {
        var out = ""
        write(value, to: &out)
        return out
    }

    private static func write(_ value: Value, to out: inout String) {
        switch value {
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? "\(d)" : "null"
        case .float(let f): out += f.isFinite ? "\(f)" : "null"
        case .string(let s): out += JSONEncoding.quoted(s)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                write(item, to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (key, item)) in members.enumerated() {
                if i > 0 { out += ", " }
                out += JSONEncoding.quoted(key) + ": "
                write(item, to: &out)
            }
            out += "}"
        }
    }
}
