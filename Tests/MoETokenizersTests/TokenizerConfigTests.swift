import Foundation
import XCTest
@testable import MoETokenizers

/// BOS/EOS, chat templates and vocabulary facts from the fixture folders and config variants.
final class TokenizerConfigTests: XCTestCase {
    func testSpecialTokensOfFixtures() throws {
        let mixtral = try Fixtures.tokenizer("mixtral")
        XCTAssertEqual(mixtral.bosToken, "<s>")
        XCTAssertEqual(mixtral.bosTokenID, 1)
        XCTAssertEqual(mixtral.eosTokenIDs, [2])
        XCTAssertEqual(mixtral.vocabularySize, 32000)
        XCTAssertNil(mixtral.chatTemplate)

        let deepseek = try Fixtures.tokenizer("deepseek")
        XCTAssertEqual(deepseek.bosToken, "<｜begin▁of▁sentence｜>")
        XCTAssertEqual(deepseek.bosTokenID, 0)
        XCTAssertEqual(deepseek.eosTokenIDs, [1])
        XCTAssertEqual(deepseek.vocabularySize, 129280)

        let qwen = try Fixtures.tokenizer("qwen")
        XCTAssertNil(qwen.bosTokenID)
        XCTAssertEqual(qwen.eosToken, "<|im_end|>")
        XCTAssertEqual(qwen.eosTokenIDs, [151645])
        XCTAssertEqual(qwen.id(for: "<|im_start|>"), 151644)
        XCTAssertEqual(qwen.token(for: 151643), "<|endoftext|>")
        XCTAssertTrue(qwen.isSpecial(151643))
        XCTAssertEqual(qwen.vocabularySize, 151851)
        XCTAssertTrue(qwen.chatTemplate?.hasPrefix("{% for message in messages %}") ?? false)
    }

    func testChatTemplateForms() throws {
        let list = #"{"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}], "eos_token": {"content": "</s>"}}"#
        let config = try TokenizerConfig(json: Data(list.utf8))
        XCTAssertEqual(config.chatTemplate, "D")
        XCTAssertEqual(config.eosToken, "</s>")
        XCTAssertNil(config.bosToken)
        XCTAssertThrowsError(try TokenizerConfig(json: Data(#"{"chat_template": 3}"#.utf8)))
    }

    func testJinjaFileOverridesConfig() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("moe-tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(ErrorTests.small.utf8).write(to: folder.appendingPathComponent("tokenizer.json"))
        try Data(#"{"chat_template": "old", "bos_token": "<s>"}"#.utf8).write(to: folder.appendingPathComponent("tokenizer_config.json"))
        try Data("new {{ messages }}".utf8).write(to: folder.appendingPathComponent("chat_template.jinja"))
        let t = try Tokenizer(folder: folder.path)
        XCTAssertEqual(t.chatTemplate, "new {{ messages }}")
        XCTAssertEqual(t.bosTokenID, 6)
    }
}
