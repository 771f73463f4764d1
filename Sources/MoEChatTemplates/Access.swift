/// Attribute, item and slice access with jinja2's sandboxed lookup rules: `a.b` tries the
/// attribute then the item, `a['b']` the item then the attribute, and a miss gives Undefined.
enum Access {
    /// Methods a template may call, per receiver type.
    static let safeMethods: [String: Set<String>] = [
        "str": [
            "startswith", "endswith", "split", "rsplit", "splitlines", "strip", "lstrip", "rstrip", "upper", "lower",
            "title", "capitalize", "swapcase", "casefold", "replace", "find", "rfind", "index", "rindex", "count",
            "format", "join", "isdigit", "isalpha", "isalnum", "isspace", "islower", "isupper", "isnumeric",
            "isdecimal", "istitle", "zfill", "ljust", "rjust", "center", "partition", "rpartition", "removeprefix",
            "removesuffix",
        ],
        "dict": ["items", "keys", "values", "get", "copy"],
        "list": ["index", "count", "copy"],
        "tuple": ["index", "count"],
    ]

    /// Methods that exist but that jinja2's immutable sandbox refuses.
    static let unsafeMethods: [String: Set<String>] = [
        "dict": ["clear", "pop", "popitem", "setdefault", "update"],
        "list": ["append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"],
    ]

    /// jinja2's `object_type_repr`.
    static func objectDescription(_ v: Value) -> String {
        if case .none = v { return "None" }
        return "\(v.typeName) object"
    }

    static func method(_ v: Value, _ name: String) -> Value? {
        let type = v.typeName == "Markup" ? "str" : v.typeName
        if safeMethods[type]?.contains(name) == true { return .callable(.method(v, name)) }
        if unsafeMethods[v.typeName]?.contains(name) == true {
            return .undefined(hint: "access to attribute '\(name)' of '\(v.typeName)' object is unsafe.")
        }
        return nil
    }

    /// Python's `getattr(value, name)` alone, without the item fallback (the `attr` filter).
    static func pythonAttribute(_ v: Value, _ name: String) throws -> Value {
        if case .undefined(let hint) = v { throw EvalError(message: hint) }
        if let m = method(v, name) { return m }
        switch v {
        case .namespace(let ns):
            if let x = ns.attributes[string: name] { return x }
        case .loop(let l):
            if let x = l.attribute(name) { return x }
        default: break
        }
        return .undefined(hint: "'\(objectDescription(v))' has no attribute '\(name)'")
    }

    /// `value.name`: the Python attribute, else the dict item, else Undefined.
    static func attribute(_ v: Value, _ name: String) throws -> Value {
        if case .dict(let d) = v, method(v, name) == nil, let x = d[string: name] { return x }
        return try pythonAttribute(v, name)
    }

    /// `value[key]`.
    static func item(_ v: Value, _ key: Value) throws -> Value {
        if case .undefined(let hint) = v { throw EvalError(message: hint) }
        switch (v, key.number) {
        case (.view(let view), .int(let i)?) where view.typeName == "range":
            if case .double = key { break }
            let k = i < 0 ? i + view.items.count : i
            if k >= 0, k < view.items.count { return view.items[k] }
        case (.list(let items), .int(let i)?), (.tuple(let items), .int(let i)?):
            if case .double = key { break }
            let k = i < 0 ? i + items.count : i
            if k >= 0, k < items.count { return items[k] }
        case (.string(let s), .int(let i)?), (.markup(let s), .int(let i)?):
            if case .double = key { break }
            let scalars = s.scalars
            let k = i < 0 ? i + scalars.count : i
            if k >= 0, k < scalars.count {
                if case .markup = v { return .markup(String(scalars[k])) }
                return .string(String(scalars[k]))
            }
        case (.dict(let d), _):
            if let x = d[key] { return x }
        default: break
        }
        if case .string(let name) = key {
            if let m = method(v, name) { return m }
            switch v {
            case .namespace(let ns):
                if let x = ns.attributes[string: name] { return x }
            case .loop(let l):
                if let x = l.attribute(name) { return x }
            default: break
            }
            return .undefined(hint: "'\(objectDescription(v))' has no attribute '\(name)'")
        }
        return .undefined(hint: "\(objectDescription(v)) has no element \(PythonText.repr(key))")
    }

    /// `value[start:stop:step]` with Python's clamping rules.
    static func slice(_ v: Value, _ start: Value, _ stop: Value, _ step: Value) throws -> Value {
        if case .undefined(let hint) = v { throw EvalError(message: hint) }
        func bound(_ b: Value) throws -> Int? {
            switch b {
            case .none: return nil
            case .bool(let x): return x ? 1 : 0
            case .int(let i): return i
            default: throw EvalError(message: "slice indices must be integers or None or have an __index__ method")
            }
        }
        let stepValue = try bound(step) ?? 1
        guard stepValue != 0 else { throw EvalError(message: "slice step cannot be zero") }
        func indices(_ count: Int) throws -> [Int] {
            func clamp(_ x: Int?, _ defaultValue: Int) -> Int {
                guard var x else { return defaultValue }
                if x < 0 { x += count }
                if stepValue > 0 { return min(max(x, 0), count) }
                return min(max(x, -1), count - 1)
            }
            let lo = clamp(try bound(start), stepValue > 0 ? 0 : count - 1)
            let hi = clamp(try bound(stop), stepValue > 0 ? count : -1)
            return Array(stride(from: lo, to: hi, by: stepValue))
        }
        switch v {
        case .list(let items): return .list(try indices(items.count).map { items[$0] })
        case .tuple(let items): return .tuple(try indices(items.count).map { items[$0] })
        case .string(let s):
            let scalars = s.scalars
            return .string(String(scalars: try indices(scalars.count).map { scalars[$0] }))
        case .markup(let s):
            let scalars = s.scalars
            return .markup(String(scalars: try indices(scalars.count).map { scalars[$0] }))
        default:
            return .undefined(hint: "\(objectDescription(v)) has no element slice")
        }
    }
}
