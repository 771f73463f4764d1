/// Python methods of `str`, `dict`, `list` and `tuple` that templates call.
enum Methods {
    /// Argument `index` by position or by `name`, or nil.
    static func argument(_ positional: [Value], _ keyword: [(String, Value)], _ index: Int, _ name: String) -> Value? {
        if index < positional.count { return positional[index] }
        return keyword.first { $0.0 == name }?.1
    }

    static func string(_ v: Value?, _ what: String) throws -> String? {
        switch v {
        case nil, .none?: return nil
        case .string(let s)?: return s
        case let other?: throw EvalError(message: "\(what) arg must be None or str, not \(other.typeName)")
        }
    }

    static func int(_ v: Value?, default d: Int) throws -> Int {
        switch v {
        case nil, .none?: return d
        case .int(let i)?: return i
        case .bool(let b)?: return b ? 1 : 0
        case let other?: throw EvalError(message: "'\(other.typeName)' object cannot be interpreted as an integer")
        }
    }

    static func call(_ receiver: Value, _ name: String, _ positional: [Value], _ keyword: [(String, Value)]) throws -> Value {
        switch receiver {
        case .string(let s): return try stringMethod(s, name, positional, keyword)
        case .markup(let s): return markupResult(name, try stringMethod(s, name, positional, keyword))
        case .dict(let d): return try dictMethod(d, name, positional, keyword)
        case .list(let items), .tuple(let items):
            switch name {
            case "count": return .int(items.filter { Operators.equals($0, positional.first ?? .none) }.count)
            case "index":
                let target = positional.first ?? .none
                guard let k = items.firstIndex(where: { Operators.equals($0, target) }) else {
                    throw EvalError(message: "\(PythonText.repr(target)) is not in list")
                }
                return .int(k)
            default: return receiver
            }
        default: throw EvalError(message: "'\(receiver.typeName)' object has no attribute '\(name)'")
        }
    }

    /// markupsafe wraps these `str` methods so their results stay `Markup`.
    static let markupPreserving: Set<String> = [
        "capitalize", "title", "lower", "upper", "replace", "ljust", "rjust", "lstrip", "rstrip", "center", "strip",
        "swapcase", "zfill", "split", "rsplit", "splitlines", "partition", "rpartition", "format", "join",
    ]

    static func markupResult(_ name: String, _ result: Value) -> Value {
        guard markupPreserving.contains(name) else { return result }
        switch result {
        case .string(let s): return .markup(s)
        case .list(let items): return .list(items.map { $0.text.map(Value.markup) ?? $0 })
        case .tuple(let items): return .tuple(items.map { $0.text.map(Value.markup) ?? $0 })
        default: return result
        }
    }

    static func dictMethod(_ d: Dict, _ name: String, _ positional: [Value], _ keyword: [(String, Value)]) throws -> Value {
        switch name {
        case "items": return .view(.dict("dict_items", d.entries.map { .tuple([$0.key, $0.value]) }))
        case "keys": return .view(.dict("dict_keys", d.keys))
        case "values": return .view(.dict("dict_values", d.values))
        case "get":
            guard let key = positional.first else { throw EvalError(message: "get expected at least 1 argument, got 0") }
            return d[key] ?? (positional.count > 1 ? positional[1] : .none)
        default: return .dict(d)
        }
    }

    static func affixes(_ v: Value?) throws -> [String] {
        switch v {
        case .string(let s)?: return [s]
        case .tuple(let items)?:
            return try items.map {
                guard case .string(let s) = $0 else { throw EvalError(message: "tuple for startswith must only contain str, not \($0.typeName)") }
                return s
            }
        case let other:
            throw EvalError(message: "startswith first arg must be str or a tuple of str, not \(other?.typeName ?? "nothing")")
        }
    }

