/// A quantise or dequantise request this module cannot serve: an unsupported type or an
/// element count that is not a whole number of blocks.
public struct QuantizationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The ggml type asked for.
    public let type: GGMLType
    /// What was wrong.
    public let message: String

    /// Creates an error about `type`.
    public init(type: GGMLType, _ message: String) {
        self.type = type
        self.message = message
    }

    /// A one-line, human-readable description.
    public var description: String { message }
}
