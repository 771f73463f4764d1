/// An expression node with the position of its first token.
final class Expr {
    indirect enum Kind {
        case literal(Value)
        case name(String)
        case list([Expr])
        case tuple([Expr])
        case dict([(Expr, Expr)])
        case attribute(Expr, String)
        case item(Expr, Expr)
        case slice(Expr, start: Expr?, stop: Expr?, step: Expr?)
        case call(Expr, Arguments)
        case filter(Expr, name: String, Arguments)
        case test(Expr, name: String, Arguments, negated: Bool)
        case unary(String, Expr)
        case binary(String, Expr, Expr)
        case and(Expr, Expr)
        case or(Expr, Expr)
        case not(Expr)
        case compare(Expr, [(String, Expr)])
        case conditional(test: Expr, then: Expr, otherwise: Expr?)
    }
    let kind: Kind
    let pos: SourcePos

    init(_ kind: Kind, _ pos: SourcePos) {
        self.kind = kind
        self.pos = pos
    }
}

/// Call arguments: positional then keyword.
struct Arguments {
    var positional: [Expr] = []
    var keyword: [(String, Expr)] = []
}

/// An assignment target of `for` and `set`.
indirect enum Target {
    case name(String)
    case attribute(Expr, String)
    case tuple([Target])
}

/// A macro parameter with its optional default.
struct MacroParameter {
    let name: String
    let defaultValue: Expr?
}

/// A statement node.
indirect enum Node {
    case output(String)
    case expression(Expr)
    case ifChain([(Expr, [Node])], otherwise: [Node])
    case forLoop(target: Target, iterable: Expr, condition: Expr?, body: [Node], otherwise: [Node], pos: SourcePos)
    case set(Target, Expr, pos: SourcePos)
    case setBlock(Target, body: [Node], filters: [(String, Arguments, SourcePos)], pos: SourcePos)
    case macro(name: String, parameters: [MacroParameter], body: [Node])
    case callBlock(call: Expr, parameters: [MacroParameter], body: [Node])
    case filterBlock(filters: [(String, Arguments, SourcePos)], body: [Node])
    case with(assignments: [(Target, Expr)], body: [Node], pos: SourcePos)
    case breakLoop(SourcePos)
    case continueLoop(SourcePos)
}
