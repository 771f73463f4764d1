/// Executes statements and evaluates expressions for one render call.
final class Renderer {
    enum Flow {
        case normal, breakLoop, continueLoop
    }

    let options: RenderOptions
    private var iterations = 0
    private var callDepth = 0
    private var evalDepth = 0
    static let maxEvalDepth = 400

    init(options: RenderOptions) { self.options = options }

    // MARK: statements

    func execute(_ nodes: [Node], _ scope: Scope, _ out: inout String) throws -> Flow {
        for node in nodes {
            let flow = try execute(node, scope, &out)
            if case .normal = flow { continue }
            return flow
        }
        return .normal
    }

    private func append(_ text: String, to out: inout String) throws {
        out += text
        if out.utf8.count > options.limits.maxOutputBytes {
            throw ChatTemplateError.limitExceeded(message: "output longer than \(options.limits.maxOutputBytes) bytes")
        }
    }

    private func capture(_ nodes: [Node], _ scope: Scope) throws -> String {
        var buffer = ""
        _ = try execute(nodes, scope, &buffer)
        return buffer
    }

    private func execute(_ node: Node, _ scope: Scope, _ out: inout String) throws -> Flow {
        switch node {
        case .output(let text):
            try append(text, to: &out)
        case .expression(let e):
            try append(PythonText.str(try eval(e, scope)), to: &out)
        case .ifChain(let branches, let otherwise):
            for (condition, body) in branches where try eval(condition, scope).truthy {
                return try execute(body, scope, &out)
            }
            return try execute(otherwise, scope, &out)
        case .forLoop(let target, let iterable, let condition, let body, let otherwise, let pos):
            return try executeFor(target, iterable, condition, body, otherwise, pos, scope, &out)
        case .set(let target, let e, let pos):
            try assign(target, try eval(e, scope), scope, pos)
        case .setBlock(let target, let body, let filters, let pos):
            var value = Value.string(try capture(body, scope))
            value = try applyFilters(filters, value, scope)
            try assign(target, value, scope, pos)
        case .macro(let name, let parameters, let body):
            scope.set(name, .callable(.macro(Macro(name: name, parameters: parameters, body: body, scope: scope))))
        case .callBlock(let call, let parameters, let body):
            guard case .call(let callee, let args) = call.kind else { return .normal }
            let caller = Macro(name: "caller", parameters: parameters, body: body, scope: scope)
            let value = try at(call.pos) {
                try self.call(try self.eval(callee, scope), args, scope, caller: caller)
            }
            try append(PythonText.str(value), to: &out)
        case .filterBlock(let filters, let body):
            let value = try applyFilters(filters, .string(try capture(body, scope)), scope)
            try append(PythonText.str(value), to: &out)
        case .with(let assignments, let body, let pos):
            let inner = Scope(parent: scope)
            for (target, e) in assignments { try assign(target, try eval(e, scope), inner, pos) }
            return try execute(body, inner, &out)
        case .breakLoop: return .breakLoop
        case .continueLoop: return .continueLoop
        }
        return .normal
    }

    private func applyFilters(_ filters: [(String, Arguments, SourcePos)], _ start: Value, _ scope: Scope) throws -> Value {
        var value = start
        for (name, args, pos) in filters {
            let (positional, keyword) = try evaluateArguments(args, scope)
            value = try at(pos) { try Filters.apply(name, value, positional, keyword, self) }
        }
        return value
    }

    private func countIteration() throws {
        iterations += 1
        if iterations > options.limits.maxLoopIterations {
            throw ChatTemplateError.limitExceeded(message: "more than \(options.limits.maxLoopIterations) loop iterations")
        }
    }

    private func executeFor(
        _ target: Target, _ iterable: Expr, _ condition: Expr?, _ body: [Node], _ otherwise: [Node], _ pos: SourcePos,
        _ scope: Scope, _ out: inout String
    ) throws -> Flow {
        var items = try at(iterable.pos) { try Operators.iterate(try self.eval(iterable, scope)) }
        if let condition {
            var kept: [Value] = []
            for item in items {
                try countIteration()
                let probe = Scope(parent: scope)
                try assign(target, item, probe, pos)
                if try eval(condition, probe).truthy { kept.append(item) }
            }
            items = kept
        }
        if items.isEmpty { return try execute(otherwise, Scope(parent: scope), &out) }
        let loop = LoopState(items: items, depth: 1)
        for (k, item) in items.enumerated() {
            try countIteration()
            loop.index0 = k
            let inner = Scope(parent: scope)
            inner.set("loop", .loop(loop))
            try assign(target, item, inner, pos)
            if case .breakLoop = try execute(body, inner, &out) { break }
        }
        return .normal
    }

