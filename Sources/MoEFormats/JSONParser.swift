/// A strict RFC 8259 JSON parser over raw bytes, for untrusted headers.
///
/// Rejects invalid UTF-8, trailing garbage, duplicate object keys, lone surrogates and nesting
/// deeper than ``maxDepth``. Errors are plain text; callers wrap them in a ``FormatError``.
struct JSONParser {
    /// Deepest nesting accepted (headers need 3), so hostile input cannot exhaust the stack.
    static let maxDepth = 64

    /// A syntax error and where it occurred.
    struct SyntaxError: Error {
        /// Byte offset of the problem.
        let offset: Int
        /// What was wrong.
        let reason: String
    }

    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    private init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Parses `bytes` as exactly one JSON value surrounded by optional whitespace.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(SyntaxError) -> JSONValue {
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else {
            throw parser.error("unexpected data after the JSON value")
        }
        return value
    }

    private func error(_ reason: String) -> SyntaxError {
        SyntaxError(offset: position, reason: reason)
    }

    private var current: UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    private mutating func skipWhitespace() {
        while let c = current, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D {
            position += 1
        }
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(SyntaxError) {
        guard current == byte else { throw error("expected \(what)") }
        position += 1
    }

    private mutating func parseValue(depth: Int) throws(SyntaxError) -> JSONValue {
        guard depth < Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth)") }
        guard let c = current else { throw error("unexpected end of input") }
        switch c {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected character")
        }
    }

    private mutating func parseLiteral(_ word: StaticString) throws(SyntaxError) {
        let text = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for byte in text {
            guard current == byte else { throw error("invalid literal") }
            position += 1
        }
    }

    private mutating func parseObject(depth: Int) throws(SyntaxError) -> JSONValue {
        position += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let keyOffset = position
            let key = try parseString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':'")
            skipWhitespace()
            let value = try parseValue(depth: depth + 1)
            guard members.updateValue(value, forKey: key) == nil else {
                throw SyntaxError(offset: keyOffset, reason: "duplicate key \"\(key)\"")
            }
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                position += 1
                continue
            }
            try expect(UInt8(ascii: "}"), "',' or '}'")
            return .object(members)
        }
    }

    private mutating func parseArray(depth: Int) throws(SyntaxError) -> JSONValue {
        position += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                position += 1
                continue
            }
            try expect(UInt8(ascii: "]"), "',' or ']'")
            return .array(items)
        }
    }

    private mutating func skipDigits() -> Int {
        let start = position
        while let c = current, c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") { position += 1 }
        return position - start
    }

    private mutating func parseNumber() throws(SyntaxError) -> JSONValue {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        if current == UInt8(ascii: "0") {
            position += 1
        } else if skipDigits() == 0 {
            throw error("invalid number")
        }
        if current == UInt8(ascii: ".") {
            position += 1
            guard skipDigits() > 0 else { throw error("invalid number: digits expected after '.'") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard skipDigits() > 0 else { throw error("invalid number: digits expected in exponent") }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]),
                          as: UTF8.self)
        return .number(text)
    }

    private mutating func parseHex4() throws(SyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let c = current else { throw error("truncated \\u escape") }
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    private mutating func parseEscape(into scalars: inout String.UnicodeScalarView) throws(SyntaxError) {
        guard let c = current else { throw error("unterminated string") }
        position += 1
        switch c {
        case UInt8(ascii: "\""): scalars.append("\"")
        case UInt8(ascii: "\\"): scalars.append("\\")
        case UInt8(ascii: "/"): scalars.append("/")
        case UInt8(ascii: "b"): scalars.append("\u{08}")
        case UInt8(ascii: "f"): scalars.append("\u{0C}")
        case UInt8(ascii: "n"): scalars.append("\n")
        case UInt8(ascii: "r"): scalars.append("\r")
        case UInt8(ascii: "t"): scalars.append("\t")
        case UInt8(ascii: "u"):
            var code = try parseHex4()
            if (0xD800..<0xDC00).contains(code) {
                guard current == UInt8(ascii: "\\") else { throw error("lone high surrogate") }
                position += 1
                guard current == UInt8(ascii: "u") else { throw error("lone high surrogate") }
                position += 1
                let low = try parseHex4()
                guard (0xDC00..<0xE000).contains(low) else { throw error("invalid low surrogate") }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(code) else { throw error("lone low surrogate") }
            scalars.append(scalar)
        default:
            throw error("invalid escape")
        }
    }

    private mutating func parseString() throws(SyntaxError) -> String {
        position += 1
        var result = String.UnicodeScalarView()
        var runStart = position
        while true {
            guard let c = current else { throw error("unterminated string") }
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") {
                try appendRun(from: runStart, to: &result)
                position += 1
                if c == UInt8(ascii: "\"") { return String(result) }
                try parseEscape(into: &result)
                runStart = position
            } else if c < 0x20 {
                throw error("unescaped control character in string")
            } else {
                position += 1
            }
        }
    }

    /// Appends the raw bytes `runStart..<position` (which contain no quote or backslash).
    private func appendRun(from runStart: Int, to result: inout String.UnicodeScalarView) throws(SyntaxError) {
        guard runStart < position else { return }
        let run = UnsafeRawBufferPointer(rebasing: bytes[runStart..<position])
        guard let text = String(validating: run, as: UTF8.self) else {
            throw SyntaxError(offset: runStart, reason: "invalid UTF-8 in string")
        }
        result.append(contentsOf: text.unicodeScalars)
    }
}

/// Where JSON text is malformed, for error messages that point into a file.
public enum JSONSyntax {
    /// "line L, column C: reason" for the first syntax error in `bytes`, or nil when they hold
    /// exactly one valid JSON value (duplicate object keys count as errors).
    public static func firstError(in bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { raw -> String? in
            do throws(JSONParser.SyntaxError) {
                _ = try JSONParser.parse(raw)
                return nil
            } catch {
                return describe(error, in: raw)
            }
        }
    }

    /// "line L, column C: reason" for a parse error of `bytes`.
    static func describe(_ error: JSONParser.SyntaxError, in bytes: UnsafeRawBufferPointer) -> String {
        let (line, column) = position(of: error.offset, in: bytes)
        return "line \(line), column \(column): \(error.reason)"
    }

    /// The 1-based line and column (counted in bytes) of byte `offset`.
    public static func position(of offset: Int, in bytes: some Collection<UInt8>) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for byte in bytes.prefix(max(offset, 0)) {
            if byte == 0x0A {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }
}
