/// Why a chat template could not be parsed or rendered.
public enum ChatTemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The template text is malformed or uses syntax this interpreter does not support.
    case syntax(message: String, line: Int, column: Int)
    /// The template called `raise_exception(message)`; `description` is exactly `message`.
    case raised(message: String)
    /// Evaluation failed (a type error, an undefined value used where jinja2 rejects it, ...).
    case runtime(message: String, line: Int, column: Int)
    /// A safety limit was hit: recursion depth, output size or loop iterations.
    case limitExceeded(message: String)

    /// The message alone, without position.
    public var message: String {
        switch self {
        case .syntax(let m, _, _), .raised(let m), .runtime(let m, _, _), .limitExceeded(let m): return m
        }
    }

    /// For `.raised`, the template's message verbatim; otherwise the message with its position.
    public var description: String {
        switch self {
        case .syntax(let m, let l, let c): return "template syntax error at line \(l), column \(c): \(m)"
        case .raised(let m): return m
        case .runtime(let m, let l, let c): return "template error at line \(l), column \(c): \(m)"
        case .limitExceeded(let m): return "template limit exceeded: \(m)"
        }
    }
}

/// A source position, 1-based.
struct SourcePos: Sendable, Equatable {
    var line: Int
    var column: Int
}

/// An evaluation error before it is given the position of the expression that raised it.
struct EvalError: Error {
    let message: String
}
