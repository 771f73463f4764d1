/// A malformed or unreadable model file: says which file, which tensor (if any) and what
/// was wrong.
public struct FormatError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Path of the offending file.
    public let file: String
    /// Name of the offending tensor, when the problem belongs to one.
    public let tensor: String?
    /// What was wrong and what was expected.
    public let message: String

    /// Creates an error about `file` (and `tensor`, if any).
    public init(file: String, tensor: String? = nil, _ message: String) {
        self.file = file
        self.tensor = tensor
        self.message = message
    }

    /// A one-line, human-readable description.
    public var description: String {
        if let tensor { return "\(file): tensor '\(tensor)': \(message)" }
        return "\(file): \(message)"
    }
}
