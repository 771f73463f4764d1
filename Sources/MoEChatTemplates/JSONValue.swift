/// JSON-like data handed to a chat template: messages, tools, documents and extra variables.
///
/// Objects keep their key order, as Python dicts do, so `tojson` and `items()` render keys in
/// the order the caller gave them (the order of a parsed JSON file, or of a dictionary literal).
public enum JSONValue: Sendable, Equatable {
    /// JSON `null`, Python `None`.
    case null
    /// A boolean.
    case bool(Bool)
    /// An integer (JSON numbers without a fraction or exponent).
    case int(Int)
    /// A floating-point number.
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object whose members keep their insertion order.
    case object(JSONObject)
}

/// An insertion-ordered JSON object (string keys, like a Python dict decoded from JSON).
public struct JSONObject: Sendable, Equatable {
    /// The members in insertion order; keys are unique.
    public private(set) var members: [(key: String, value: JSONValue)] = []
    private var positions: [String: Int] = [:]

    /// An empty object.
    public init() {}

    /// An object with `members` in order; a repeated key keeps its first position and last value.
    public init(_ members: [(String, JSONValue)]) {
        for (key, value) in members { self[key] = value }
    }

    /// The value stored under `key`; assigning `nil` removes the member.
    public subscript(key: String) -> JSONValue? {
        get { positions[key].map { members[$0].value } }
        set {
            if let newValue {
                if let i = positions[key] {
                    members[i].value = newValue
                } else {
                    positions[key] = members.count
                    members.append((key, newValue))
                }
            } else if let i = positions.removeValue(forKey: key) {
                members.remove(at: i)
                for j in i..<members.count { positions[members[j].key] = j }
            }
        }
    }

    /// The keys in insertion order.
    public var keys: [String] { members.map(\.key) }

    /// Compares members in order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// An object with the literal's members, in the literal's order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    /// A string value.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An integer value.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// A floating-point value.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// A boolean value.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An array value.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// An object value whose members keep the literal's order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
    /// `null`.
    public init(nilLiteral: ()) { self = .null }
}
