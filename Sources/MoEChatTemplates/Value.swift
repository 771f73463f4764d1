/// A runtime value, modelled on the Python objects jinja2 handles in a chat template.
enum Value {
    /// jinja2's default `Undefined`; `hint` is the message of the error raised when it is misused.
    case undefined(hint: String)
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    /// A markupsafe `Markup` string (what `safe` and `escape` return): adding a plain string
    /// to it HTML-escapes that string, as jinja2 does even without autoescaping.
    case markup(String)
    case list([Value])
    case tuple([Value])
    case dict(Dict)
    /// A `namespace(...)` object: the only mutable container templates may assign into.
    case namespace(Namespace)
    /// The `loop` variable of a `for` loop.
    case loop(LoopState)
    /// A macro, global function or bound method.
    case callable(Callable)
    /// A one-shot Python iterator (the generator `select`/`map` return, `items`, `reverse`):
    /// always truthy, no `len()`, empty once consumed.
    case iterator(IteratorState)
    /// A re-iterable view with a length: `dict.items()/keys()/values()` or a `range(...)`.
    case view(View)

    static func undefinedName(_ name: String) -> Value { .undefined(hint: "'\(name)' is undefined") }

    /// Python's `type(x).__name__` as jinja2 quotes it in messages.
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .markup: return "Markup"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .namespace: return "Namespace"
        case .loop: return "LoopContext"
        case .callable(let c): return c.typeName
        case .iterator(let it): return it.typeName
        case .view(let v): return v.typeName
        }
    }

    /// The characters of a `str` or `Markup`, else nil.
    var text: String? {
        switch self {
        case .string(let s), .markup(let s): return s
        default: return nil
        }
    }

    var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }

    /// Python truthiness (`Undefined` is false).
    var truthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s), .markup(let s): return !s.isEmpty
        case .list(let a), .tuple(let a): return !a.isEmpty
        case .view(let v): return !v.items.isEmpty
        case .dict(let d): return d.count > 0
        case .namespace, .loop, .callable, .iterator: return true
        }
    }

    /// A numeric view for arithmetic: bools count as ints, as in Python.
    var number: Number? {
        switch self {
        case .bool(let b): return .int(b ? 1 : 0)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        default: return nil
        }
    }

    init(_ json: JSONValue) {
        switch json {
        case .null: self = .none
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .list(a.map(Value.init))
        case .object(let o):
            var d = Dict()
            for (k, v) in o.members { d[.string(k)] = Value(v) }
            self = .dict(d)
        }
    }
}

/// An int or a float, for arithmetic.
enum Number {
    case int(Int)
    case double(Double)

    var asDouble: Double {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        }
    }
}

/// A key usable for hashing a Python dict key: equal Python keys map to equal hash keys.
enum HashKey: Hashable {
    case none
    case int(Int)
    case double(UInt64)
    case string(String)
    case tuple([HashKey])

    init?(_ value: Value) {
        switch value {
        case .none: self = .none
        case .bool(let b): self = .int(b ? 1 : 0)
        case .int(let i): self = .int(i)
        case .double(let d):
            if d.rounded() == d, let i = Int(exactly: d) { self = .int(i) } else { self = .double(d.bitPattern) }
        case .string(let s), .markup(let s): self = .string(s)
        case .tuple(let items):
            var keys: [HashKey] = []
            for item in items {
                guard let k = HashKey(item) else { return nil }
                keys.append(k)
            }
            self = .tuple(keys)
        default: return nil
        }
    }
}

/// An insertion-ordered dictionary with Python key semantics.
struct Dict {
    private(set) var keys: [Value] = []
    private(set) var values: [Value] = []
    private var positions: [HashKey: Int] = [:]

    var count: Int { keys.count }

    var entries: [(key: Value, value: Value)] { Array(zip(keys, values)).map { (key: $0.0, value: $0.1) } }

