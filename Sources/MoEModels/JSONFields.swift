import Foundation
import MoEFormats

/// Typed, validated access to the fields of a JSON object read from a config file.
///
/// Every accessor throws a `ConfigError` naming the file and the field when the value is
/// missing or of the wrong type; `optional*` accessors treat a missing key and JSON `null`
/// alike.
struct JSONFields {
    /// The file the object came from (for error messages).
    let file: String
    /// Prefix for nested objects' field names in errors, e.g. `rope_scaling.`.
    let path: String
    /// The object's members.
    let object: [String: Any]

    /// Parses `data` as a JSON object.
    init(data: Data, file: String) throws {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw ConfigError(file: file, "not valid JSON: \(JSONSyntax.firstError(in: Array(data)) ?? "\(error)")")
        }
        guard let object = value as? [String: Any] else {
            throw ConfigError(file: file, "expected a JSON object at the top level")
        }
        self.init(file: file, path: "", object: object)
    }

    init(file: String, path: String, object: [String: Any]) {
        self.file = file
        self.path = path
        self.object = object
    }

    private func error(_ key: String, _ message: String) -> ConfigError {
        ConfigError(file: file, field: path + key, message)
    }

    private func present(_ key: String) -> Any? {
        guard let v = object[key], !(v is NSNull) else { return nil }
        return v
    }

    /// True when `key` is present and not null.
    func has(_ key: String) -> Bool { present(key) != nil }

    func optionalInt(_ key: String) throws -> Int? {
        guard let v = present(key) else { return nil }
        guard let n = v as? NSNumber, !isBool(n) else {
            throw error(key, "expected an integer, found \(describe(v))")
        }
        let d = n.doubleValue
        guard d.rounded() == d, abs(d) < 9.0e15 else {
            throw error(key, "expected an integer, found \(n)")
        }
        return Int(d)
    }

    func int(_ key: String) throws -> Int {
        guard let v = try optionalInt(key) else { throw error(key, "missing (expected an integer)") }
        return v
    }

    /// An integer that must lie in `range`.
    func int(_ key: String, in range: ClosedRange<Int>) throws -> Int {
        let v = try int(key)
        guard range.contains(v) else { throw error(key, "expected a value in \(range), found \(v)") }
        return v
    }

    func optionalDouble(_ key: String) throws -> Double? {
        guard let v = present(key) else { return nil }
        guard let n = v as? NSNumber, !isBool(n) else {
            throw error(key, "expected a number, found \(describe(v))")
        }
        guard n.doubleValue.isFinite else { throw error(key, "expected a finite number") }
        return n.doubleValue
    }

    func double(_ key: String) throws -> Double {
        guard let v = try optionalDouble(key) else { throw error(key, "missing (expected a number)") }
        return v
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard let v = present(key) else { return nil }
        guard let n = v as? NSNumber, isBool(n) else {
            throw error(key, "expected true or false, found \(describe(v))")
        }
        return n.boolValue
    }

    func optionalString(_ key: String) throws -> String? {
        guard let v = present(key) else { return nil }
        guard let s = v as? String else { throw error(key, "expected a string, found \(describe(v))") }
        return s
    }

    func optionalObject(_ key: String) throws -> JSONFields? {
        guard let v = present(key) else { return nil }
        guard let o = v as? [String: Any] else {
            throw error(key, "expected an object, found \(describe(v))")
        }
        return JSONFields(file: file, path: path + key + ".", object: o)
    }

    /// An integer or a list of integers (as `eos_token_id` may be), as a list.
    func intList(_ key: String) throws -> [Int] {
        guard let v = present(key) else { return [] }
        if let list = v as? [Any] {
            return try list.enumerated().map { i, item in
                try JSONFields(file: file, path: path, object: ["\(key)[\(i)]": item]).int("\(key)[\(i)]")
            }
        }
        return [try int(key)]
    }

    /// A list of strings, or nil when absent.
    func optionalStringList(_ key: String) throws -> [String]? {
        guard let v = present(key) else { return nil }
        guard let list = v as? [Any], let strings = list as? [String] else {
            throw error(key, "expected a list of strings, found \(describe(v))")
        }
        return strings
    }

    /// JSON booleans arrive as NSNumbers of C type `char` on every platform; JSON numbers
    /// never do.
    private func isBool(_ n: NSNumber) -> Bool {
        String(cString: n.objCType) == "c"
    }

    private func describe(_ v: Any) -> String {
        switch v {
        case is String: return "a string"
        case is [Any]: return "a list"
        case is [String: Any]: return "an object"
        case let n as NSNumber: return isBool(n) ? "a boolean" : "the number \(n)"
        default: return "\(type(of: v))"
        }
    }
}