    private func assign(_ target: Target, _ value: Value, _ scope: Scope, _ pos: SourcePos) throws {
        switch target {
        case .name(let name):
            scope.set(name, value)
        case .attribute(let e, let attribute):
            guard case .namespace(let ns) = try eval(e, scope) else {
                throw ChatTemplateError.runtime(message: "cannot assign attribute on non-namespace object", line: pos.line, column: pos.column)
            }
            if attribute.hasPrefix("_") {
                throw ChatTemplateError.runtime(
                    message: "Chat templates cannot store underscore-prefixed attributes on a namespace, but got '\(attribute)'. Please rename the attribute.",
                    line: pos.line, column: pos.column)
            }
            ns.attributes[.string(attribute)] = value
        case .tuple(let targets):
            let items = try at(pos) { try Operators.iterate(value) }
            guard items.count == targets.count else {
                let message = items.count > targets.count
                    ? "too many values to unpack (expected \(targets.count))"
                    : "not enough values to unpack (expected \(targets.count), got \(items.count))"
                throw ChatTemplateError.runtime(message: message, line: pos.line, column: pos.column)
            }
            for (t, v) in zip(targets, items) { try assign(t, v, scope, pos) }
        }
    }

    // MARK: expressions

    /// Runs `body`, turning an `EvalError` into a positioned runtime error.
    private func at<T>(_ pos: SourcePos, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as EvalError {
            throw ChatTemplateError.runtime(message: e.message, line: pos.line, column: pos.column)
        }
    }

    func eval(_ e: Expr, _ scope: Scope) throws -> Value {
        evalDepth += 1
        defer { evalDepth -= 1 }
        if evalDepth > Self.maxEvalDepth { throw ChatTemplateError.limitExceeded(message: "expression nesting deeper than \(Self.maxEvalDepth)") }
        let value = try at(e.pos) { try self.evaluate(e, scope) }
        try checkSize(value, e.pos)
        return value
    }

    /// Rejects a value that no output could hold: a string longer than the output limit, or a
    /// list longer than `Operators.maxRepeatedLength` items (repeated concatenation grows both).
    private func checkSize(_ value: Value, _ pos: SourcePos) throws {
        let at = "at line \(pos.line), column \(pos.column)"
        switch value {
        case .string(let s), .markup(let s):
            guard s.utf8.count <= options.limits.maxOutputBytes else {
                throw ChatTemplateError.limitExceeded(message: "string longer than the output limit of \(options.limits.maxOutputBytes) bytes \(at)")
            }
        case .list(let items), .tuple(let items):
            guard items.count <= Operators.maxRepeatedLength else {
                throw ChatTemplateError.limitExceeded(message: "list longer than \(Operators.maxRepeatedLength) items \(at)")
            }
        default:
            break
        }
    }

