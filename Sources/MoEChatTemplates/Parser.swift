/// Builds statement and expression trees from tokens, following jinja2's grammar and precedence.
final class Parser {
    private let tokens: [Token]
    private var index = 0
    private var depth = 0
    private var loopDepth = 0
    /// True inside `if` statements and conditional expressions, where jinja2 defers unknown
    /// filters and tests to a runtime error (its "soft" frames); reset in loops, macros and blocks.
    private var soft = false
    /// Unknown filter/test errors seen outside soft frames; thrown once the enclosing node is
    /// parsed unless a conditional expression turns out to contain them.
    private var pendingErrors: [ChatTemplateError] = []

    /// Runs `body` with `soft` set to `value`, restoring it after.
    private func withSoft<T>(_ value: Bool, _ body: () throws -> T) rethrows -> T {
        let saved = soft
        soft = value
        defer { soft = saved }
        return try body()
    }
    static let maxDepth = 200

    /// Parses a whole template.
    static func parse(_ tokens: [Token]) throws -> [Node] {
        let parser = Parser(tokens: tokens)
        let body = try parser.subparse(endTags: [])
        guard case .eof = parser.current.kind else { throw parser.fail("unexpected end tag", at: parser.current) }
        return body
    }

    private init(tokens: [Token]) { self.tokens = tokens }

    private var current: Token { tokens[min(index, tokens.count - 1)] }
    private func peek(_ offset: Int = 1) -> Token { tokens[min(index + offset, tokens.count - 1)] }
    private func advance() { if index < tokens.count - 1 { index += 1 } }

    private func fail(_ message: String, at token: Token) -> ChatTemplateError {
        .syntax(message: message, line: token.pos.line, column: token.pos.column)
    }

    private func describe(_ token: Token) -> String {
        switch token.kind {
        case .data: return "template data"
        case .variableBegin: return "'{{'"
        case .variableEnd: return "end of print statement"
        case .blockBegin: return "'{%'"
        case .blockEnd: return "end of statement block"
        case .name(let n): return "'\(n)'"
        case .string: return "string"
        case .integer: return "integer"
        case .float: return "float"
        case .op(let o): return "'\(o)'"
        case .eof: return "end of template"
        }
    }

    private func isName(_ name: String, _ token: Token? = nil) -> Bool {
        if case .name(let n) = (token ?? current).kind { return n == name }
        return false
    }

    private func isOp(_ op: String, _ token: Token? = nil) -> Bool {
        if case .op(let o) = (token ?? current).kind { return o == op }
        return false
    }

    private func expectOp(_ op: String) throws {
        guard isOp(op) else { throw fail("expected '\(op)', got \(describe(current))", at: current) }
        advance()
    }

    private func expectName(_ name: String? = nil) throws -> String {
        guard case .name(let n) = current.kind, name == nil || n == name else {
            throw fail("expected \(name.map { "'\($0)'" } ?? "a name"), got \(describe(current))", at: current)
        }
        advance()
        return n
    }

    private func expectBlockEnd() throws {
        guard case .blockEnd = current.kind else {
            throw fail("expected end of statement block, got \(describe(current))", at: current)
        }
        advance()
    }

    private func nested<T>(_ body: (Parser) throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth < Self.maxDepth else { throw fail("template nested too deeply", at: current) }
        return try body(self)
    }

    // MARK: statements

    /// Parses nodes until a `{% name %}` whose name is in `endTags`; leaves the stream on that name.
    private func subparse(endTags: Set<String>) throws -> [Node] {
        var body: [Node] = []
        while true {
            let token = current
            switch token.kind {
            case .data(let text):
                body.append(.output(text))
                advance()
            case .variableBegin:
                advance()
                let e = try parseTuple(withCondition: true)
                guard case .variableEnd = current.kind else {
                    throw fail("expected end of print statement, got \(describe(current))", at: current)
                }
                advance()
                if let error = pendingErrors.first { throw error }
                body.append(.expression(e))
            case .blockBegin:
                advance()
                if case .name(let n) = current.kind, endTags.contains(n) { return body }
                body.append(try nested { try $0.parseStatement() })
                if let error = pendingErrors.first { throw error }
            case .eof:
                if !endTags.isEmpty {
                    let list = endTags.sorted().map { "'\($0)'" }.joined(separator: " or ")
                    throw fail("unexpected end of template, expected \(list)", at: token)
                }
                return body
            default:
                throw fail("unexpected \(describe(token))", at: token)
            }
        }
    }

