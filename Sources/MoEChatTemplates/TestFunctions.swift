/// jinja2's tests (`x is defined`, `x is divisibleby 3`, ...).
enum TestFunctions {
    static func apply(_ name: String, _ v: Value, _ positional: [Value], _ keyword: [(String, Value)]) throws -> Bool {
        func arg() throws -> Value {
            guard let a = positional.first ?? keyword.first?.1 else {
                throw EvalError(message: "test '\(name)' needs an argument")
            }
            return a
        }
        switch name {
        case "defined": return !v.isUndefined
        case "undefined": return v.isUndefined
        case "none": if case .none = v { return true } else { return false }
        case "boolean": if case .bool = v { return true } else { return false }
        case "true": if case .bool(true) = v { return true } else { return false }
        case "false": if case .bool(false) = v { return true } else { return false }
        case "string": return v.text != nil
        case "mapping": if case .dict = v { return true } else { return false }
        case "number": return v.number != nil
        case "integer": if case .int = v { return true } else { return false }
        case "float": if case .double = v { return true } else { return false }
        case "iterable":
            switch v {
            case .list, .tuple, .dict, .string, .markup, .undefined, .iterator, .view: return true
            default: return false
            }
        case "sequence":
            switch v {
            case .list, .tuple, .dict, .string, .markup, .undefined: return true
            case .view(let view): return view.typeName == "range"
            default: return false
            }
        case "callable":
            switch v {
            case .callable: return true
            default: return false
            }
        case "escaped": if case .markup = v { return true } else { return false }
        case "odd", "even":
            guard case .int(let i)? = v.number else {
                if let e = Operators.undefinedError(v) { throw e }
                throw EvalError(message: "unsupported operand type(s) for %: '\(v.typeName)' and 'int'")
            }
            return (abs(i % 2) == 1) == (name == "odd")
        case "divisibleby":
            guard case .int(let r) = try Operators.modulo(v, try arg()) else { return false }
            return r == 0
        case "lower", "upper":
            return Methods.isCase(PythonText.str(v), lower: name == "lower")
        case "eq", "equalto", "==": return Operators.equals(v, try arg())
        case "ne", "!=": return !Operators.equals(v, try arg())
        case "lt", "lessthan", "<": return try Operators.comparison("<", v, try arg())
        case "le", "<=": return try Operators.comparison("<=", v, try arg())
        case "gt", "greaterthan", ">": return try Operators.comparison(">", v, try arg())
        case "ge", ">=": return try Operators.comparison(">=", v, try arg())
        case "in": return try Operators.contains(try arg(), v)
        case "sameas": return sameAs(v, try arg())
        case "filter": return v.text.map(Filters.names.contains) ?? false
        case "test": return v.text.map(names.contains) ?? false
        default: throw EvalError(message: "No test named '\(name)' found.")
        }
    }

    static let names: Set<String> = [
        "defined", "undefined", "none", "boolean", "true", "false", "string", "mapping", "number", "integer", "float",
        "iterable", "sequence", "callable", "escaped", "odd", "even", "divisibleby", "lower", "upper", "eq", "equalto",
        "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=", "in", "sameas",
        "filter", "test",
    ]

    /// Python `is`: identity for singletons, and for the values CPython caches (small ints).
    static func sameAs(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.none, .none): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y && (-5...256).contains(x)
        case (.namespace(let x), .namespace(let y)): return x === y
        default: return false
        }
    }
}