    private func evaluate(_ e: Expr, _ scope: Scope) throws -> Value {
        switch e.kind {
        case .literal(let v): return v
        case .name(let name): return lookup(name, scope)
        case .list(let items): return .list(try items.map { try eval($0, scope) })
        case .tuple(let items): return .tuple(try items.map { try eval($0, scope) })
        case .dict(let pairs):
            var d = Dict()
            for (k, v) in pairs {
                let key = try eval(k, scope)
                guard HashKey(key) != nil else { throw EvalError(message: "unhashable type: '\(key.typeName)'") }
                d[key] = try eval(v, scope)
            }
            return .dict(d)
        case .attribute(let target, let name):
            return try Access.attribute(try eval(target, scope), name)
        case .item(let target, let index):
            return try Access.item(try eval(target, scope), try eval(index, scope))
        case .slice(let target, let start, let stop, let step):
            let bounds = try [start, stop, step].map { try $0.map { try eval($0, scope) } ?? .none }
            return try Access.slice(try eval(target, scope), bounds[0], bounds[1], bounds[2])
        case .call(let callee, let args):
            return try call(try eval(callee, scope), args, scope, caller: nil)
        case .filter(let target, let name, let args):
            let value = try eval(target, scope)
            let (positional, keyword) = try evaluateArguments(args, scope)
            return try Filters.apply(name, value, positional, keyword, self)
        case .test(let target, let name, let args, let negated):
            let value = try eval(target, scope)
            let (positional, keyword) = try evaluateArguments(args, scope)
            let result = try TestFunctions.apply(name, value, positional, keyword)
            return .bool(result != negated)
        case .unary(let op, let operand):
            let v = try eval(operand, scope)
            if let error = Operators.undefinedError(v) { throw error }
            switch v.number {
            case .int(let i)?:
                if op == "+" { return .int(i) }
                guard i != Int.min else { throw Operators.overflow() }
                return .int(-i)
            case .double(let d)?: return .double(op == "-" ? -d : d)
            case nil: throw EvalError(message: "bad operand type for unary \(op): '\(v.typeName)'")
            }
        case .binary(let op, let left, let right):
            return try Operators.binary(op, try eval(left, scope), try eval(right, scope))
        case .and(let left, let right):
            let l = try eval(left, scope)
            return l.truthy ? try eval(right, scope) : l
        case .or(let left, let right):
            let l = try eval(left, scope)
            return l.truthy ? l : try eval(right, scope)
        case .not(let operand):
            return .bool(!(try eval(operand, scope).truthy))
        case .compare(let first, let rest):
            var left = try eval(first, scope)
            for (op, rightExpr) in rest {
                let right = try eval(rightExpr, scope)
                if !(try Operators.comparison(op, left, right)) { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .conditional(let test, let then, let otherwise):
            if try eval(test, scope).truthy { return try eval(then, scope) }
            guard let otherwise else {
                return .undefined(hint: "the inline if-expression on line \(e.pos.line) evaluated to false and no else section was defined.")
            }
            return try eval(otherwise, scope)
        }
    }

    private func lookup(_ name: String, _ scope: Scope) -> Value {
        if let v = scope.lookup(name) { return v }
        switch name {
        case "raise_exception": return .callable(.builtin(name, .raiseException))
        case "strftime_now": return .callable(.builtin(name, .strftimeNow))
        case "namespace": return .callable(.builtin(name, .namespace))
        case "dict": return .callable(.builtin(name, .dict))
        case "range": return .callable(.builtin(name, .range))
        case "joiner": return .callable(.builtin(name, .makeJoiner))
        default: return .undefinedName(name)
        }
    }

    func evaluateArguments(_ args: Arguments, _ scope: Scope) throws -> ([Value], [(String, Value)]) {
        (try args.positional.map { try eval($0, scope) }, try args.keyword.map { ($0.0, try eval($0.1, scope)) })
    }

    // MARK: calls

    private func call(_ callee: Value, _ args: Arguments, _ scope: Scope, caller: Macro?) throws -> Value {
        let (positional, keyword) = try evaluateArguments(args, scope)
        return try invoke(callee, positional, keyword, caller: caller)
    }

    /// Calls a template value with evaluated arguments.
    func invoke(_ callee: Value, _ positional: [Value], _ keyword: [(String, Value)], caller: Macro? = nil) throws -> Value {
        switch callee {
        case .undefined(let hint): throw EvalError(message: hint)
        case .callable(.macro(let m)): return try callMacro(m, positional, keyword, caller: caller)
        case .callable(.method(let receiver, let name)): return try Methods.call(receiver, name, positional, keyword)
        case .callable(.builtin(_, let builtin)): return try Builtins.call(builtin, positional, keyword, options)
        default: throw EvalError(message: "'\(callee.typeName)' object is not callable")
        }
    }

    private func callMacro(_ m: Macro, _ positional: [Value], _ keyword: [(String, Value)], caller: Macro?) throws -> Value {
        callDepth += 1
        defer { callDepth -= 1 }
        if callDepth > options.limits.maxCallDepth {
            throw ChatTemplateError.limitExceeded(message: "macro calls nested deeper than \(options.limits.maxCallDepth)")
        }
        let scope = Scope(parent: m.scope)
        var remaining = keyword
        for (k, parameter) in m.parameters.enumerated() {
            if k < positional.count {
                if remaining.contains(where: { $0.0 == parameter.name }) {
                    throw EvalError(message: "macro '\(m.name)' got multiple values for argument '\(parameter.name)'")
                }
                scope.set(parameter.name, positional[k])
            } else if let i = remaining.firstIndex(where: { $0.0 == parameter.name }) {
                scope.set(parameter.name, remaining[i].1)
                remaining.remove(at: i)
            } else if let defaultValue = parameter.defaultValue {
                scope.set(parameter.name, try eval(defaultValue, scope))
            } else {
                scope.set(parameter.name, .undefined(hint: "parameter '\(parameter.name)' was not provided"))
            }
        }
        scope.set("varargs", .tuple(Array(positional.dropFirst(m.parameters.count))))
        var kwargs = Dict()
        for (k, v) in remaining { kwargs[.string(k)] = v }
        scope.set("kwargs", .dict(kwargs))
        if let caller { scope.set("caller", .callable(.macro(caller))) }
        var out = ""
        _ = try execute(m.body, scope, &out)
        return .string(out)
    }
}