    private func parseStatement() throws -> Node {
        let token = current
        guard case .name(let keyword) = token.kind else { throw fail("tag name expected", at: token) }
        switch keyword {
        case "if": return try withSoft(true) { try parseIf() }
        case "for": return try parseFor()
        case "set": return try parseSet()
        case "macro": return try withSoft(false) { try parseMacro() }
        case "call": return try withSoft(false) { try parseCallBlock() }
        case "filter": return try withSoft(false) { try parseFilterBlock() }
        case "with": return try withSoft(false) { try parseWith() }
        case "generation": return try withSoft(false) { try parseGeneration() }
        case "break", "continue":
            guard loopDepth > 0 else { throw fail("'\(keyword)' outside loop", at: token) }
            advance()
            try expectBlockEnd()
            return keyword == "break" ? .breakLoop(token.pos) : .continueLoop(token.pos)
        case "endif", "endfor", "endmacro", "endset", "endcall", "endfilter", "endwith", "endgeneration", "else", "elif":
            throw fail("unexpected '\(keyword)' tag", at: token)
        default:
            throw fail("unsupported or unknown tag '\(keyword)'", at: token)
        }
    }

    private func parseIf() throws -> Node {
        advance()
        var branches: [(Expr, [Node])] = []
        var condition = try parseTuple(withCondition: false)
        while true {
            try expectBlockEnd()
            let body = try subparse(endTags: ["elif", "else", "endif"])
            branches.append((condition, body))
            let tag = try expectName()
            if tag == "elif" {
                condition = try parseTuple(withCondition: false)
                continue
            }
            if tag == "else" {
                try expectBlockEnd()
                let otherwise = try subparse(endTags: ["endif"])
                advance()
                try expectBlockEnd()
                return .ifChain(branches, otherwise: otherwise)
            }
            try expectBlockEnd()
            return .ifChain(branches, otherwise: [])
        }
    }

    private func parseFor() throws -> Node {
        let start = current
        advance()
        let target = try parseAssignTarget(allowNamespace: false, endNames: ["in"])
        _ = try expectName("in")
        let iterable = try parseTuple(withCondition: false, endNames: ["recursive", "if"])
        var condition: Expr?
        if isName("if") {
            advance()
            condition = try withSoft(false) { try parseExpression() }
        }
        if isName("recursive") { throw fail("recursive loops are not supported", at: current) }
        try expectBlockEnd()
        loopDepth += 1
        let body = try withSoft(false) { try subparse(endTags: ["endfor", "else"]) }
        loopDepth -= 1
        var otherwise: [Node] = []
        if try expectName() == "else" {
            try expectBlockEnd()
            otherwise = try withSoft(false) { try subparse(endTags: ["endfor"]) }
            advance()
        }
        try expectBlockEnd()
        return .forLoop(target: target, iterable: iterable, condition: condition, body: body, otherwise: otherwise, pos: start.pos)
    }

    private func parseSet() throws -> Node {
        let start = current
        advance()
        let target = try parseAssignTarget(allowNamespace: true, endNames: [])
        if isOp("=") {
            advance()
            let value = try parseTuple(withCondition: true)
            try expectBlockEnd()
            return .set(target, value, pos: start.pos)
        }
        let filters = try parseFilterChain()
        try expectBlockEnd()
        let body = try withSoft(false) { try subparse(endTags: ["endset"]) }
        advance()
        try expectBlockEnd()
        return .setBlock(target, body: body, filters: filters, pos: start.pos)
    }

    private func parseFilterChain() throws -> [(String, Arguments, SourcePos)] {
        var filters: [(String, Arguments, SourcePos)] = []
        while isOp("|") {
            advance()
            filters.append(try parseFilterName())
        }
        return filters
    }

    private func parseFilterName() throws -> (String, Arguments, SourcePos) {
        let token = current
        var name = try expectName()
        while isOp(".") {
            advance()
            name += "." + (try expectName())
        }
        if !Filters.names.contains(name), !soft { pendingErrors.append(fail("No filter named '\(name)'.", at: token)) }
        let args = isOp("(") ? try parseCallArguments() : Arguments()
        return (name, args, token.pos)
    }

    private func parseMacroParameters() throws -> [MacroParameter] {
        var parameters: [MacroParameter] = []
        try expectOp("(")
        while !isOp(")") {
            if !parameters.isEmpty { try expectOp(",") }
            if isOp(")") { break }
            let name = try expectName()
            var defaultValue: Expr?
            if isOp("=") {
                advance()
                defaultValue = try parseExpression()
            } else if parameters.last?.defaultValue != nil {
                throw fail("non-default argument follows default argument", at: current)
            }
            parameters.append(MacroParameter(name: name, defaultValue: defaultValue))
        }
        advance()
        return parameters
    }

