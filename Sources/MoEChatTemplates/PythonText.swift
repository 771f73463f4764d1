/// Python's `str()` and `repr()` of runtime values, as jinja2 prints them.
enum PythonText {
    /// `str(value)`: what `{{ value }}` prints. Undefined prints as nothing.
    static func str(_ value: Value) -> String {
        switch value {
        case .undefined: return ""
        case .string(let s), .markup(let s): return s
        default: return repr(value)
        }
    }

    /// `repr(value)`.
    static func repr(_ value: Value) -> String {
        switch value {
        case .undefined: return "Undefined"
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return floatRepr(d)
        case .string(let s): return stringRepr(s)
        case .markup(let s): return "Markup(" + stringRepr(s) + ")"
        case .list(let items): return "[" + items.map(repr).joined(separator: ", ") + "]"
        case .tuple(let items):
            if items.count == 1 { return "(" + repr(items[0]) + ",)" }
            return "(" + items.map(repr).joined(separator: ", ") + ")"
        case .dict(let d): return dictRepr(d)
        case .namespace(let ns): return "<Namespace " + dictRepr(ns.attributes) + ">"
        case .loop(let l): return "<LoopContext \(l.index0 + 1)/\(l.items.count)>"
        case .iterator(let it): return "<\(it.typeName) object>"
        case .view(let v): return v.repr
        case .callable(let c):
            switch c {
            case .macro(let m): return "<Macro '\(m.name)'>"
            case .builtin(let name, _): return "<function \(name)>"
            case .method(let receiver, let name): return "<built-in method \(name) of \(receiver.typeName) object>"
            }
        }
    }

    static func dictRepr(_ d: Dict) -> String {
        "{" + d.entries.map { repr($0.key) + ": " + repr($0.value) }.joined(separator: ", ") + "}"
    }

    /// Python's `repr(float)`: shortest round-trip digits, scientific below 1e-4 and from 1e16.
    static func floatRepr(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
        let (negative, digits, exponent) = shortestDigits(d)
        var out = negative ? "-" : ""
        if exponent < -4 || exponent >= 16 {
            out += String(digits.first ?? "0")
            if digits.count > 1 { out += "." + digits.dropFirst() }
            let e = abs(exponent)
            out += "e" + (exponent < 0 ? "-" : "+") + (e < 10 ? "0" : "") + String(e)
        } else if exponent < 0 {
            out += "0." + String(repeating: "0", count: -exponent - 1) + digits
        } else if digits.count > exponent + 1 {
            let split = digits.index(digits.startIndex, offsetBy: exponent + 1)
            out += digits[..<split] + "." + digits[split...]
        } else {
            out += digits + String(repeating: "0", count: exponent + 1 - digits.count) + ".0"
        }
        return out
    }

    /// Sign, significant digits (no leading/trailing zeros) and decimal exponent of the first digit.
    static func shortestDigits(_ d: Double) -> (Bool, String, Int) {
        var text = "\(d.magnitude)"
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let intPart = String(parts[0])
        let fracPart = parts.count > 1 ? String(parts[1]) : ""
        var digits = intPart + fracPart
        var pointPosition = intPart.count
        while digits.first == "0" {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        if digits.isEmpty { digits = "0" }
        return (d.sign == .minus, digits, exponent + pointPosition - 1)
    }

    /// Python's `repr(str)`.
    static func stringRepr(_ s: String) -> String {
        let quote: Unicode.Scalar = (s.unicodeScalars.contains("'") && !s.unicodeScalars.contains("\"")) ? "\"" : "'"
        var out = String.UnicodeScalarView()
        out.append(quote)
        for c in s.unicodeScalars {
            switch c {
            case quote, "\\":
                out.append("\\")
                out.append(c)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            default:
                if isPrintable(c) {
                    out.append(c)
                } else {
                    let hex = String(c.value, radix: 16)
                    let (prefix, width) = c.value < 0x100 ? ("\\x", 2) : c.value < 0x10000 ? ("\\u", 4) : ("\\U", 8)
                    out.append(contentsOf: (prefix + String(repeating: "0", count: width - hex.count) + hex).unicodeScalars)
                }
            }
        }
        out.append(quote)
        return String(out)
    }

    /// Python's `str.isprintable()` for one code point.
    static func isPrintable(_ c: Unicode.Scalar) -> Bool {
        if c == " " { return true }
        switch c.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }
}

/// Code-point string operations with Python semantics (Swift's `String` compares by canonical
/// equivalence and counts grapheme clusters; Python counts and compares code points).
extension String {
    var scalars: [Unicode.Scalar] { Array(unicodeScalars) }

    init(scalars: some Sequence<Unicode.Scalar>) {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        self = String(view)
    }

    func pyEquals(_ other: String) -> Bool { unicodeScalars.elementsEqual(other.unicodeScalars) }

    func pyLess(_ other: String) -> Bool {
        unicodeScalars.lexicographicallyPrecedes(other.unicodeScalars) { $0.value < $1.value }
    }

    func pyHasPrefix(_ p: String) -> Bool { unicodeScalars.starts(with: p.unicodeScalars) }

    func pyHasSuffix(_ p: String) -> Bool {
        unicodeScalars.reversed().starts(with: p.unicodeScalars.reversed())
    }

    /// Index (in code points) of the first occurrence of `needle` at or after `from`.
    func pyFind(_ needle: String, from: Int = 0, to: Int? = nil) -> Int? {
        let h = scalars, n = needle.scalars
        let end = min(to ?? h.count, h.count)
        guard from >= 0, from + n.count <= end else { return nil }
        if n.isEmpty { return from }
        var k = from
        while k + n.count <= end {
            if h[k] == n[0], Array(h[k..<k + n.count]) == n { return k }
            k += 1
        }
        return nil
    }

