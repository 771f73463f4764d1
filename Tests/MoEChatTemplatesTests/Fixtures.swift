import Foundation
import MoEChatTemplates

/// Loads the references written by scripts/make_template_fixtures.py.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/chat-templates")

    /// The date `strftime_now` was pinned to when the references were made.
    static let now = TemplateDate(year: 2024, month: 7, day: 26, hour: 14, minute: 5, second: 9)

    static func template(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent("\(name).jinja"), encoding: .utf8)
    }

    static func expected() throws -> JSONObject {
        let text = try String(contentsOf: directory.appendingPathComponent("expected.json"), encoding: .utf8)
        guard case .object(let root) = try JSONValue.parse(text) else { throw FixtureError.malformed("root") }
        return root
    }

    static func list(_ root: JSONObject, _ key: String) throws -> [JSONObject] {
        guard case .array(let items)? = root[key] else { throw FixtureError.malformed(key) }
        return try items.map {
            guard case .object(let o) = $0 else { throw FixtureError.malformed(key) }
            return o
        }
    }

    static func string(_ o: JSONObject, _ key: String) -> String? {
        if case .string(let s)? = o[key] { return s }
        return nil
    }

    static let templateNames = [
        "qwen3", "mixtral-8x7b-instruct-v0.1", "deepseek-v3", "olmo2-instruct", "llama-3.1-instruct", "granite-3.3-instruct",
    ]
}

enum FixtureError: Error {
    case malformed(String)
}
