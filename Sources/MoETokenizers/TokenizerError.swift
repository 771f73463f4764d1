/// Why a tokenizer could not be loaded.
///
/// Every case names the file (or "tokenizer.json"), the field path and what was expected, so a
/// malformed or unsupported vocabulary is diagnosed without reading the loader.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    /// A file could not be read.
    case unreadableFile(path: String, reason: String)
    /// The bytes are not valid JSON.
    case invalidJSON(file: String, reason: String)
    /// A field is missing or has the wrong type or value.
    case invalidField(file: String, field: String, expected: String)
    /// A component type this library does not implement (e.g. a WordPiece model).
    case unsupported(component: String, type: String)
    /// A regular expression in the file could not be compiled.
    case invalidPattern(field: String, pattern: String, reason: String)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason):
            return "\(path): \(reason)"
        case .invalidJSON(let file, let reason):
            return "\(file): not valid JSON: \(reason)"
        case .invalidField(let file, let field, let expected):
            return "\(file): field '\(field)' must be \(expected)"
        case .unsupported(let component, let type):
            return "unsupported \(component) type '\(type)' (supported: see MoETokenizers documentation)"
        case .invalidPattern(let field, let pattern, let reason):
            return "tokenizer.json: field '\(field)' has a regular expression that cannot be compiled (\(reason)): \(pattern)"
        }
    }
}
