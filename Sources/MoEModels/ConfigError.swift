/// A config.json that can't describe a model we run: names the file, the field and what
/// was expected.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Path of the config file (or model folder).
    public let file: String
    /// The offending field, when there is one.
    public let field: String?
    /// What was wrong and what was expected.
    public let message: String

    /// Creates an error about `field` of `file`.
    public init(file: String, field: String? = nil, _ message: String) {
        self.file = file
        self.field = field
        self.message = message
    }

    /// A one-line, human-readable description.
    public var description: String {
        if let field { return "\(file): field '\(field)': \(message)" }
        return "\(file): \(message)"
    }
}
