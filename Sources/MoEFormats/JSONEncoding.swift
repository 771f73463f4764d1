/// JSON text output: the headers and indexes this module writes, and command output.
public enum JSONEncoding {
    /// `text` as a quoted JSON string. Escapes like serde_json and Python's `json`
    /// (`\"`, `\\`, `\b\f\n\r\t`, other controls as `\u00xx`); with `asciiOnly`, also every
    /// non-ASCII scalar as `\uxxxx` (surrogate pairs above U+FFFF), like Python's default.
    public static func quoted(_ text: String, asciiOnly: Bool = false) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || (asciiOnly && scalar.value > 0x7E) {
                    for unit in String(scalar).utf16 { out += hex4(unit) }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// `\u` followed by four lowercase hex digits.
    private static func hex4(_ unit: UInt16) -> String {
        let digits = String(unit, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
    }
}
