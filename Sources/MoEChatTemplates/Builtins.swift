/// The global functions transformers gives templates: `raise_exception`, `strftime_now`,
/// `namespace`, `dict`, plus jinja2's `range` and `joiner`, and the `loop.cycle`/`loop.changed` helpers.
enum Builtins {
    static let maxRangeLength = 1_000_000

    static func call(_ builtin: Builtin, _ positional: [Value], _ keyword: [(String, Value)], _ options: RenderOptions) throws -> Value {
        switch builtin {
        case .raiseException:
            throw ChatTemplateError.raised(message: positional.first.map(PythonText.str) ?? "")
        case .strftimeNow:
            guard case .string(let format)? = positional.first ?? keyword.first(where: { $0.0 == "format" })?.1 else {
                throw EvalError(message: "strftime() argument 1 must be str")
            }
            return .string(Strftime.format(format, options.now ?? TemplateDate.now()))
        case .namespace, .dict:
            var d = Dict()
            if let first = positional.first {
                guard case .dict(let initial) = first else {
                    throw EvalError(message: "cannot convert '\(first.typeName)' object to a dictionary")
                }
                d = initial
            }
            for (k, v) in keyword { d[.string(k)] = v }
            if case .dict = builtin { return .dict(d) }
            for key in d.keys {
                if case .string(let name) = key, name.hasPrefix("_") {
                    throw EvalError(message: "Chat templates cannot store underscore-prefixed attributes on a namespace, but got '\(name)'. Please rename the attribute.")
                }
            }
            let ns = Namespace()
            ns.attributes = d
            return .namespace(ns)
        case .range:
            let ints = try positional.map { v -> Int in
                guard case .int(let i)? = v.number else { throw EvalError(message: "'\(v.typeName)' object cannot be interpreted as an integer") }
                return i
            }
            let (start, stop, step): (Int, Int, Int)
            switch ints.count {
            case 1: (start, stop, step) = (0, ints[0], 1)
            case 2: (start, stop, step) = (ints[0], ints[1], 1)
            case 3: (start, stop, step) = (ints[0], ints[1], ints[2])
            default: throw EvalError(message: "range expected 1 to 3 arguments, got \(ints.count)")
            }
            guard step != 0 else { throw EvalError(message: "range() arg 3 must not be zero") }
            let count = step > 0 ? (stop > start ? (stop - start - 1) / step + 1 : 0) : (start > stop ? (start - stop - 1) / -step + 1 : 0)
            guard count <= maxRangeLength else { throw EvalError(message: "Range too big. The sandbox blocks ranges larger than MAX_RANGE (\(maxRangeLength)).") }
            return .view(.range(start, stop, step))
        case .makeJoiner:
            let separator = (positional.first ?? keyword.first(where: { $0.0 == "sep" })?.1).map(PythonText.str) ?? ", "
            return .callable(.builtin("joiner", .joiner(Joiner(separator: separator))))
        case .joiner(let j):
            if j.used { return .string(j.separator) }
            j.used = true
            return .string("")
        case .loopCycle(let loop):
            guard !positional.isEmpty else { throw EvalError(message: "no items for cycling given") }
            return positional[loop.index0 % positional.count]
        case .loopChanged(let loop):
            if let last = loop.lastChangedValue, last.count == positional.count, zip(last, positional).allSatisfy({ Operators.equals($0, $1) }) {
                return .bool(false)
            }
            loop.lastChangedValue = positional
            return .bool(true)
        }
    }
}
