import XCTest
import MoEChatTemplates

/// Byte-identical comparison with renders made by transformers / jinja2.
final class ReferenceTests: XCTestCase {
    /// Checks one render against a reference entry; returns true if it matched.
    func check(_ entry: JSONObject, label: String, render: () throws -> String) -> Bool {
        if let expected = Fixtures.string(entry, "expected") {
            do {
                let got = try render()
                XCTAssertEqual(got, expected, label)
                return got == expected
            } catch {
                XCTFail("\(label): threw \(error), expected output \(expected.debugDescription)")
                return false
            }
        }
        let message = Fixtures.string(entry, "error") ?? ""
        let type = Fixtures.string(entry, "error_type") ?? ""
        do {
            let got = try render()
            XCTFail("\(label): rendered \(got.debugDescription), expected \(type): \(message)")
            return false
        } catch let error as ChatTemplateError {
            switch (type, error) {
            case ("TemplateError", .raised(let m)):
                XCTAssertEqual(m, message, label)
                XCTAssertEqual(error.description, message, label)
                return m == message
            case ("TemplateError", _):
                XCTFail("\(label): expected raise_exception('\(message)'), got \(error)")
                return false
            case ("TemplateSyntaxError", .syntax), ("SyntaxError", .syntax):
                return true
            case ("TemplateSyntaxError", _), ("SyntaxError", _):
                XCTFail("\(label): expected a syntax error (\(message)), got \(error)")
                return false
            case (_, .runtime(let m, _, _)):
                XCTAssertEqual(m, message, label)
                return m == message
            default:
                XCTFail("\(label): expected \(type): \(message), got \(error)")
                return false
            }
        } catch {
            XCTFail("\(label): unexpected error type \(error)")
            return false
        }
    }

    /// Renders every conversation entry of `root` with the templates in `folder`.
    func checkConversations(_ root: JSONObject, folder: URL) throws -> (passed: Int, total: Int) {
        var templates: [String: ChatTemplate] = [:]
        let entries = try Fixtures.list(root, "conversations")
        var passed = 0
        for entry in entries {
            let name = Fixtures.string(entry, "template") ?? ""
            let label = "\(name)/\(Fixtures.string(entry, "case") ?? "")/agp=\(entry["add_generation_prompt"] == .bool(true))"
            if templates[name] == nil {
                let source = try String(contentsOf: folder.appendingPathComponent("\(name).jinja"), encoding: .utf8)
                do {
                    templates[name] = try ChatTemplate(source: source)
                } catch {
                    XCTFail("\(name): \(error)")
                    continue
                }
            }
            guard let template = templates[name], case .array(let messages)? = entry["messages"],
                case .object(let extra)? = entry["extra"]
            else { continue }
            let ok = check(entry, label: label) {
                try template.render(
                    messages: messages, addGenerationPrompt: entry["add_generation_prompt"] == .bool(true),
                    bosToken: Fixtures.string(entry, "bos_token"), eosToken: Fixtures.string(entry, "eos_token"),
                    extra: extra, options: RenderOptions(now: Fixtures.now))
            }
            if ok { passed += 1 }
        }
        return (passed, entries.count)
    }

    func testRealTemplatesMatchTransformers() throws {
        let (passed, total) = try checkConversations(try Fixtures.expected(), folder: Fixtures.directory)
        XCTAssertGreaterThan(total, 300)
        XCTAssertEqual(passed, total)
    }

    func testLlamaCppTemplateCorpusMatchesTransformers() throws {
        let folder = Fixtures.directory.appendingPathComponent("llama.cpp")
        let text = try String(contentsOf: folder.appendingPathComponent("expected.json"), encoding: .utf8)
        guard case .object(let root) = try JSONValue.parse(text) else { return XCTFail("malformed expected.json") }
        let (passed, total) = try checkConversations(root, folder: folder)
        XCTAssertGreaterThan(total, 500)
        XCTAssertEqual(passed, total)
    }

    func testUnitTemplatesMatchJinja2() throws {
        let entries = try Fixtures.list(try Fixtures.expected(), "units")
        XCTAssertGreaterThan(entries.count, 100)
        var passed = 0
        for entry in entries {
            let label = Fixtures.string(entry, "name") ?? "?"
            guard let source = Fixtures.string(entry, "template"), case .object(let context)? = entry["context"] else {
                XCTFail("\(label): malformed entry")
                continue
            }
            let ok = check(entry, label: label) {
                try ChatTemplate(source: source).render(context: context, options: RenderOptions(now: Fixtures.now))
            }
            if ok { passed += 1 }
        }
        XCTAssertEqual(passed, entries.count)
    }
}
