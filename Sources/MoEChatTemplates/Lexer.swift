/// One lexical token of a template.
struct Token: Equatable {
    enum Kind: Equatable {
        /// Literal template text between tags, after whitespace control.
        case data(String)
        case variableBegin, variableEnd, blockBegin, blockEnd
        case name(String)
        case string(String)
        case integer(Int)
        case float(Double)
        /// An operator or punctuation: `+`, `//`, `==`, `(`, `|`, ...
        case op(String)
        case eof
    }
    let kind: Kind
    let pos: SourcePos
}

/// Splits template source into tokens the way jinja2's lexer does with `trim_blocks=True` and
/// `lstrip_blocks=True`: newlines normalised to `\n`, one trailing newline dropped, `-`/`+`
/// whitespace control on tags, `{% raw %}` blocks and `{# comments #}`.
final class Lexer {
    private let src: [Unicode.Scalar]
    private var i = 0
    private var tokens: [Token] = []
    private var lineStarting = true
    private let lineStarts: [Int]

    /// Tokenises `source` completely.
    static func tokenize(_ source: String) throws -> [Token] {
        let lexer = Lexer(source: source)
        try lexer.run()
        return lexer.tokens
    }

    private init(source: String) {
        let raw = Array(source.unicodeScalars)
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(raw.count)
        var starts = [0]
        var k = 0
        while k < raw.count {
            let v = raw[k].value
            if v == 13 || v == 10 {
                if v == 13, k + 1 < raw.count, raw[k + 1].value == 10 { k += 1 }
                scalars.append("\n")
                starts.append(scalars.count)
            } else {
                scalars.append(raw[k])
            }
            k += 1
        }
        if let last = scalars.last, last.value == 10 {
            scalars.removeLast()
            starts.removeLast()
        }
        src = scalars
        lineStarts = starts
    }

