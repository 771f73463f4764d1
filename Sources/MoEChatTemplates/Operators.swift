import Foundation

/// Python semantics of jinja2's operators, comparisons, iteration and `len()`.
enum Operators {
    static func undefinedError(_ v: Value) -> EvalError? {
        if case .undefined(let hint) = v { return EvalError(message: hint) }
        return nil
    }

    static func unsupported(_ op: String, _ a: Value, _ b: Value) -> EvalError {
        EvalError(message: "unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'")
    }

    static func overflow() -> EvalError { EvalError(message: "integer overflow") }

    static func binary(_ op: String, _ a: Value, _ b: Value) throws -> Value {
        if op == "~" { return .string(PythonText.str(a) + PythonText.str(b)) }
        if let e = undefinedError(a) ?? undefinedError(b) { throw e }
        switch op {
        case "+": return try add(a, b)
        case "-": return try arithmetic(op, a, b, { $0.subtractingReportingOverflow($1) }, { $0 - $1 })
        case "*": return try multiply(a, b)
        case "/":
            guard let x = a.number, let y = b.number else { throw unsupported(op, a, b) }
            guard y.asDouble != 0 else { throw EvalError(message: "division by zero") }
            return .double(x.asDouble / y.asDouble)
        case "//": return try floorDivide(a, b)
        case "%": return try modulo(a, b)
        case "**": return try power(a, b)
        default: throw EvalError(message: "unknown operator \(op)")
        }
    }

    static func arithmetic(
        _ op: String, _ a: Value, _ b: Value, _ ints: (Int, Int) -> (partialValue: Int, overflow: Bool),
        _ doubles: (Double, Double) -> Double
    ) throws -> Value {
        switch (a.number, b.number) {
        case (.int(let x)?, .int(let y)?):
            let r = ints(x, y)
            if r.overflow { throw overflow() }
            return .int(r.partialValue)
        case (let x?, let y?): return .double(doubles(x.asDouble, y.asDouble))
        default: throw unsupported(op, a, b)
        }
    }

    static func add(_ a: Value, _ b: Value) throws -> Value {
        switch (a, b) {
        case (.string(let x), .string(let y)): return .string(x + y)
        case (.markup(let x), .string(let y)): return .markup(x + Filters.escapeHTML(y))
        case (.markup(let x), .markup(let y)): return .markup(x + y)
        case (.string(let x), .markup(let y)): return .markup(Filters.escapeHTML(x) + y)
        case (.list(let x), .list(let y)): return .list(x + y)
        case (.tuple(let x), .tuple(let y)): return .tuple(x + y)
        case (.string, _): throw EvalError(message: "can only concatenate str (not \"\(b.typeName)\") to str")
        case (.list, _): throw EvalError(message: "can only concatenate list (not \"\(b.typeName)\") to list")
        case (.tuple, _): throw EvalError(message: "can only concatenate tuple (not \"\(b.typeName)\") to tuple")
        default: return try arithmetic("+", a, b, { $0.addingReportingOverflow($1) }, { $0 + $1 })
        }
    }

    /// The int a sequence may be repeated by (`bool` counts as int), or nil.
    static func repeatCount(_ v: Value) -> Int? {
        switch v {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return i
        default: return nil
        }
    }

    /// Longest string (in UTF-8 bytes) or sequence (in items) one operation may build: `*`,
    /// `replace`, `join`, padding widths, `tojson`.
    static let maxRepeatedLength = 10_000_000

    /// Throws unless `length` (bytes or items of `what`) is at most `maxRepeatedLength`.
    static func checkLength(_ length: Int, _ what: String) throws {
        guard length <= maxRepeatedLength else {
            throw EvalError(message: "\(what) longer than \(maxRepeatedLength) (the template's limit per value)")
        }
    }

    /// `separator.join(items)`, within `maxRepeatedLength`.
    static func join(_ items: [String], separator: String) throws -> String {
        let length = items.reduce(separator.utf8.count * max(items.count - 1, 0)) { $0 + $1.utf8.count }
        try checkLength(length, "joined string")
        return items.joined(separator: separator)
    }