    private func parseMacro() throws -> Node {
        advance()
        let name = try expectName()
        let parameters = try parseMacroParameters()
        try expectBlockEnd()
        let savedLoopDepth = loopDepth
        loopDepth = 0
        let body = try subparse(endTags: ["endmacro"])
        loopDepth = savedLoopDepth
        advance()
        try expectBlockEnd()
        return .macro(name: name, parameters: parameters, body: body)
    }

    private func parseCallBlock() throws -> Node {
        advance()
        let parameters = isOp("(") ? try parseMacroParameters() : []
        let call = try parseExpression()
        guard case .call = call.kind else { throw fail("expected call", at: current) }
        try expectBlockEnd()
        let body = try subparse(endTags: ["endcall"])
        advance()
        try expectBlockEnd()
        return .callBlock(call: call, parameters: parameters, body: body)
    }

    private func parseFilterBlock() throws -> Node {
        advance()
        var filters = [try parseFilterName()]
        filters += try parseFilterChain()
        try expectBlockEnd()
        let body = try subparse(endTags: ["endfilter"])
        advance()
        try expectBlockEnd()
        return .filterBlock(filters: filters, body: body)
    }

    private func parseWith() throws -> Node {
        let start = current
        advance()
        var assignments: [(Target, Expr)] = []
        while !(current.kind == .blockEnd) {
            if !assignments.isEmpty { try expectOp(",") }
            let target = try parseAssignTarget(allowNamespace: false, endNames: [])
            try expectOp("=")
            assignments.append((target, try parseExpression()))
        }
        try expectBlockEnd()
        let body = try subparse(endTags: ["endwith"])
        advance()
        try expectBlockEnd()
        return .with(assignments: assignments, body: body, pos: start.pos)
    }

    /// transformers' `{% generation %}` tag (assistant-token tracking): renders its body in a
    /// new scope, as jinja2's call block does.
    private func parseGeneration() throws -> Node {
        let start = current
        advance()
        try expectBlockEnd()
        let body = try subparse(endTags: ["endgeneration"])
        advance()
        try expectBlockEnd()
        return .with(assignments: [], body: body, pos: start.pos)
    }

    private func parseAssignTarget(allowNamespace: Bool, endNames: Set<String>) throws -> Target {
        if allowNamespace, case .name(let n) = current.kind, isOp(".", peek()) {
            let token = current
            advance()
            advance()
            let attribute = try expectName()
            return .attribute(Expr(.name(n), token.pos), attribute)
        }
        var targets: [Target] = []
        var sawComma = false
        while true {
            if !targets.isEmpty {
                guard isOp(",") else { break }
                advance()
                sawComma = true
            }
            if case .name(let n) = current.kind, endNames.contains(n) { break }
            if isOp("=") || isOp("|") || current.kind == .blockEnd { break }
            if isOp("(") {
                advance()
                targets.append(try parseAssignTarget(allowNamespace: false, endNames: []))
                try expectOp(")")
                continue
            }
            let token = current
            let name = try expectName()
            if ["true", "false", "none", "True", "False", "None"].contains(name) {
                throw fail("can't assign to keyword '\(name)'", at: token)
            }
            targets.append(.name(name))
        }
        guard let first = targets.first else { throw fail("expected an assignment target, got \(describe(current))", at: current) }
        return sawComma ? .tuple(targets) : first
    }

    // MARK: expressions

    private func parseTuple(withCondition: Bool, endNames: Set<String> = []) throws -> Expr {
        let start = current
        var items: [Expr] = []
        var sawComma = false
        while true {
            if !items.isEmpty {
                guard isOp(",") else { break }
                advance()
                sawComma = true
            }
            switch current.kind {
            case .variableEnd, .blockEnd: break
            case .op(let o) where o == ")": break
            case .name(let n) where endNames.contains(n): break
            default:
                items.append(withCondition ? try parseExpression() : try parseOr())
                continue
            }
            break
        }
        if !sawComma {
            guard let only = items.first else { throw fail("expected an expression, got \(describe(current))", at: current) }
            return only
        }
        return Expr(.tuple(items), start.pos)
    }

    private func parseExpression() throws -> Expr {
        try nested { p in
            let mark = p.pendingErrors.count
            var expr = try p.parseOr()
            while p.isName("if") {
                // jinja2 compiles a whole conditional expression in a soft frame.
                p.pendingErrors.removeSubrange(mark...)
                let token = p.current
                p.advance()
                let test = try p.withSoft(true) { try p.parseOr() }
                var otherwise: Expr?
                if p.isName("else") {
                    p.advance()
                    otherwise = try p.withSoft(true) { try p.parseExpression() }
                }
                expr = Expr(.conditional(test: test, then: expr, otherwise: otherwise), token.pos)
            }
            return expr
        }
    }

