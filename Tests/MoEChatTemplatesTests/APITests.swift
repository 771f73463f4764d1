import Foundation
import XCTest
import MoEChatTemplates

/// The public API around rendering: JSON input, model folders, dates, transformers' defaults.
final class APITests: XCTestCase {
    func testJSONParserKeepsOrderAndPythonNumberKinds() throws {
        let v = try JSONValue.parse(#" {"b": 1, "a": [1.0, 2e3, -0, true, false, null, "x\u00e9\ud83d\ude80\n\"\\/"], "b": 3} "#)
        guard case .object(let o) = v else { return XCTFail("\(v)") }
        XCTAssertEqual(o.keys, ["b", "a"])
        XCTAssertEqual(o["b"], .int(3))
        XCTAssertEqual(o["a"], [.double(1.0), .double(2000), .int(0), true, false, nil, "xé🚀\n\"\\/"])
        for bad in ["", "[1,]", "{\"a\" 1}", "[1] 2", "\"\\x\"", "{\"a\":}", "tru", "[\"\u{01}\"]", String(repeating: "[", count: 1000)] {
            XCTAssertThrowsError(try JSONValue.parse(bad), bad)
        }
        XCTAssertThrowsError(try JSONValue.parse("{\n  \"a\": ?\n}")) { error in
            XCTAssertEqual((error as? JSONParseError)?.line, 2)
        }
    }

    func testObjectKeyOrderReachesTojson() throws {
        let t = try ChatTemplate(source: "{{ messages[0] | tojson }}|{% for k, v in messages[0].items() %}{{ k }}{% endfor %}")
        let out = try t.render(messages: [["z": 1, "role": "user", "a": ["y": 2, "b": nil]]])
        XCTAssertEqual(out, #"{"z": 1, "role": "user", "a": {"y": 2, "b": null}}|zrolea"#)
    }

    func testTransformersDefaultsAndReasoningAlias() throws {
        let t = try ChatTemplate(source: "{{ tools is none }}{{ documents is none }}{{ bos_token is defined }}|{{ messages[0] | tojson }}")
        let out = try t.render(messages: [["role": "assistant", "content": "4", "reasoning": "sum"]])
        XCTAssertEqual(out, #"TrueTrueFalse|{"thinking": "sum", "role": "assistant", "content": "4", "reasoning": "sum", "reasoning_content": "sum"}"#)
        let withTools = try t.render(messages: [["role": "user"]], extra: ["tools": [["name": "f"]], "documents": []])
        XCTAssertTrue(withTools.hasPrefix("FalseFalseFalse|"))
    }

    func testStrftimeUsesTheInjectedDate() throws {
        let t = try ChatTemplate(source: "{{ strftime_now('%A %d %B %Y, %I:%M %p (day %j)') }}")
        let date = TemplateDate(year: 2000, month: 2, day: 29, hour: 0, minute: 7, second: 0)
        XCTAssertEqual(try t.render(context: [:], options: RenderOptions(now: date)), "Tuesday 29 February 2000, 12:07 AM (day 060)")
        XCTAssertFalse(try t.render(context: [:]).isEmpty)
    }

    func makeFolder(_ files: [String: String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moe-chat-template-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.path
    }

    func jsonString(_ s: String) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: [s]), as: UTF8.self).dropFirst().dropLast().description
    }

    func testModelFolderTemplateMatchesTheReference() throws {
        let source = try Fixtures.template("mixtral-8x7b-instruct-v0.1")
        let config = """
            {"bos_token": {"content": "<s>", "lstrip": false, "__type": "AddedToken"}, "eos_token": "</s>",
             "chat_template": [{"name": "tool_use", "template": "unused"}, {"name": "default", "template": \(try jsonString(source))}]}
            """
        let model = try ModelChatTemplate.load(folder: try makeFolder(["tokenizer_config.json": config]))
        XCTAssertEqual(model.specialTokens, ["bos_token": "<s>", "eos_token": "</s>"])
        let reference = try Fixtures.list(try Fixtures.expected(), "conversations").first {
            Fixtures.string($0, "template") == "mixtral-8x7b-instruct-v0.1" && Fixtures.string($0, "case") == "multi-turn"
        }
        guard let reference, case .array(let messages)? = reference["messages"], let expected = Fixtures.string(reference, "expected") else {
            return XCTFail("missing reference")
        }
        XCTAssertEqual(try model.render(messages: messages, addGenerationPrompt: reference["add_generation_prompt"] == .bool(true)), expected)
    }

    func testChatTemplateJinjaFileWinsAndMissingTemplateIsAnError() throws {
        let folder = try makeFolder([
            "tokenizer_config.json": #"{"chat_template": "config", "eos_token": "E"}"#,
            "chat_template.jinja": "file {{ eos_token }}\n",
        ])
        XCTAssertEqual(try ModelChatTemplate.load(folder: folder).render(messages: [], addGenerationPrompt: false), "file E")
        XCTAssertThrowsError(try ModelChatTemplate.load(folder: try makeFolder(["tokenizer_config.json": "{}"])))
        XCTAssertThrowsError(try ModelChatTemplate.load(folder: try makeFolder(["tokenizer_config.json": #"{"chat_template": [{"name": "x", "template": "y"}]}"#])))
    }

    func testUnreadableOrMalformedFilesNameThePathAndTheReason() throws {
        let folder = try makeFolder(["tokenizer_config.json": "{\n  \"chat_template\": tru\n}"])
        XCTAssertThrowsError(try ModelChatTemplate.load(folder: folder)) { error in
            XCTAssertEqual("\(error)", "\(folder)/tokenizer_config.json: not valid JSON: line 2, column 20: expected 'true'")
        }
        let binary = try makeFolder(["chat_template.jinja": "x"])
        try Data([0x7B, 0xFF, 0x7D]).write(to: URL(fileURLWithPath: binary + "/chat_template.jinja"))
        XCTAssertThrowsError(try ModelChatTemplate.load(folder: binary)) { error in
            XCTAssertEqual("\(error)", "\(binary)/chat_template.jinja: not valid UTF-8 text")
        }
        let directory = try makeFolder([:])
        try FileManager.default.createDirectory(atPath: directory + "/chat_template.jinja", withIntermediateDirectories: true)
        XCTAssertThrowsError(try ModelChatTemplate.load(folder: directory)) { error in
            XCTAssertEqual("\(error)", "\(directory)/chat_template.jinja: not a regular file")
        }
    }
}
