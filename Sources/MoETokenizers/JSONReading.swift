/// Typed, path-aware access to a parsed JSON value.
///
/// Every accessor throws `TokenizerError.invalidField` naming the file and the dotted path, so a
/// malformed tokenizer.json reports where it is wrong instead of crashing.
struct JSONNode {
    let value: JSONValue?
    let path: String
    let file: String

    /// Parses `data` as a JSON document.
    static func parse(_ data: some Collection<UInt8>, file: String) throws -> JSONNode {
        do {
            return JSONNode(value: try JSONParser.parse(Array(data)), path: "", file: file)
        } catch {
            throw TokenizerError.invalidJSON(file: file, reason: error.message)
        }
    }

    /// True when the field is absent or JSON `null`.
    var isNull: Bool {
        if case .null = value { return true }
        return value == nil
    }

    /// The member `key` of an object (null when absent).
    subscript(key: String) -> JSONNode {
        var child: JSONValue?
        if case .object(let members) = value { child = members[key] }
        return JSONNode(value: child, path: path.isEmpty ? key : "\(path).\(key)", file: file)
    }

    func fail(_ expected: String) -> TokenizerError {
        .invalidField(file: file, field: path.isEmpty ? "(root)" : path, expected: expected)
    }

    /// The members of an object, as nodes.
    func members() throws -> [(String, JSONNode)] {
        guard case .object(let members) = value else { throw fail("an object") }
        return members.map { ($0.key, JSONNode(value: $0.value, path: "\(path).\($0.key)", file: file)) }
    }

    /// The raw members of an object (for large tables; `child(_:_:)` names one on error).
    func rawMembers() throws -> [String: JSONValue] {
        guard case .object(let members) = value else { throw fail("an object") }
        return members
    }

    /// The raw items of an array (for large tables).
    func rawItems() throws -> [JSONValue] {
        guard case .array(let items) = value else { throw fail("an array") }
        return items
    }

    /// A node for a member or item of this one, to report an error at it.
    func child(_ key: String, _ value: JSONValue) -> JSONNode {
        JSONNode(value: value, path: "\(path).\(key)", file: file)
    }

    /// Checks that the value is an object.
    func requireObject() throws {
        guard case .object = value else { throw fail("an object") }
    }

    /// The value as an array of nodes.
    func array() throws -> [JSONNode] {
        guard case .array(let items) = value else { throw fail("an array") }
        return items.enumerated().map { JSONNode(value: $0.element, path: "\(path)[\($0.offset)]", file: file) }
    }

    /// The value as a string, if it is one.
    var stringValue: String? {
        if case .string(let s) = value { return s }
        return nil
    }

    /// The value as a string.
    func string() throws -> String {
        guard let s = stringValue else { throw fail("a string") }
        return s
    }

    /// The value as a string, or nil when absent or null.
    func optionalString() throws -> String? {
        isNull ? nil : try string()
    }

    /// The value as a number, if it is one.
    var numberValue: Double? {
        if case .number(let d) = value { return d }
        return nil
    }

    /// The value as an integer (JSON numbers without a fractional part).
    func int() throws -> Int {
        if let d = numberValue, d.rounded() == d, abs(d) < 9.0e15 { return Int(d) }
        throw fail("an integer")
    }

    /// The value as a non-negative integer, or `defaultValue` when absent.
    func count(default defaultValue: Int) throws -> Int {
        if isNull { return defaultValue }
        let n = try int()
        guard n >= 0 else { throw fail("a non-negative integer") }
        return n
    }

    /// The value as a Boolean, or `defaultValue` when absent or null.
    func bool(default defaultValue: Bool) throws -> Bool {
        if isNull { return defaultValue }
        if case .bool(let b) = value { return b }
        throw fail("a boolean")
    }

    /// The component `type` field (e.g. "BPE", "Sequence").
    func typeName() throws -> String {
        try self["type"].string()
    }
}