    static func multiply(_ a: Value, _ b: Value) throws -> Value {
        func repeated(_ seq: Value, _ n: Int) throws -> Value? {
            let count = max(n, 0)
            switch seq {
            case .string(let s), .markup(let s):
                let length = s.utf8.count.multipliedReportingOverflow(by: count)
                try checkLength(length.overflow ? Int.max : length.partialValue, "repeated string")
                if case .markup = seq { return .markup(String(repeating: s, count: count)) }
                return .string(String(repeating: s, count: count))
            case .list(let l), .tuple(let l):
                let length = l.count.multipliedReportingOverflow(by: count)
                try checkLength(length.overflow ? Int.max : length.partialValue, "repeated sequence")
                let items = Array([[Value]](repeating: l, count: count).joined())
                if case .tuple = seq { return .tuple(items) }
                return .list(items)
            default: return nil
            }
        }
        if let n = repeatCount(b), let r = try repeated(a, n) { return r }
        if let n = repeatCount(a), let r = try repeated(b, n) { return r }
        switch (a, b) {
        case (.string, _), (.markup, _), (.list, _), (.tuple, _):
            throw EvalError(message: "can't multiply sequence by non-int of type '\(b.typeName)'")
        case (_, .string), (_, .markup), (_, .list), (_, .tuple):
            throw EvalError(message: "can't multiply sequence by non-int of type '\(a.typeName)'")
        default: return try arithmetic("*", a, b, { $0.multipliedReportingOverflow(by: $1) }, { $0 * $1 })
        }
    }

    static func floorDivide(_ a: Value, _ b: Value) throws -> Value {
        switch (a.number, b.number) {
        case (.int(let x)?, .int(let y)?):
            guard y != 0 else { throw EvalError(message: "integer division or modulo by zero") }
            if x == Int.min, y == -1 { throw overflow() }
            let q = x / y
            return .int((x % y != 0 && (x < 0) != (y < 0)) ? q - 1 : q)
        case (let x?, let y?):
            guard y.asDouble != 0 else { throw EvalError(message: "float floor division by zero") }
            return .double((x.asDouble / y.asDouble).rounded(.down))
        default: throw unsupported("//", a, b)
        }
    }

    static func modulo(_ a: Value, _ b: Value) throws -> Value {
        if case .string(let format) = a { return .string(try PercentFormat.format(format, b)) }
        if case .markup(let format) = a {
            func escaped(_ v: Value) -> Value { if case .string(let s) = v { return .markup(Filters.escapeHTML(s)) } else { return v } }
            let args: Value
            if case .tuple(let items) = b { args = .tuple(items.map(escaped)) } else { args = escaped(b) }
            return .markup(try PercentFormat.format(format, args))
        }
        switch (a.number, b.number) {
        case (.int(let x)?, .int(let y)?):
            guard y != 0 else { throw EvalError(message: "integer division or modulo by zero") }
            if y == -1 { return .int(0) }
            let r = x % y
            return .int((r != 0 && (r < 0) != (y < 0)) ? r + y : r)
        case (let x?, let y?):
            guard y.asDouble != 0 else { throw EvalError(message: "float modulo") }
            var r = fmod(x.asDouble, y.asDouble)
            if r != 0, (r < 0) != (y.asDouble < 0) { r += y.asDouble }
            return .double(r)
        default: throw unsupported("%", a, b)
        }
    }

    static func power(_ a: Value, _ b: Value) throws -> Value {
        switch (a.number, b.number) {
        case (.int(let x)?, .int(let y)?) where y >= 0:
            var result = 1, base = x, e = y
            while e > 0 {
                if e & 1 == 1 {
                    let r = result.multipliedReportingOverflow(by: base)
                    if r.overflow { throw overflow() }
                    result = r.partialValue
                }
                e >>= 1
                if e > 0 {
                    let r = base.multipliedReportingOverflow(by: base)
                    if r.overflow { throw overflow() }
                    base = r.partialValue
                }
            }
            return .int(result)
        case (let x?, let y?):
            if x.asDouble == 0, y.asDouble < 0 { throw EvalError(message: "0.0 cannot be raised to a negative power") }
            return .double(pow(x.asDouble, y.asDouble))
        default: throw unsupported("** or pow()", a, b)
        }
    }