    subscript(key: Value) -> Value? {
        get {
            guard let h = HashKey(key), let i = positions[h] else { return nil }
            return values[i]
        }
        set {
            guard let h = HashKey(key) else { return }
            if let i = positions[h] {
                if let newValue { values[i] = newValue }
            } else if let newValue {
                positions[h] = keys.count
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    subscript(string key: String) -> Value? { self[.string(key)] }

    func contains(_ key: Value) -> Bool {
        guard let h = HashKey(key) else { return false }
        return positions[h] != nil
    }
}

/// A dict view or range: Python type name, its items, and how Python prints it.
struct View {
    let typeName: String
    let items: [Value]
    let repr: String

    /// `dict.items()`, `dict.keys()` or `dict.values()`.
    static func dict(_ typeName: String, _ items: [Value]) -> View {
        View(typeName: typeName, items: items, repr: typeName + "(" + PythonText.repr(.list(items)) + ")")
    }

    /// `range(start, stop, step)`.
    static func range(_ start: Int, _ stop: Int, _ step: Int) -> View {
        let text = "range(\(start), \(stop)" + (step == 1 ? ")" : ", \(step))")
        return View(typeName: "range", items: stride(from: start, to: stop, by: step).map { .int($0) }, repr: text)
    }
}

/// A Python iterator over precomputed items, consumed from a cursor.
final class IteratorState {
    let items: [Value]
    let typeName: String
    private var cursor = 0

    init(_ items: [Value], typeName: String) {
        self.items = items
        self.typeName = typeName
    }

    /// The items not yet consumed; consumes them all.
    func drain() -> [Value] {
        defer { cursor = items.count }
        return Array(items[cursor...])
    }

    /// The next item, consuming it.
    func next() -> Value? {
        guard cursor < items.count else { return nil }
        defer { cursor += 1 }
        return items[cursor]
    }
}

/// Mutable attributes of a `namespace(...)` object.
final class Namespace {
    var attributes = Dict()
}

/// State of one `for` loop, exposed to the template as `loop`.
final class LoopState {
    let items: [Value]
    var index0 = 0
    let depth: Int
    var lastChangedValue: [Value]?

    init(items: [Value], depth: Int) {
        self.items = items
        self.depth = depth
    }

    /// `loop.<name>`, or nil if the loop has no such attribute.
    func attribute(_ name: String) -> Value? {
        let length = items.count
        switch name {
        case "index": return .int(index0 + 1)
        case "index0": return .int(index0)
        case "revindex": return .int(length - index0)
        case "revindex0": return .int(length - index0 - 1)
        case "first": return .bool(index0 == 0)
        case "last": return .bool(index0 == length - 1)
        case "length": return .int(length)
        case "depth": return .int(depth)
        case "depth0": return .int(depth - 1)
        case "previtem":
            return index0 > 0 ? items[index0 - 1] : .undefined(hint: "there is no previous item")
        case "nextitem":
            return index0 + 1 < length ? items[index0 + 1] : .undefined(hint: "there is no next item")
        case "cycle": return .callable(.builtin("cycle", .loopCycle(self)))
        case "changed": return .callable(.builtin("changed", .loopChanged(self)))
        default: return nil
        }
    }
}

/// Something a template can call.
indirect enum Callable {
    case macro(Macro)
    case builtin(String, Builtin)
    /// A method bound to its receiver, e.g. `'a,b'.split`.
    case method(Value, String)

    var typeName: String {
        switch self {
        case .macro: return "Macro"
        case .builtin: return "function"
        case .method: return "builtin_function_or_method"
        }
    }
}

/// The global functions and loop helpers.
enum Builtin {
    case raiseException
    case strftimeNow
    case namespace
    case dict
    case range
    case joiner(Joiner)
    case makeJoiner
    case loopCycle(LoopState)
    case loopChanged(LoopState)
}

/// State of a `joiner()` object.
final class Joiner {
    let separator: String
    var used = false
    init(separator: String) { self.separator = separator }
}

/// A `{% macro %}` with the scope it was defined in.
final class Macro {
    let name: String
    let parameters: [MacroParameter]
    let body: [Node]
    let scope: Scope
    let caller: Macro?

    init(name: String, parameters: [MacroParameter], body: [Node], scope: Scope, caller: Macro? = nil) {
        self.name = name
        self.parameters = parameters
        self.body = body
        self.scope = scope
        self.caller = caller
    }
}

/// A variable scope; lookups fall back to the parent.
final class Scope {
    private var variables: [String: Value] = [:]
    let parent: Scope?

    init(parent: Scope?) { self.parent = parent }

    func lookup(_ name: String) -> Value? {
        var scope: Scope? = self
        while let s = scope {
            if let v = s.variables[name] { return v }
            scope = s.parent
        }
        return nil
    }

    func set(_ name: String, _ value: Value) { variables[name] = value }
}
