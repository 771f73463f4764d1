/// Typed look-ups of metadata values. Each returns nil when the key is missing or holds a
/// value of another type, so callers can report what they expected.
extension GGUFFile {
    /// An integer value of any integer type that fits in `Int`.
    public func int(_ key: String) -> Int? { metadata[key]?.intValue }

    /// A FLOAT32 or FLOAT64 value.
    public func double(_ key: String) -> Double? { metadata[key]?.doubleValue }

    /// A STRING value.
    public func string(_ key: String) -> String? { metadata[key]?.stringValue }

    /// A BOOL value.
    public func bool(_ key: String) -> Bool? { metadata[key]?.boolValue }

    /// An ARRAY of STRING.
    public func stringArray(_ key: String) -> [String]? {
        guard case .array(.string, let items)? = metadata[key] else { return nil }
        return items.compactMap(\.stringValue)
    }

    /// An ARRAY of FLOAT32 or FLOAT64 values, as `Float`.
    public func floatArray(_ key: String) -> [Float]? {
        guard case .array(let type, let items)? = metadata[key], type == .float32 || type == .float64 else {
            return nil
        }
        return items.compactMap { $0.doubleValue.map(Float.init) }
    }

    /// An ARRAY of integers (any integer type) whose values all fit in `Int`.
    public func intArray(_ key: String) -> [Int]? {
        guard let items = metadata[key]?.arrayValue else { return nil }
        let values = items.compactMap(\.intValue)
        return values.count == items.count ? values : nil
    }

    /// The model architecture (`general.architecture`), e.g. `llama` or `qwen3moe`.
    public var architecture: String? { string("general.architecture") }
}