    /// Python `==`.
    static func equals(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let x), .string(let y)), (.markup(let x), .markup(let y)), (.string(let x), .markup(let y)),
            (.markup(let x), .string(let y)):
            return x.pyEquals(y)
        case (.list(let x), .list(let y)), (.tuple(let x), .tuple(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { equals($0, $1) }
        case (.dict(let x), .dict(let y)):
            guard x.count == y.count else { return false }
            return x.entries.allSatisfy { entry in y[entry.key].map { equals($0, entry.value) } ?? false }
        case (.namespace(let x), .namespace(let y)): return x === y
        case (.loop(let x), .loop(let y)): return x === y
        case (.iterator(let x), .iterator(let y)): return x === y
        case (.view(let x), .view(let y)):
            return x.typeName == y.typeName && x.items.count == y.items.count && zip(x.items, y.items).allSatisfy { equals($0, $1) }
        default:
            switch (a.number, b.number) {
            case (.int(let x)?, .int(let y)?): return x == y
            case (let x?, let y?): return x.asDouble == y.asDouble
            default: return false
            }
        }
    }

    /// Python `<`; throws for unorderable types.
    static func less(_ a: Value, _ b: Value) throws -> Bool {
        try compare("<", a, b) < 0
    }

    /// -1, 0 or 1; throws `TypeError`-like errors for unorderable pairs.
    static func compare(_ op: String, _ a: Value, _ b: Value) throws -> Int {
        if let e = undefinedError(a) ?? undefinedError(b) { throw e }
        switch (a, b) {
        case (.string(let x), .string(let y)), (.markup(let x), .markup(let y)), (.string(let x), .markup(let y)),
            (.markup(let x), .string(let y)):
            return x.pyEquals(y) ? 0 : x.pyLess(y) ? -1 : 1
        case (.list(let x), .list(let y)), (.tuple(let x), .tuple(let y)):
            for (p, q) in zip(x, y) where !equals(p, q) { return try compare(op, p, q) }
            return x.count == y.count ? 0 : x.count < y.count ? -1 : 1
        default:
            switch (a.number, b.number) {
            case (.int(let x)?, .int(let y)?): return x == y ? 0 : x < y ? -1 : 1
            case (let x?, let y?):
                let p = x.asDouble, q = y.asDouble
                if p.isNaN || q.isNaN { return op == "!=" ? 1 : 2 }
                return p == q ? 0 : p < q ? -1 : 1
            default:
                throw EvalError(message: "'\(op)' not supported between instances of '\(a.typeName)' and '\(b.typeName)'")
            }
        }
    }

    /// Evaluates one comparison operator.
    static func comparison(_ op: String, _ a: Value, _ b: Value) throws -> Bool {
        switch op {
        case "==": return equals(a, b)
        case "!=": return !equals(a, b)
        case "in": return try contains(b, a)
        case "notin": return try !contains(b, a)
        default:
            let c = try compare(op, a, b)
            if c == 2 { return false }
            switch op {
            case "<": return c < 0
            case "<=": return c <= 0
            case ">": return c > 0
            default: return c >= 0
            }
        }
    }

    /// Python `item in container`.
    static func contains(_ container: Value, _ item: Value) throws -> Bool {
        switch container {
        case .string(let s), .markup(let s):
            guard let needle = item.text else {
                if case .undefined(let hint) = item { throw EvalError(message: hint) }
                throw EvalError(message: "'in <string>' requires string as left operand, not \(item.typeName)")
            }
            return s.pyContains(needle)
        case .list(let items), .tuple(let items): return items.contains { equals($0, item) }
        case .dict(let d):
            guard HashKey(item) != nil else {
                if case .undefined(let hint) = item { throw EvalError(message: hint) }
                throw EvalError(message: "unhashable type: '\(item.typeName)'")
            }
            return d.contains(item)
        case .undefined: return false
        case .view(let v): return v.items.contains { equals($0, item) }
        case .iterator(let it):
            while let x = it.next() {
                if equals(x, item) { return true }
            }
            return false
        default: throw EvalError(message: "argument of type '\(container.typeName)' is not iterable")
        }
    }

    /// Python `iter(value)` materialised: lists and tuples, dict keys, string characters.
    static func iterate(_ value: Value) throws -> [Value] {
        switch value {
        case .list(let items), .tuple(let items): return items
        case .dict(let d): return d.keys
        case .string(let s), .markup(let s): return s.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        case .iterator(let it): return it.drain()
        case .view(let v): return v.items
        default: throw EvalError(message: "'\(value.typeName)' object is not iterable")
        }
    }

    /// Python `len(value)`.
    static func length(_ value: Value) throws -> Int {
        switch value {
        case .list(let items), .tuple(let items): return items.count
        case .dict(let d): return d.count
        case .string(let s), .markup(let s): return s.unicodeScalars.count
        case .view(let v): return v.items.count
        case .undefined: return 0
        case .namespace(let ns): return ns.attributes.count
        case .loop(let l): return l.items.count
        default: throw EvalError(message: "object of type '\(value.typeName)' has no len()")
        }
    }
}
