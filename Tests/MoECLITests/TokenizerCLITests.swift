import Foundation
import XCTest

/// `moe tokenize`, `detokenize` and `chat-template` against Hugging Face's references.
final class TokenizerCLITests: XCTestCase {
    let cli = MoECLI()
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    func testTokenizeAndDetokenizeMatchHFTokenizers() throws {
        let folder = Self.fixtures + "/tokenizers/qwen"
        let corpus = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/tokenizers/corpus.json"))) as? [String])
        let references = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/reference.json"))) as? [[String: Any]])
        for i in [3, 120] {
            let ids = try XCTUnwrap(references[i]["ids"] as? [Int])
            let r = try cli.run(["tokenize", "--model", folder, "--text", corpus[i]])
            XCTAssertEqual(r.status, 0, r.err)
            XCTAssertEqual(try json(r.out)["ids"] as? [Int], ids, "string \(i)")
            guard !ids.isEmpty else { continue }
            let d = try cli.run(["detokenize", "--model", folder, "--ids", ids.map(String.init).joined(separator: ",")])
            XCTAssertEqual(d.status, 0, d.err)
            XCTAssertEqual(try json(d.out)["text"] as? String, references[i]["decoded"] as? String, "string \(i)")
        }
        let file = NSTemporaryDirectory() + "moe-tokenize-\(UUID().uuidString).txt"
        try corpus[40].write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let fromFile = try cli.run(["tokenize", "--model", folder, "--file", file])
        XCTAssertEqual(try json(fromFile.out)["ids"] as? [Int], references[40]["ids"] as? [Int])
        let special = try cli.run(["tokenize", "--model", folder, "--text", corpus[40], "--add-special-tokens"])
        XCTAssertEqual(try json(special.out)["ids"] as? [Int], references[40]["ids_special"] as? [Int])
    }

    func testChatTemplatePrintsTransformersRendering() throws {
        let folder = Self.fixtures + "/chat-model"
        let reference = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/reference.json"))) as? [String: Any])
        let cases = try XCTUnwrap(reference["chat"] as? [[String: Any]])
        for c in cases {
            let file = NSTemporaryDirectory() + "moe-messages-\(UUID().uuidString).json"
            try JSONSerialization.data(withJSONObject: try XCTUnwrap(c["messages"])).write(to: URL(fileURLWithPath: file))
            defer { try? FileManager.default.removeItem(atPath: file) }
            let r = try cli.run(["chat-template", "--model", folder, "--messages", file, "--add-generation-prompt"])
            XCTAssertEqual(r.status, 0, r.err)
            XCTAssertEqual(r.out, c["prompt"] as? String)
        }
    }

    func testTokenizerErrorsAreReported() throws {
        let r = try cli.run(["tokenize", "--model", Self.fixtures + "/models/mixtral-gqa", "--text", "hi"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("tokenizer.json"), r.err)
    }
}
