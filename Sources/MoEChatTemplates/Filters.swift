import Foundation

/// jinja2's filters, with transformers' `tojson`.
enum Filters {
    static let names: Set<String> = [
        "abs", "attr", "capitalize", "count", "d", "default", "dictsort", "e", "escape", "first", "float", "forceescape",
        "format", "indent", "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min", "reject",
        "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "sort", "string", "sum", "title",
        "tojson", "trim", "unique", "upper", "wordcount", "center", "truncate",
    ]

    struct Args {
        let positional: [Value]
        let keyword: [(String, Value)]

        func callAsFunction(_ index: Int, _ name: String) -> Value? { Methods.argument(positional, keyword, index, name) }
    }

    static func apply(_ name: String, _ v: Value, _ positional: [Value], _ keyword: [(String, Value)], _ renderer: Renderer) throws -> Value {
        let a = Args(positional: positional, keyword: keyword)
        switch name {
        case "default", "d":
            let useDefault = v.isUndefined || ((a(1, "boolean")?.truthy ?? false) && !v.truthy)
            return useDefault ? (a(0, "default_value") ?? .string("")) : v
        case "length", "count": return .int(try Operators.length(v))
        case "string": return v.text == nil ? .string(PythonText.str(v)) : v
        case "safe": if case .markup = v { return v } else { return .markup(PythonText.str(v)) }
        case "e", "escape": if case .markup = v { return v } else { return .markup(escapeHTML(PythonText.str(v))) }
        case "forceescape": return .markup(escapeHTML(PythonText.str(v)))
        case "trim":
            return keepingMarkup(v, PythonText.str(v).pyStrip(try Methods.string(a(0, "chars"), "strip")))
        case "upper": return keepingMarkup(v, PythonText.str(v).pyUpper)
        case "lower": return keepingMarkup(v, PythonText.str(v).pyLower)
        case "capitalize": return keepingMarkup(v, PythonText.str(v).pyCapitalize)
        case "title": return .string(title(PythonText.str(v)))
        case "replace":
            let s = PythonText.str(v)
            let old = PythonText.str(a(0, "old") ?? .string("")), new = PythonText.str(a(1, "new") ?? .string(""))
            return .string(try s.boundedReplace(old, new, count: try Methods.int(a(2, "count"), default: -1)))
        case "tojson": return .string(try toJSON(v, a))
        case "join":
            var items = try Operators.iterate(v)
            if let attribute = a(1, "attribute") { items = try items.map { try lookupPath($0, attribute) } }
            return .string(try Operators.join(items.map(PythonText.str), separator: PythonText.str(a(0, "d") ?? .string(""))))
        case "first":
            if case .iterator(let it) = v { return it.next() ?? .undefined(hint: "No first item, sequence was empty.") }
            return try Operators.iterate(v).first ?? .undefined(hint: "No first item, sequence was empty.")
        case "last":
            if case .iterator(let it) = v { throw EvalError(message: "'\(it.typeName)' object is not reversible") }
            return try Operators.iterate(v).last ?? .undefined(hint: "No last item, sequence was empty.")
        case "list": return .list(try Operators.iterate(v))
        case "reverse":
            switch v {
            case .string(let s): return .string(String(scalars: s.scalars.reversed()))
            case .list(let items): return .iterator(IteratorState(items.reversed(), typeName: "list_reverseiterator"))
            case .tuple(let items): return .iterator(IteratorState(items.reversed(), typeName: "reversed"))
            case .dict(let d): return .iterator(IteratorState(d.keys.reversed(), typeName: "dict_reversekeyiterator"))
            default: return .list(try Operators.iterate(v).reversed())
            }
        case "int": return try toInt(v, a)
        case "float": return try toFloat(v, a)
        case "abs":
            switch v.number {
            case .int(let i)?:
                guard i != Int.min else { throw Operators.overflow() }
                return .int(abs(i))
            case .double(let d)?: return .double(abs(d))
            default: throw EvalError(message: "bad operand type for abs(): '\(v.typeName)'")
            }
        case "round": return try round(v, a)
        case "items":
            if case .undefined = v { return .list([]) }
            guard case .dict(let d) = v else { throw EvalError(message: "Can only get item pairs from a mapping.") }
            return .iterator(IteratorState(d.entries.map { .tuple([$0.key, $0.value]) }, typeName: "dict_itemiterator"))
        case "dictsort": return try dictsort(v, a)
        case "sort": return try sort(v, a)
        case "unique": return try unique(v, a)
        case "min", "max": return try minMax(v, a, max: name == "max")
        case "sum":
            var total = a(1, "start") ?? .int(0)
            for item in try Operators.iterate(v) {
                let x = try a(0, "attribute").map { try lookupPath(item, $0) } ?? item
                total = try Operators.add(total, x)
            }
            return total
        case "map": return try map(v, a, renderer)
        case "select", "reject": return try select(v, a, byAttribute: false, keep: name == "select", renderer)
        case "selectattr", "rejectattr": return try select(v, a, byAttribute: true, keep: name == "selectattr", renderer)
        case "attr":
            guard case .string(let attribute)? = a(0, "name") else { throw EvalError(message: "attr() needs a name") }
            return try Access.pythonAttribute(v, attribute)
        case "indent": return try indent(v, a)
        case "wordcount":
            let words = PythonText.str(v).unicodeScalars.split { !isWordCharacter($0) }
            return .int(words.count)
        case "format":
            return .string(try PercentFormat.format(PythonText.str(v), positional.count == 1 ? positional[0] : .tuple(positional)))
        case "center":
            return try Methods.stringMethod(PythonText.str(v), "center", [a(0, "width") ?? .int(80)], [])
        case "truncate": return try truncate(v, a)
        default:
            throw EvalError(message: "No filter named '\(name)' found.")
        }
    }