    private func parseOr() throws -> Expr {
        var left = try parseAnd()
        while isName("or") {
            let token = current
            advance()
            left = Expr(.or(left, try parseAnd()), token.pos)
        }
        return left
    }

    private func parseAnd() throws -> Expr {
        var left = try parseNot()
        while isName("and") {
            let token = current
            advance()
            left = Expr(.and(left, try parseNot()), token.pos)
        }
        return left
    }

    private func parseNot() throws -> Expr {
        if isName("not") {
            let token = current
            advance()
            let operand = try nested { try $0.parseNot() }
            return Expr(.not(operand), token.pos)
        }
        return try parseCompare()
    }

    private func parseCompare() throws -> Expr {
        let left = try parseMath1()
        var ops: [(String, Expr)] = []
        while true {
            if case .op(let o) = current.kind, ["==", "!=", "<", "<=", ">", ">="].contains(o) {
                advance()
                ops.append((o, try parseMath1()))
            } else if isName("in") {
                advance()
                ops.append(("in", try parseMath1()))
            } else if isName("not"), isName("in", peek()) {
                advance()
                advance()
                ops.append(("notin", try parseMath1()))
            } else {
                break
            }
        }
        return ops.isEmpty ? left : Expr(.compare(left, ops), left.pos)
    }

    private func parseMath1() throws -> Expr {
        var left = try parseConcat()
        while case .op(let o) = current.kind, o == "+" || o == "-" {
            let token = current
            advance()
            left = Expr(.binary(o, left, try parseConcat()), token.pos)
        }
        return left
    }

    private func parseConcat() throws -> Expr {
        var left = try parseMath2()
        while isOp("~") {
            let token = current
            advance()
            left = Expr(.binary("~", left, try parseMath2()), token.pos)
        }
        return left
    }

    private func parseMath2() throws -> Expr {
        var left = try parsePow()
        while case .op(let o) = current.kind, ["*", "/", "//", "%"].contains(o) {
            let token = current
            advance()
            left = Expr(.binary(o, left, try parsePow()), token.pos)
        }
        return left
    }

    private func parsePow() throws -> Expr {
        var left = try parseUnary(withFilter: true)
        while isOp("**") {
            let token = current
            advance()
            left = Expr(.binary("**", left, try parseUnary(withFilter: true)), token.pos)
        }
        return left
    }

    private func parseUnary(withFilter: Bool) throws -> Expr {
        try nested { p in
            let token = p.current
            var node: Expr
            if p.isOp("-") || p.isOp("+") {
                p.advance()
                node = Expr(.unary(p.isOp("-", token) ? "-" : "+", try p.parseUnary(withFilter: false)), token.pos)
            } else {
                node = try p.parsePrimary()
            }
            node = try p.parsePostfix(node)
            if withFilter { node = try p.parseFilterExpression(node) }
            return node
        }
    }

    private func parsePrimary() throws -> Expr {
        let token = current
        switch token.kind {
        case .name(let n):
            advance()
            switch n {
            case "true", "True": return Expr(.literal(.bool(true)), token.pos)
            case "false", "False": return Expr(.literal(.bool(false)), token.pos)
            case "none", "None": return Expr(.literal(.none), token.pos)
            default: return Expr(.name(n), token.pos)
            }
        case .string(let s):
            advance()
            var text = s
            while case .string(let more) = current.kind {
                text += more
                advance()
            }
            return Expr(.literal(.string(text)), token.pos)
        case .integer(let v):
            advance()
            return Expr(.literal(.int(v)), token.pos)
        case .float(let v):
            advance()
            return Expr(.literal(.double(v)), token.pos)
        case .op("("):
            advance()
            if isOp(")") {
                advance()
                return Expr(.tuple([]), token.pos)
            }
            let inner = try parseTupleInParentheses()
            try expectOp(")")
            return inner
        case .op("["):
            advance()
            var items: [Expr] = []
            while !isOp("]") {
                if !items.isEmpty { try expectOp(",") }
                if isOp("]") { break }
                items.append(try parseExpression())
            }
            advance()
            return Expr(.list(items), token.pos)
        case .op("{"):
            advance()
            var items: [(Expr, Expr)] = []
            while !isOp("}") {
                if !items.isEmpty { try expectOp(",") }
                if isOp("}") { break }
                let key = try parseExpression()
                try expectOp(":")
                items.append((key, try parseExpression()))
            }
            advance()
            return Expr(.dict(items), token.pos)
        default:
            throw fail("unexpected \(describe(token))", at: token)
        }
    }