    private func pos(_ index: Int) -> SourcePos {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= index { lo = mid } else { hi = mid - 1 }
        }
        return SourcePos(line: lo + 1, column: index - lineStarts[lo] + 1)
    }

    private func fail(_ message: String, at index: Int) -> ChatTemplateError {
        let p = pos(index)
        return .syntax(message: message, line: p.line, column: p.column)
    }

    private func at(_ k: Int) -> Unicode.Scalar? { k < src.count ? src[k] : nil }

    private func matches(_ text: String, at k: Int) -> Bool {
        var j = k
        for s in text.unicodeScalars {
            guard j < src.count, src[j] == s else { return false }
            j += 1
        }
        return true
    }

    private func skipWhitespace(from k: Int) -> Int {
        var j = k
        while j < src.count, isPythonSpace(src[j]) { j += 1 }
        return j
    }

    private func string(_ range: Range<Int>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: src[range])
        return String(view)
    }

    /// Applies `-` (strip all whitespace) or lstrip_blocks to the text before a tag.
    private func controlledText(_ range: Range<Int>, sign: Unicode.Scalar?, isVariable: Bool) -> Range<Int> {
        if sign == "-" {
            var end = range.upperBound
            while end > range.lowerBound, isPythonSpace(src[end - 1]) { end -= 1 }
            return range.lowerBound..<end
        }
        if sign != "+", !isVariable {
            var lineStart = range.lowerBound
            var k = range.upperBound
            while k > range.lowerBound {
                if src[k - 1] == "\n" { lineStart = k; break }
                k -= 1
            }
            let foundNewline = k > range.lowerBound
            if foundNewline || lineStarting {
                if src[lineStart..<range.upperBound].allSatisfy({ $0 == " " || $0 == "\t" }) {
                    return range.lowerBound..<lineStart
                }
            }
        }
        return range
    }

    private func emitData(_ range: Range<Int>) {
        if !range.isEmpty { tokens.append(Token(kind: .data(string(range)), pos: pos(range.lowerBound))) }
    }

    /// Finds the next `{{`, `{%` or `{#` at or after `k`.
    private func nextTagStart(from k: Int) -> Int? {
        var j = k
        while j + 1 < src.count {
            if src[j] == "{", src[j + 1] == "{" || src[j + 1] == "%" || src[j + 1] == "#" { return j }
            j += 1
        }
        return nil
    }

    /// If a `{% raw %}` opener starts at `k`, the index just after it.
    private func rawOpenerEnd(at k: Int) -> Int? {
        var j = k + 2
        if at(j) == "-" || at(j) == "+" { j += 1 }
        j = skipWhitespace(from: j)
        guard matches("raw", at: j) else { return nil }
        j += 3
        j = skipWhitespace(from: j)
        if matches("-%}", at: j) { return skipWhitespace(from: j + 3) }
        if matches("%}", at: j) { return j + 2 }
        return nil
    }

    /// Index just after a block-style end (`+%}`, `-%}` + whitespace, `%}` + optional newline) at `k`.
    private func blockEndLength(at k: Int, closer: String) -> Int? {
        if matches("+" + closer, at: k) { return k + 3 }
        if matches("-" + closer, at: k) { return skipWhitespace(from: k + 3) }
        if matches(closer, at: k) { return at(k + 2) == "\n" ? k + 3 : k + 2 }
        return nil
    }

    private func run() throws {
        while i < src.count {
            guard let start = nextTagStart(from: i) else {
                emitData(i..<src.count)
                break
            }
            let kind = src[start + 1]
            let sign: Unicode.Scalar? = (at(start + 2) == "-" || at(start + 2) == "+") ? at(start + 2) : nil
            emitData(controlledText(i..<start, sign: sign, isVariable: kind == "{"))
            if kind == "%", let afterRaw = rawOpenerEnd(at: start) {
                try lexRaw(from: afterRaw, openedAt: start)
                continue
            }
            let bodyStart = start + 2 + (sign == nil ? 0 : 1)
            switch kind {
            case "#": try lexComment(from: bodyStart, openedAt: start)
            case "%":
                tokens.append(Token(kind: .blockBegin, pos: pos(start)))
                try lexTag(from: bodyStart, closer: "%}")
            default:
                tokens.append(Token(kind: .variableBegin, pos: pos(start)))
                try lexTag(from: bodyStart, closer: "}}")
            }
        }
        tokens.append(Token(kind: .eof, pos: pos(src.count)))
    }

    private func lexComment(from k: Int, openedAt start: Int) throws {
        var j = k
        while j < src.count {
            if src[j] == "#", at(j + 1) == "}" {
                let signed = j > k && (src[j - 1] == "-" || src[j - 1] == "+")
                if signed, src[j - 1] == "-" {
                    i = skipWhitespace(from: j + 2)
                } else if signed {
                    i = j + 2
                } else {
                    i = at(j + 2) == "\n" ? j + 3 : j + 2
                }
                lineStarting = i > 0 && src[i - 1] == "\n"
                return
            }
            j += 1
        }
        throw fail("Missing end of comment tag", at: start)
    }

    private func lexRaw(from k: Int, openedAt start: Int) throws {
        var j = k
        while let tag = nextTagStart(from: j) {
            if src[tag + 1] == "%" {
                var m = tag + 2
                let sign: Unicode.Scalar? = (at(m) == "-" || at(m) == "+") ? at(m) : nil
                if sign != nil { m += 1 }
                m = skipWhitespace(from: m)
                if matches("endraw", at: m) {
                    m = skipWhitespace(from: m + 6)
                    if let end = blockEndLength(at: m, closer: "%}") {
                        lineStarting = k > 0 && src[k - 1] == "\n"
                        emitData(controlledText(k..<tag, sign: sign, isVariable: false))
                        i = end
                        lineStarting = src[end - 1] == "\n"
                        return
                    }
                }
            }
            j = tag + 1
        }
        throw fail("Missing end of raw directive", at: start)
    }

    private func lexTag(from k: Int, closer: String) throws {
        var j = k
        var balance: [Unicode.Scalar] = []
        let endKind: Token.Kind = closer == "%}" ? .blockEnd : .variableEnd
        while true {
            guard j < src.count else { throw fail("unexpected end of template, expected '\(closer)'", at: j) }
            if balance.isEmpty, src[j] == "-" || src[j] == "+" || src[j] == "%" || src[j] == "}" {
                if closer == "%}", let end = blockEndLength(at: j, closer: closer) {
                    tokens.append(Token(kind: endKind, pos: pos(j)))
                    i = end
                    lineStarting = src[end - 1] == "\n"
                    return
                }
                if closer == "}}" {
                    var end: Int?
                    if matches("-}}", at: j) { end = skipWhitespace(from: j + 3) } else if matches("}}", at: j) { end = j + 2 }
                    if let end {
                        tokens.append(Token(kind: endKind, pos: pos(j)))
                        i = end
                        lineStarting = src[end - 1] == "\n"
                        return
                    }
                }
            }
            let c = src[j]
            if isPythonSpace(c) {
                j += 1
                continue
            }
            if c == "'" || c == "\"" {
                j = try lexString(at: j, quote: c)
                continue
            }
            if isDigit(c) {
                j = try lexNumber(at: j)
                continue
            }
            if isNameStart(c) {
                var e = j + 1
                while e < src.count, isNameStart(src[e]) || isDigit(src[e]) { e += 1 }
                tokens.append(Token(kind: .name(string(j..<e)), pos: pos(j)))
                j = e
                continue
            }
            if let next = at(j + 1), (c == "/" && next == "/") || (c == "*" && next == "*") || (next == "=" && "=!<>".unicodeScalars.contains(c)) {
                tokens.append(Token(kind: .op(string(j..<j + 2)), pos: pos(j)))
                j += 2
                continue
            }
            guard isOperator(c) else {
                throw fail("unexpected char '\(Character(c))'", at: j)
            }
            switch c {
            case "(", "[", "{": balance.append(c)
            case ")", "]", "}":
                let open: Unicode.Scalar = c == ")" ? "(" : c == "]" ? "[" : "{"
                guard let last = balance.popLast() else { throw fail("unexpected '\(Character(c))'", at: j) }
                guard last == open else {
                    throw fail("unexpected '\(Character(c))', expected '\(last == "(" ? ")" : last == "[" ? "]" : "}")'", at: j)
                }
            default: break
            }
            tokens.append(Token(kind: .op(String(Character(c))), pos: pos(j)))
            j += 1
        }
    }

    private func isDigit(_ s: Unicode.Scalar) -> Bool { s.value >= 48 && s.value <= 57 }

    private func isNameStart(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 128 { return (v >= 65 && v <= 90) || (v >= 97 && v <= 122) || v == 95 }
        return s.properties.isAlphabetic
    }

    private func isOperator(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";": return true
        default: return false
        }
    }

    /// Digits with single underscores between them, starting at `k`; returns the end index.
    private func digitRun(at k: Int, allowed: (Unicode.Scalar) -> Bool) -> Int {
        var e = k
        while e < src.count {
            if allowed(src[e]) { e += 1; continue }
            if src[e] == "_", e > k, e + 1 < src.count, allowed(src[e + 1]) { e += 1; continue }
            break
        }
        return e
    }

    private func lexNumber(at k: Int) throws -> Int {
        let start = pos(k)
        if src[k] == "0", let p = at(k + 1), "bBoOxX".unicodeScalars.contains(p) {
            let radix = (p == "b" || p == "B") ? 2 : (p == "o" || p == "O") ? 8 : 16
            let allowed: (Unicode.Scalar) -> Bool = { Int(String(Character($0)), radix: radix) != nil }
            var body = k + 2
            if at(body) == "_" { body += 1 }
            let e = digitRun(at: body, allowed: allowed)
            guard e > body, let v = Int(string(body..<e).replacingUnderscores(), radix: radix) else {
                throw fail("invalid integer literal", at: k)
            }
            tokens.append(Token(kind: .integer(v), pos: start))
            return e
        }
        var e = digitRun(at: k, allowed: isDigit)
        var isFloat = false
        let afterDot = k > 0 && src[k - 1] == "."
        if !afterDot, at(e) == ".", let d = at(e + 1), isDigit(d) {
            e = digitRun(at: e + 1, allowed: isDigit)
            isFloat = true
        }
        if !afterDot, let x = at(e), x == "e" || x == "E" {
            var m = e + 1
            if at(m) == "+" || at(m) == "-" { m += 1 }
            if let d = at(m), isDigit(d) {
                e = digitRun(at: m, allowed: isDigit)
                isFloat = true
            }
        }
        let text = string(k..<e).replacingUnderscores()
        if isFloat {
            guard let v = Double(text) else { throw fail("invalid float literal", at: k) }
            tokens.append(Token(kind: .float(v), pos: start))
        } else {
            guard let v = Int(text) else { throw fail("integer literal too large", at: k) }
            tokens.append(Token(kind: .integer(v), pos: start))
        }
        return e
    }

    private func lexString(at k: Int, quote: Unicode.Scalar) throws -> Int {
        var j = k + 1
        var out = String.UnicodeScalarView()
        while true {
            guard j < src.count else { throw fail("unterminated string literal", at: k) }
            let c = src[j]
            if c == quote { break }
            if c != "\\" {
                out.append(c)
                j += 1
                continue
            }
            guard let e = at(j + 1) else { throw fail("unterminated string literal", at: k) }
            j += 2
            switch e {
            case "\n": break
            case "\\": out.append("\\")
            case "'": out.append("'")
            case "\"": out.append("\"")
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0B}")
            case "0"..."7":
                var value = e.value - 48
                var n = 1
                while n < 3, let d = at(j), d >= "0", d <= "7" {
                    value = value * 8 + d.value - 48
                    j += 1
                    n += 1
                }
                guard let s = Unicode.Scalar(value) else { throw fail("invalid octal escape", at: j) }
                out.append(s)
            case "x", "u", "U":
                let count = e == "x" ? 2 : e == "u" ? 4 : 8
                var value: UInt32 = 0
                for m in 0..<count {
                    guard let d = at(j + m), d.isASCII, let h = hexDigit(UInt8(d.value)) else {
                        throw fail("truncated \\\(Character(e)) escape in string literal", at: j)
                    }
                    value = value * 16 + h
                }
                j += count
                guard let s = Unicode.Scalar(value) else { throw fail("invalid escape in string literal", at: j) }
                out.append(s)
            default:
                out.append("\\")
                out.append(e)
            }
        }
        tokens.append(Token(kind: .string(String(out)), pos: pos(k)))
        return j + 1
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(unicodeScalars.filter { $0 != "_" }) }
}

/// Python's `str.isspace()` for one code point (also what `\s` matches in a `re` str pattern).
func isPythonSpace(_ s: Unicode.Scalar) -> Bool {
    switch s.value {
    case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
        return true
    default:
        return false
    }
}