    /// `result` as `Markup` if `input` was (jinja2's `soft_str` keeps Markup through these filters).
    static func keepingMarkup(_ input: Value, _ result: String) -> Value {
        if case .markup = input { return .markup(result) }
        return .string(result)
    }

    static func isWordCharacter(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isAlphabetic || c.properties.numericType != nil
    }

    static func escapeHTML(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// jinja2's `title`: capitalise each word, words split at whitespace and `-({[<`.
    static func title(_ s: String) -> String {
        var out = ""
        var word: [Unicode.Scalar] = []
        func flush() {
            if let first = word.first {
                out += String(first).uppercased() + String(scalars: word.dropFirst()).lowercased()
            }
            word = []
        }
        for c in s.unicodeScalars {
            if isPythonSpace(c) || "-({[<".unicodeScalars.contains(c) {
                flush()
                out.unicodeScalars.append(c)
            } else {
                word.append(c)
            }
        }
        flush()
        return out
    }

    static func toJSON(_ v: Value, _ a: Args) throws -> String {
        var indent: String?
        switch a(1, "indent") {
        case nil, .none?: indent = nil
        case .int(let n)?:
            try Operators.checkLength(n, "tojson indent")
            indent = String(repeating: " ", count: max(n, 0))
        case .string(let s)?: indent = s
        case let other?: throw EvalError(message: "indent must be an int or a string, not \(other.typeName)")
        }
        var separators: (String, String)?
        if let sep = a(2, "separators"), !(sep.isNone) {
            let parts = try Operators.iterate(sep)
            guard parts.count == 2, case .string(let item) = parts[0], case .string(let key) = parts[1] else {
                throw EvalError(message: "separators must be a pair of strings")
            }
            separators = (item, key)
        }
        let dump = JSONDump(
            indent: indent, separators: separators, sortKeys: a(3, "sort_keys")?.truthy ?? false,
            ensureASCII: a(0, "ensure_ascii")?.truthy ?? false)
        return try dump.dump(v)
    }

    static func toInt(_ v: Value, _ a: Args) throws -> Value {
        let fallback = a(0, "default") ?? .int(0)
        let base = try Methods.int(a(1, "base"), default: 10)
        switch v {
        case .int(let i): return .int(i)
        case .bool(let b): return .int(b ? 1 : 0)
        case .double(let d):
            guard d.isFinite, let i = Int(exactly: d.rounded(.towardZero)) else { return fallback }
            return .int(i)
        case .string(let s):
            var text = s.pyStrip(nil).replacingOccurrences(of: "_", with: "")
            var negative = false
            if text.hasPrefix("-") || text.hasPrefix("+") {
                negative = text.hasPrefix("-")
                text.removeFirst()
            }
            let lowered = text.lowercased()
            var radix = base
            if base == 16, lowered.hasPrefix("0x") || base == 8 && lowered.hasPrefix("0o") || base == 2 && lowered.hasPrefix("0b") {
                text.removeFirst(2)
            } else if base == 0 {
                radix = 10
                for (prefix, r) in [("0x", 16), ("0o", 8), ("0b", 2)] where lowered.hasPrefix(prefix) {
                    radix = r
                    text.removeFirst(2)
                }
            }
            if let i = Int(text, radix: radix) { return .int(negative ? -i : i) }
            if let d = Double(s.pyStrip(nil)), d.isFinite, let i = Int(exactly: d.rounded(.towardZero)) { return .int(i) }
            return fallback
        default: return fallback
        }
    }

    static func toFloat(_ v: Value, _ a: Args) throws -> Value {
        let fallback = a(0, "default") ?? .double(0)
        switch v {
        case .int(let i): return .double(Double(i))
        case .bool(let b): return .double(b ? 1 : 0)
        case .double: return v
        case .string(let s):
            let text = s.pyStrip(nil).lowercased()
            switch text {
            case "inf", "+inf", "infinity", "+infinity": return .double(.infinity)
            case "-inf", "-infinity": return .double(-.infinity)
            case "nan", "+nan", "-nan": return .double(.nan)
            default:
                guard !text.contains("x"), let d = Double(text.replacingOccurrences(of: "_", with: "")) else { return fallback }
                return .double(d)
            }
        default: return fallback
        }
    }

    static func round(_ v: Value, _ a: Args) throws -> Value {
        let precision = try Methods.int(a(0, "precision"), default: 0)
        let method = a(1, "method").map(PythonText.str) ?? "common"
        guard let number = v.number else { throw EvalError(message: "type \(v.typeName) doesn't define __round__ method") }
        let scale = pow(10.0, Double(precision))
        switch method {
        case "common":
            if case .int(let i) = number, precision >= 0 { return .int(i) }
            return .double((number.asDouble * scale).rounded(.toNearestOrEven) / scale)
        case "ceil": return .double((number.asDouble * scale).rounded(.up) / scale)
        case "floor": return .double((number.asDouble * scale).rounded(.down) / scale)
        default: throw EvalError(message: "method must be common, ceil or floor")
        }
    }

    /// Resolves a dotted attribute path like jinja2's `make_attrgetter` (`"a.b"`, `"items.0"`).
    static func lookupPath(_ v: Value, _ path: Value) throws -> Value {
        guard case .string(let s) = path else { return try Access.item(v, path) }
        var current = v
        for part in s.split(separator: ".", omittingEmptySubsequences: false) {
            if let i = Int(part) {
                current = try Access.item(current, .int(i))
            } else {
                current = try Access.item(current, .string(String(part)))
            }
        }
        return current
    }

    /// Sort key: strings lower-cased unless `caseSensitive`.
    static func sortKey(_ v: Value, caseSensitive: Bool) -> Value {
        if !caseSensitive, case .string(let s) = v { return .string(s.pyLower) }
        return v
    }

    static func sorted(_ items: [Value], key: (Value) throws -> Value, reverse: Bool) throws -> [Value] {
        let keyed = try items.map { (try key($0), $0) }
        var failure: Error?
        let result = keyed.enumerated().sorted { x, y in
            do {
                let c = try Operators.compare("<", x.element.0, y.element.0)
                if c == 0 { return x.offset < y.offset }
                return reverse ? c > 0 : c < 0
            } catch {
                failure = error
                return false
            }
        }
        if let failure { throw failure }
        return result.map { $0.element.1 }
    }

    static func dictsort(_ v: Value, _ a: Args) throws -> Value {
        guard case .dict(let d) = v else { throw EvalError(message: "'\(v.typeName)' object has no attribute 'items'") }
        let caseSensitive = a(0, "case_sensitive")?.truthy ?? false
        let byValue: Bool
        switch a(1, "by").map(PythonText.str) ?? "key" {
        case "key": byValue = false
        case "value": byValue = true
        default: throw EvalError(message: "You can only sort by either \"key\" or \"value\"")
        }
        let pairs = d.entries.map { Value.tuple([$0.key, $0.value]) }
        return .list(try sorted(pairs, key: { pair in
            guard case .tuple(let kv) = pair else { return pair }
            return sortKey(kv[byValue ? 1 : 0], caseSensitive: caseSensitive)
        }, reverse: a(2, "reverse")?.truthy ?? false))
    }

    static func sort(_ v: Value, _ a: Args) throws -> Value {
        let caseSensitive = a(1, "case_sensitive")?.truthy ?? false
        let attribute = a(2, "attribute")
        return .list(try sorted(try Operators.iterate(v), key: { item in
            sortKey(try attribute.map { try lookupPath(item, $0) } ?? item, caseSensitive: caseSensitive)
        }, reverse: a(0, "reverse")?.truthy ?? false))
    }

    static func unique(_ v: Value, _ a: Args) throws -> Value {
        let caseSensitive = a(0, "case_sensitive")?.truthy ?? false
        let attribute = a(1, "attribute")
        var seen: [Value] = []
        var out: [Value] = []
        for item in try Operators.iterate(v) {
            let key = sortKey(try attribute.map { try lookupPath(item, $0) } ?? item, caseSensitive: caseSensitive)
            if !seen.contains(where: { Operators.equals($0, key) }) {
                seen.append(key)
                out.append(item)
            }
        }
        return .list(out)
    }

    static func minMax(_ v: Value, _ a: Args, max: Bool) throws -> Value {
        let caseSensitive = a(0, "case_sensitive")?.truthy ?? false
        let attribute = a(1, "attribute")
        let items = try Operators.iterate(v)
        guard var best = items.first else {
            return .undefined(hint: "No aggregated item, sequence was empty.")
        }
        func key(_ x: Value) throws -> Value { sortKey(try attribute.map { try lookupPath(x, $0) } ?? x, caseSensitive: caseSensitive) }
        for item in items.dropFirst() {
            let c = try Operators.compare("<", try key(item), try key(best))
            if max ? c > 0 : c < 0 { best = item }
        }
        return best
    }

    static func map(_ v: Value, _ a: Args, _ renderer: Renderer) throws -> Value {
        guard v.truthy else { return generator([]) }
        let items = try Operators.iterate(v)
        if let attribute = a.keyword.first(where: { $0.0 == "attribute" })?.1 {
            let fallback = a.keyword.first { $0.0 == "default" }?.1
            return generator(try items.map { item in
                let x = try lookupPath(item, attribute)
                if x.isUndefined, let fallback { return fallback }
                return x
            })
        }
        guard case .string(let filter)? = a.positional.first else {
            if a.positional.isEmpty { return generator(items) }
            throw EvalError(message: "map() filter name must be a string")
        }
        let rest = Array(a.positional.dropFirst())
        return generator(try items.map { try apply(filter, $0, rest, a.keyword, renderer) })
    }

    static func select(_ v: Value, _ a: Args, byAttribute: Bool, keep: Bool, _ renderer: Renderer) throws -> Value {
        guard v.truthy else { return generator([]) }
        var args = a.positional
        var attribute: Value?
        if byAttribute {
            guard !args.isEmpty else { throw EvalError(message: "Missing parameter for attribute name") }
            attribute = args.removeFirst()
        }
        var test: String?
        if !args.isEmpty {
            guard case .string(let t) = args.removeFirst() else { throw EvalError(message: "test name must be a string") }
            test = t
        }
        var out: [Value] = []
        for item in try Operators.iterate(v) {
            let subject = try attribute.map { try lookupPath(item, $0) } ?? item
            let passed = try test.map { try TestFunctions.apply($0, subject, args, a.keyword) } ?? subject.truthy
            if passed == keep { out.append(item) }
        }
        return generator(out)
    }

    /// The generator object jinja2's `map`/`select` family returns (evaluated eagerly here).
    static func generator(_ items: [Value]) -> Value { .iterator(IteratorState(items, typeName: "generator")) }

    static func indent(_ v: Value, _ a: Args) throws -> Value {
        let width = a(0, "width") ?? .int(4)
        let indentation: String
        if case .string(let s) = width {
            indentation = s
        } else {
            let count = try Methods.int(width, default: 4)
            try Operators.checkLength(count, "indent width")
            indentation = String(repeating: " ", count: max(count, 0))
        }
        let first = a(1, "first")?.truthy ?? false
        let blank = a(2, "blank")?.truthy ?? false
        let s = PythonText.str(v) + "\n"
        var lines = s.pySplitLines()
        var result: String
        if blank {
            result = lines.joined(separator: "\n" + indentation)
        } else {
            result = lines.isEmpty ? "" : lines.removeFirst()
            if !lines.isEmpty {
                result += "\n" + lines.map { $0.isEmpty ? $0 : indentation + $0 }.joined(separator: "\n")
            }
        }
        if first { result = indentation + result }
        return .string(result)
    }

    static func truncate(_ v: Value, _ a: Args) throws -> Value {
        let s = PythonText.str(v)
        let length = try Methods.int(a(0, "length"), default: 255)
        let killWords = a(1, "killwords")?.truthy ?? false
        let end = PythonText.str(a(2, "end") ?? .string("..."))
        let leeway = try Methods.int(a(3, "leeway"), default: 5)
        let scalars = s.scalars
        if scalars.count <= length + leeway { return .string(s) }
        let keep = max(length - end.unicodeScalars.count, 0)
        if killWords { return .string(String(scalars: scalars.prefix(keep)) + end) }
        var head = String(scalars: scalars.prefix(keep))
        if let space = head.unicodeScalars.lastIndex(of: " ") {
            head = String(head.unicodeScalars[..<space])
        }
        return .string(head + end)
    }
}

extension Value {
    var isNone: Bool {
        if case .none = self { return true }
        return false
    }
}