    static func stringMethod(_ s: String, _ name: String, _ positional: [Value], _ keyword: [(String, Value)]) throws -> Value {
        let arg = { (i: Int, n: String) in argument(positional, keyword, i, n) }
        switch name {
        case "startswith", "endswith":
            let options = try affixes(arg(0, "prefix"))
            var text = s
            if positional.count > 1 {
                let start = try int(positional[1], default: 0)
                let end = positional.count > 2 ? try int(positional[2], default: Int.max) : Int.max
                guard case .string(let sub) = try Access.slice(.string(s), .int(start), end == Int.max ? .none : .int(end), .none) else { return .bool(false) }
                text = sub
            }
            return .bool(options.contains { name == "startswith" ? text.pyHasPrefix($0) : text.pyHasSuffix($0) })
        case "split", "rsplit":
            let sep = try string(arg(0, "sep"), "split")
            if sep == "" { throw EvalError(message: "empty separator") }
            let maxSplit = try int(arg(1, "maxsplit"), default: -1)
            let parts = name == "split" ? s.pySplit(sep, maxSplit: maxSplit) : s.pyRSplit(sep, maxSplit: maxSplit)
            return .list(parts.map { .string($0) })
        case "splitlines":
            return .list(s.pySplitLines(keepEnds: arg(0, "keepends")?.truthy ?? false).map { .string($0) })
        case "strip", "lstrip", "rstrip":
            let chars = try string(arg(0, "chars"), name)
            return .string(s.pyStrip(chars, leading: name != "rstrip", trailing: name != "lstrip"))
        case "upper": return .string(s.pyUpper)
        case "lower", "casefold": return .string(s.pyLower)
        case "title": return .string(s.pyTitle)
        case "capitalize": return .string(s.pyCapitalize)
        case "swapcase":
            return .string(s.unicodeScalars.map { c in
                c.properties.isUppercase ? String(c).lowercased() : c.properties.isLowercase ? String(c).uppercased() : String(c)
            }.joined())
        case "replace":
            guard case .string(let old)? = arg(0, "old"), case .string(let new)? = arg(1, "new") else {
                throw EvalError(message: "replace() arguments must be str")
            }
            return .string(try s.boundedReplace(old, new, count: try int(arg(2, "count"), default: -1)))
        case "find", "rfind", "index", "rindex", "count":
            guard case .string(let needle)? = arg(0, "sub") else { throw EvalError(message: "must be str, not \(arg(0, "sub")?.typeName ?? "nothing")") }
            let length = s.unicodeScalars.count
            func norm(_ x: Int) -> Int { x < 0 ? max(x + length, 0) : min(x, length) }
            let start = norm(try int(positional.count > 1 ? positional[1] : nil, default: 0))
            let end = norm(try int(positional.count > 2 ? positional[2] : nil, default: length))
            if name == "count" {
                guard start <= end else { return .int(0) }
                if needle.isEmpty { return .int(end - start + 1) }
                let sub = String(scalars: s.scalars[start..<end])
                return .int(sub.pyOccurrences(needle).count)
            }
            var found: Int?
            if name.hasPrefix("r") {
                var k = end - needle.unicodeScalars.count
                while k >= start {
                    if s.pyFind(needle, from: k, to: end) == k {
                        found = k
                        break
                    }
                    k -= 1
                }
            } else {
                found = s.pyFind(needle, from: start, to: end)
            }
            if let found { return .int(found) }
            if name.hasSuffix("index") { throw EvalError(message: "substring not found") }
            return .int(-1)
        case "format":
            return .string(try PercentFormat.braceFormat(s, positional: positional, keyword: keyword))
        case "join":
            let items = try Operators.iterate(arg(0, "iterable") ?? .list([]))
            return .string(try Operators.join(try items.enumerated().map { k, item -> String in
                guard case .string(let x) = item else { throw EvalError(message: "sequence item \(k): expected str instance, \(item.typeName) found") }
                return x
            }, separator: s))
        case "isdigit", "isdecimal", "isnumeric":
            return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.numericType != nil })
        case "isalpha": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic })
        case "isalnum":
            return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil })
        case "isspace": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy(isPythonSpace))
        case "islower": return .bool(isCase(s, lower: true))
        case "isupper": return .bool(isCase(s, lower: false))
        case "istitle": return .bool(s.pyTitle.pyEquals(s) && s.unicodeScalars.contains { $0.properties.isCased })
        case "zfill", "ljust", "rjust", "center":
            let width = try int(arg(0, "width"), default: 0)
            try Operators.checkLength(width, "\(name) width")
            let fill = try string(arg(1, "fillchar"), name) ?? (name == "zfill" ? "0" : " ")
            let missing = max(width - s.unicodeScalars.count, 0)
            switch name {
            case "ljust": return .string(s + String(repeating: fill, count: missing))
            case "rjust": return .string(String(repeating: fill, count: missing) + s)
            case "center":
                let left = missing / 2 + (missing & width & 1)
                return .string(String(repeating: fill, count: left) + s + String(repeating: fill, count: missing - left))
            default:
                if let first = s.unicodeScalars.first, first == "-" || first == "+" {
                    return .string(String(first) + String(repeating: "0", count: missing) + String(scalars: s.unicodeScalars.dropFirst()))
                }
                return .string(String(repeating: "0", count: missing) + s)
            }
        case "partition", "rpartition":
            guard case .string(let sep)? = arg(0, "sep"), !sep.isEmpty else { throw EvalError(message: "empty separator") }
            let parts = name == "partition" ? s.pySplit(sep, maxSplit: 1) : s.pyRSplit(sep, maxSplit: 1)
            if parts.count == 2 { return .tuple([.string(parts[0]), .string(sep), .string(parts[1])]) }
            return name == "partition" ? .tuple([.string(s), .string(""), .string("")]) : .tuple([.string(""), .string(""), .string(s)])
        case "removeprefix":
            guard case .string(let p)? = arg(0, "prefix") else { throw EvalError(message: "removeprefix() argument must be str") }
            return .string(s.pyHasPrefix(p) ? String(scalars: s.scalars.dropFirst(p.unicodeScalars.count)) : s)
        case "removesuffix":
            guard case .string(let p)? = arg(0, "suffix") else { throw EvalError(message: "removesuffix() argument must be str") }
            return .string(s.pyHasSuffix(p) && !p.isEmpty ? String(scalars: s.scalars.dropLast(p.unicodeScalars.count)) : s)
        default:
            throw EvalError(message: "'str' object has no attribute '\(name)'")
        }
    }

    static func isCase(_ s: String, lower: Bool) -> Bool {
        var sawCased = false
        for c in s.unicodeScalars where c.properties.isCased {
            if lower ? c.properties.isUppercase : c.properties.isLowercase { return false }
            if lower ? c.properties.isLowercase : c.properties.isUppercase { sawCased = true }
        }
        return sawCased
    }
}
