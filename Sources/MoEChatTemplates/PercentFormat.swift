import Foundation

/// Python's `str % args` (printf-style) and `str.format(...)` for the common conversions.
enum PercentFormat {
    /// `format % args` with `%s %r %d %i %f %x %o %c %%`, flags `-0+ `, width and precision.
    static func format(_ format: String, _ args: Value) throws -> String {
        var positional: [Value]
        var mapping: Dict?
        switch args {
        case .tuple(let items): positional = items
        case .dict(let d):
            mapping = d
            positional = [args]
        default: positional = [args]
        }
        var next = 0
        var out = ""
        let s = format.scalars
        var k = 0
        while k < s.count {
            let c = s[k]
            k += 1
            if c != "%" {
                out.unicodeScalars.append(c)
                continue
            }
            guard k < s.count else { throw EvalError(message: "incomplete format") }
            var key: String?
            if s[k] == "(" {
                guard let close = s[k...].firstIndex(of: ")") else { throw EvalError(message: "incomplete format key") }
                key = String(scalars: s[(k + 1)..<close])
                k = close + 1
            }
            var flags = Set<Unicode.Scalar>()
            while k < s.count, "-+ #0".unicodeScalars.contains(s[k]) {
                flags.insert(s[k])
                k += 1
            }
            var width = 0
            while k < s.count, let d = Int(String(s[k])) {
                width = min(width * 10 + d, Operators.maxRepeatedLength + 1)
                k += 1
            }
            try Operators.checkLength(width, "format width")
            var precision: Int?
            if k < s.count, s[k] == "." {
                k += 1
                var p = 0
                while k < s.count, let d = Int(String(s[k])) {
                    p = min(p * 10 + d, Operators.maxRepeatedLength + 1)
                    k += 1
                }
                try Operators.checkLength(p, "format precision")
                precision = p
            }
            guard k < s.count else { throw EvalError(message: "incomplete format") }
            let type = s[k]
            k += 1
            if type == "%" {
                out += "%"
                continue
            }
            let value: Value
            if let key {
                guard let mapping else { throw EvalError(message: "format requires a mapping") }
                guard let v = mapping[.string(key)] else { throw EvalError(message: "'\(key)'") }
                value = v
            } else {
                guard next < positional.count else { throw EvalError(message: "not enough arguments for format string") }
                value = positional[next]
                next += 1
            }
            var body = try convert(value, type: type, precision: precision, flags: flags)
            let count = body.unicodeScalars.count
            if count < width {
                let pad = width - count
                if flags.contains("-") {
                    body += String(repeating: " ", count: pad)
                } else if flags.contains("0"), "dioxXfFeE".unicodeScalars.contains(type) {
                    let sign = body.hasPrefix("-") || body.hasPrefix("+") ? String(body.removeFirst()) : ""
                    body = sign + String(repeating: "0", count: pad) + body
                } else {
                    body = String(repeating: " ", count: pad) + body
                }
            }
            out += body
        }
        if mapping == nil, next < positional.count {
            throw EvalError(message: "not all arguments converted during string formatting")
        }
        return out
    }

    private static func convert(_ value: Value, type: Unicode.Scalar, precision: Int?, flags: Set<Unicode.Scalar>) throws -> String {
        func signed(_ text: String, negative: Bool) -> String {
            negative ? text : flags.contains("+") ? "+" + text : flags.contains(" ") ? " " + text : text
        }
        switch type {
        case "s":
            let text = PythonText.str(value)
            return precision.map { String(scalars: text.scalars.prefix($0)) } ?? text
        case "r", "a":
            let text = PythonText.repr(value)
            return precision.map { String(scalars: text.scalars.prefix($0)) } ?? text
        case "d", "i", "u", "x", "X", "o":
            let n: Int
            switch value.number {
            case .int(let i)?: n = i
            case .double(let d)?:
                guard d.isFinite, let i = Int(exactly: d.rounded(.towardZero)) else {
                    throw EvalError(message: "cannot convert float to integer")
                }
                n = i
            default: throw EvalError(message: "%\(Character(type)) format: a real number is required, not \(value.typeName)")
            }
            let radix = type == "x" || type == "X" ? 16 : type == "o" ? 8 : 10
            var digits = String(n.magnitude, radix: radix)
            if type == "X" { digits = digits.uppercased() }
            return signed(n < 0 ? "-" + digits : digits, negative: n < 0)
        case "f", "F", "e", "E", "g", "G":
            guard let number = value.number else {
                throw EvalError(message: "must be real number, not \(value.typeName)")
            }
            let d = number.asDouble
            let text = String(format: "%.\(precision ?? 6)\(Character(type))", d)
            return signed(text, negative: d.sign == .minus)
        case "c":
            if case .string(let s) = value, s.unicodeScalars.count == 1 { return s }
            if case .int(let i) = value, let u = Unicode.Scalar(UInt32(clamping: i)) { return String(Character(u)) }
            throw EvalError(message: "%c requires an int or a unicode character")
        default:
            throw EvalError(message: "unsupported format character '\(Character(type))'")
        }
    }

    /// `str.format(*args, **kwargs)` with `{}`, `{0}`, `{name}`, `{x.attr}`-free fields, `!r`/`!s`
    /// and no format spec.
    static func braceFormat(_ format: String, positional: [Value], keyword: [(String, Value)]) throws -> String {
        let s = format.scalars
        var out = ""
        var k = 0
        var auto = 0
        while k < s.count {
            let c = s[k]
            if c == "{", k + 1 < s.count, s[k + 1] == "{" {
                out += "{"
                k += 2
                continue
            }
            if c == "}", k + 1 < s.count, s[k + 1] == "}" {
                out += "}"
                k += 2
                continue
            }
            if c == "}" { throw EvalError(message: "Single '}' encountered in format string") }
            if c != "{" {
                out.unicodeScalars.append(c)
                k += 1
                continue
            }
            guard let close = s[k...].firstIndex(of: "}") else {
                throw EvalError(message: "Single '{' encountered in format string")
            }
            var field = String(scalars: s[(k + 1)..<close])
            k = close + 1
            var conversion: Character?
            if let bang = field.firstIndex(of: "!") {
                conversion = field[field.index(after: bang)...].first
                field = String(field[..<bang])
            }
            if field.contains(":") { throw EvalError(message: "format specs in str.format are not supported") }
            let value: Value
            if field.isEmpty {
                guard auto < positional.count else { throw EvalError(message: "Replacement index \(auto) out of range for positional args tuple") }
                value = positional[auto]
                auto += 1
            } else if let index = Int(field), index >= 0 {
                guard index < positional.count else { throw EvalError(message: "Replacement index \(index) out of range for positional args tuple") }
                value = positional[index]
            } else {
                guard let v = keyword.first(where: { $0.0 == field })?.1 else { throw EvalError(message: "'\(field)'") }
                value = v
            }
            out += conversion == "r" ? PythonText.repr(value) : PythonText.str(value)
        }
        return out
    }
}