    /// Non-overlapping occurrence start indices of `needle` (non-empty).
    func pyOccurrences(_ needle: String) -> [Int] {
        let h = scalars, n = needle.scalars
        guard !n.isEmpty else { return [] }
        var result: [Int] = []
        var k = 0
        while k + n.count <= h.count {
            if h[k] == n[0], Array(h[k..<k + n.count]) == n {
                result.append(k)
                k += n.count
            } else {
                k += 1
            }
        }
        return result
    }

    func pyContains(_ needle: String) -> Bool { pyFind(needle) != nil }

    /// `str.replace(old, new, count)`.
    /// `pyReplace` after checking that the result fits `Operators.maxRepeatedLength`.
    func boundedReplace(_ old: String, _ new: String, count: Int = -1) throws -> String {
        if new.utf8.count > old.utf8.count {
            var replaced = old.isEmpty ? unicodeScalars.count + 1 : pyOccurrences(old).count
            if count >= 0 { replaced = min(replaced, count) }
            let growth = (new.utf8.count - old.utf8.count).multipliedReportingOverflow(by: replaced)
            try Operators.checkLength(growth.overflow ? Int.max : utf8.count + growth.partialValue, "replaced string")
        }
        return pyReplace(old, new, count: count)
    }

    func pyReplace(_ old: String, _ new: String, count: Int = -1) -> String {
        let h = scalars
        if old.isEmpty {
            var out: [Unicode.Scalar] = []
            var done = 0
            for (k, c) in h.enumerated() {
                if count < 0 || done < count { out += new.scalars; done += 1 }
                out.append(c)
                if k == h.count - 1, count < 0 || done < count { out += new.scalars }
            }
            if h.isEmpty, count != 0 { out += new.scalars }
            return String(scalars: out)
        }
        var out: [Unicode.Scalar] = []
        var last = 0
        for (n, k) in pyOccurrences(old).enumerated() {
            if count >= 0, n >= count { break }
            out += h[last..<k]
            out += new.scalars
            last = k + old.unicodeScalars.count
        }
        out += h[last...]
        return String(scalars: out)
    }

    /// `str.strip(chars)`; `chars == nil` strips Python whitespace.
    func pyStrip(_ chars: String?, leading: Bool = true, trailing: Bool = true) -> String {
        let h = scalars
        let set = chars.map { Set($0.unicodeScalars) }
        func strip(_ c: Unicode.Scalar) -> Bool { set.map { $0.contains(c) } ?? isPythonSpace(c) }
        var lo = 0, hi = h.count
        if leading { while lo < hi, strip(h[lo]) { lo += 1 } }
        if trailing { while hi > lo, strip(h[hi - 1]) { hi -= 1 } }
        return String(scalars: h[lo..<hi])
    }

    /// `str.split(sep, maxsplit)`.
    func pySplit(_ sep: String?, maxSplit: Int = -1) -> [String] {
        let h = scalars
        guard let sep else {
            var parts: [String] = []
            var k = 0
            while k < h.count {
                while k < h.count, isPythonSpace(h[k]) { k += 1 }
                if k == h.count { break }
                if maxSplit >= 0, parts.count == maxSplit {
                    parts.append(String(scalars: h[k...]))
                    break
                }
                let start = k
                while k < h.count, !isPythonSpace(h[k]) { k += 1 }
                parts.append(String(scalars: h[start..<k]))
            }
            return parts
        }
        var parts: [String] = []
        var last = 0
        let n = sep.unicodeScalars.count
        for k in pyOccurrences(sep) {
            if maxSplit >= 0, parts.count == maxSplit { break }
            parts.append(String(scalars: h[last..<k]))
            last = k + n
        }
        parts.append(String(scalars: h[last...]))
        return parts
    }

    /// `str.rsplit(sep, maxsplit)`.
    func pyRSplit(_ sep: String?, maxSplit: Int = -1) -> [String] {
        if maxSplit < 0 { return pySplit(sep, maxSplit: -1) }
        let reversedSelf = String(scalars: scalars.reversed())
        let reversedSep = sep.map { String(scalars: $0.scalars.reversed()) }
        return reversedSelf.pySplit(reversedSep, maxSplit: maxSplit).reversed().map { String(scalars: $0.scalars.reversed()) }
    }

    /// `str.splitlines(keepends)`.
    func pySplitLines(keepEnds: Bool = false) -> [String] {
        let h = scalars
        var lines: [String] = []
        var start = 0
        var k = 0
        while k < h.count {
            let c = h[k]
            let isBreak = [0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029].contains(c.value)
            if isBreak {
                var end = k + 1
                if c == "\r", k + 1 < h.count, h[k + 1] == "\n" { end += 1 }
                lines.append(String(scalars: h[start..<(keepEnds ? end : k)]))
                start = end
                k = end
            } else {
                k += 1
            }
        }
        if start < h.count { lines.append(String(scalars: h[start...])) }
        return lines
    }

    var pyUpper: String { uppercased() }
    var pyLower: String { lowercased() }

    /// `str.capitalize()`: first character title-cased, the rest lower-cased.
    var pyCapitalize: String {
        guard let first = unicodeScalars.first else { return "" }
        return String(first).uppercased() + String(scalars: unicodeScalars.dropFirst()).lowercased()
    }

    /// `str.title()`: upper-case a cased character after an uncased one, lower-case the others.
    var pyTitle: String {
        var out = ""
        var previousCased = false
        for c in unicodeScalars {
            let cased = c.properties.isCased
            out += previousCased ? String(c).lowercased() : String(c).uppercased()
            previousCased = cased
        }
        return out
    }
}
