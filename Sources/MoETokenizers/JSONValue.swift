import MoEFormats

/// A JSON value. tokenizer.json is parsed with this small byte-level parser rather than
/// Foundation's `JSONSerialization`, which drops a leading U+FEFF from strings (a real token in
/// SentencePiece vocabularies) and is slow on 10 MB files.
enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

/// Why bytes are not JSON: a message with the line and column.
struct JSONSyntaxError: Error {
    let message: String
}

/// A recursive-descent JSON parser over UTF-8 bytes (RFC 8259; nesting limited to 512 levels).
struct JSONParser {
    private let p: UnsafeBufferPointer<UInt8>
    private var i = 0

    /// Parses one JSON document.
    static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (p) throws(JSONSyntaxError) -> JSONValue in
            var parser = JSONParser(p: p)
            let value = try parser.value(depth: 0)
            parser.skipSpace()
            guard parser.i == p.count else { throw parser.error("unexpected data after the JSON value") }
            return value
        }
    }

    private init(p: UnsafeBufferPointer<UInt8>) {
        self.p = p
    }

    private func error(_ message: String) -> JSONSyntaxError {
        let (line, column) = JSONSyntax.position(of: i, in: p)
        return JSONSyntaxError(message: "line \(line), column \(column): \(message)")
    }

    private mutating func skipSpace() {
        while i < p.count, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
    }

    private mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth < 512 else { throw error("nesting too deep") }
        skipSpace()
        guard i < p.count else { throw error("unexpected end of data") }
        switch p[i] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return .number(try number())
        }
    }

    private mutating func literal(_ word: String) throws(JSONSyntaxError) {
        for b in word.utf8 {
            guard i < p.count, p[i] == b else { throw error("invalid literal") }
            i += 1
        }
    }

    private mutating func object(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        i += 1
        var members: [String: JSONValue] = [:]
        skipSpace()
        if i < p.count, p[i] == UInt8(ascii: "}") {
            i += 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard i < p.count, p[i] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try string()
            skipSpace()
            guard i < p.count, p[i] == UInt8(ascii: ":") else { throw error("expected ':'") }
            i += 1
            members[key] = try value(depth: depth + 1)
            skipSpace()
            guard i < p.count else { throw error("unterminated object") }
            if p[i] == UInt8(ascii: ",") { i += 1; continue }
            if p[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            throw error("expected ',' or '}'")
        }
    }

    private mutating func array(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if i < p.count, p[i] == UInt8(ascii: "]") {
            i += 1
            return .array(items)
        }
        while true {
            items.append(try value(depth: depth + 1))
            skipSpace()
            guard i < p.count else { throw error("unterminated array") }
            if p[i] == UInt8(ascii: ",") { i += 1; continue }
            if p[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            throw error("expected ',' or ']'")
        }
    }

    private mutating func number() throws(JSONSyntaxError) -> Double {
        let start = i
        while i < p.count, (0x30...0x39).contains(p[i]) || [0x2B, 0x2D, 0x2E, 0x45, 0x65].contains(p[i]) { i += 1 }
        let text = String(decoding: UnsafeBufferPointer(rebasing: p[start..<i]), as: UTF8.self)
        guard !text.isEmpty, let d = Double(text), d.isFinite, text.first != "+" else {
            i = start
            throw error("invalid value")
        }
        return d
    }

    private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        guard i + 4 <= p.count else { throw error("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = p[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw error("invalid \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    private mutating func string() throws(JSONSyntaxError) -> String {
        i += 1
        let start = i
        while i < p.count, p[i] != UInt8(ascii: "\""), p[i] != UInt8(ascii: "\\"), p[i] >= 0x20 { i += 1 }
        guard i < p.count else { throw error("unterminated string") }
        if p[i] == UInt8(ascii: "\"") {
            let s = try validated(start..<i)
            i += 1
            return s
        }
        var bytes = Array(p[start..<i])
        while true {
            guard i < p.count else { throw error("unterminated string") }
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                guard let s = String(validating: bytes, as: UTF8.self) else { throw error("invalid UTF-8 in string") }
                return s
            }
            guard c >= 0x20 else { throw error("control character in string") }
            if c != UInt8(ascii: "\\") {
                bytes.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < p.count else { throw error("unterminated escape") }
            let e = p[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(e)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard i + 6 <= p.count, p[i] == UInt8(ascii: "\\"), p[i + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired surrogate")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw error("unpaired surrogate")
                }
                UTF8Scalars.append(scalar, to: &bytes)
            default:
                throw error("invalid escape")
            }
        }
    }

    private func validated(_ range: Range<Int>) throws(JSONSyntaxError) -> String {
        guard let s = String(validating: UnsafeBufferPointer(rebasing: p[range]), as: UTF8.self) else {
            throw error("invalid UTF-8 in string")
        }
        return s
    }
}