    private func parseTupleInParentheses() throws -> Expr {
        let start = current
        var items = [try parseExpression()]
        var sawComma = false
        while isOp(",") {
            advance()
            sawComma = true
            if isOp(")") { break }
            items.append(try parseExpression())
        }
        return sawComma ? Expr(.tuple(items), start.pos) : items[0]
    }

    private func parsePostfix(_ start: Expr) throws -> Expr {
        var node = start
        while true {
            let token = current
            if isOp(".") {
                advance()
                switch current.kind {
                case .name(let n):
                    advance()
                    node = Expr(.attribute(node, n), token.pos)
                case .integer(let v):
                    advance()
                    node = Expr(.item(node, Expr(.literal(.int(v)), token.pos)), token.pos)
                default:
                    throw fail("expected name or number after '.'", at: current)
                }
            } else if isOp("[") {
                advance()
                node = try parseSubscript(node, token)
            } else if isOp("(") {
                node = Expr(.call(node, try parseCallArguments()), token.pos)
            } else {
                return node
            }
        }
    }

    private func parseSubscript(_ target: Expr, _ token: Token) throws -> Expr {
        var parts: [Expr?] = [nil, nil, nil]
        var part = 0
        var isSlice = false
        var indices: [Expr] = []
        while !isOp("]") {
            if isOp(":") {
                isSlice = true
                part += 1
                guard part < 3 else { throw fail("too many ':' in subscript", at: current) }
                advance()
                continue
            }
            if isOp(","), !isSlice, parts[0] != nil, let first = parts[0] {
                indices.append(first)
                parts[0] = nil
                advance()
                continue
            }
            guard parts[part] == nil else { throw fail("expected ']' or ':', got \(describe(current))", at: current) }
            parts[part] = try parseExpression()
        }
        advance()
        if isSlice { return Expr(.slice(target, start: parts[0], stop: parts[1], step: parts[2]), token.pos) }
        if !indices.isEmpty {
            if let last = parts[0] { indices.append(last) }
            return Expr(.item(target, Expr(.tuple(indices), token.pos)), token.pos)
        }
        guard let index = parts[0] else { throw fail("expected an index", at: token) }
        return Expr(.item(target, index), token.pos)
    }

    private func parseCallArguments() throws -> Arguments {
        try expectOp("(")
        var args = Arguments()
        while !isOp(")") {
            if !(args.positional.isEmpty && args.keyword.isEmpty) { try expectOp(",") }
            if isOp(")") { break }
            if isOp("*") || isOp("**") { throw fail("*args and **kwargs in calls are not supported", at: current) }
            if case .name(let n) = current.kind, isOp("=", peek()) {
                advance()
                advance()
                args.keyword.append((n, try parseExpression()))
            } else {
                guard args.keyword.isEmpty else { throw fail("positional argument follows keyword argument", at: current) }
                args.positional.append(try parseExpression())
            }
        }
        advance()
        return args
    }

    private func parseFilterExpression(_ start: Expr) throws -> Expr {
        var node = start
        while true {
            let token = current
            if isOp("|") {
                advance()
                let (name, args, _) = try parseFilterName()
                node = Expr(.filter(node, name: name, args), token.pos)
            } else if isName("is") {
                advance()
                var negated = false
                if isName("not") {
                    advance()
                    negated = true
                }
                let nameToken = current
                var name = try expectName()
                while isOp(".") {
                    advance()
                    name += "." + (try expectName())
                }
                if !TestFunctions.names.contains(name), !soft {
                    pendingErrors.append(fail("No test named '\(name)'.", at: nameToken))
                }
                var args = Arguments()
                if isOp("(") {
                    args = try parseCallArguments()
                } else if startsBareTestArgument() {
                    if isName("is") { throw fail("You cannot chain multiple tests with is", at: current) }
                    args.positional = [try parsePostfix(try parsePrimary())]
                }
                node = Expr(.test(node, name: name, args, negated: negated), token.pos)
            } else if isOp("(") {
                node = Expr(.call(node, try parseCallArguments()), token.pos)
            } else {
                return node
            }
        }
    }

    private func startsBareTestArgument() -> Bool {
        switch current.kind {
        case .name(let n): return !["else", "or", "and"].contains(n)
        case .string, .integer, .float: return true
        case .op(let o): return o == "(" || o == "[" || o == "{"
        default: return false
        }
    }
}
