import Foundation
import MoEChatTemplates
import MoEKernels
import MoEModels
import MoERuntime
import MoETokenizers
import XCTest

/// Tests/Fixtures/chat-model (scripts/make_chat_fixture.py): a fixture model with a tiny
/// tokenizer, Mixtral's chat template, and transformers' rendering and encoding of a
/// conversation.
enum ChatFixture {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/chat-model").path

    /// The reference conversations: messages, transformers' rendered prompt and HF ids.
    static func cases() throws -> [(messages: [[String: String]], prompt: String, ids: [Int])] {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/reference.json"))
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let chat = try XCTUnwrap(json["chat"] as? [[String: Any]])
        return try chat.map {
            (try XCTUnwrap($0["messages"] as? [[String: String]]), try XCTUnwrap($0["prompt"] as? String),
             try XCTUnwrap($0["ids"] as? [Int]))
        }
    }
}

final class ChatConversationTests: XCTestCase {
    func testTurnsMatchTransformersRenderingAndReuseTheCache() throws {
        let model = try Transformer(path: ChatFixture.folder, pool: ThreadPool(threadCount: 2))
        let tokenizer = try Tokenizer(folder: ChatFixture.folder)
        let template = try ModelChatTemplate.load(folder: ChatFixture.folder)
        let cases = try ChatFixture.cases()
        for c in cases {
            let messages = c.messages.map { m -> JSONValue in
                var o = JSONObject()
                o["role"] = .string(m["role"] ?? "")
                o["content"] = .string(m["content"] ?? "")
                return .object(o)
            }
            let prompt = try template.render(messages: messages, addGenerationPrompt: true)
            XCTAssertEqual(prompt, c.prompt)
            XCTAssertEqual(tokenizer.encode(prompt, addSpecialTokens: false), c.ids)
        }

        let chat = ChatConversation(model: model, tokenizer: tokenizer, template: template, capacity: 512)
        var streamed = ""
        let first = try chat.reply(to: "hello there", maxTokens: 8, sampling: SamplingParameters()) { streamed += $0 }
        XCTAssertEqual(streamed, first.text)
        XCTAssertEqual(first.result.promptTokens, cases[0].ids.count)
        XCTAssertEqual(first.result.reusedPromptTokens, 0)
        let second = try chat.reply(to: "and then?", maxTokens: 8, sampling: SamplingParameters()) { _ in }
        XCTAssertGreaterThanOrEqual(second.result.reusedPromptTokens, cases[0].ids.count, "the first turn comes from the cache")
        XCTAssertEqual(chat.messages.count, 4)
        // The same second turn from scratch.
        let rendered = try template.render(messages: Array(chat.messages.prefix(3)), addGenerationPrompt: true)
        let fresh = try Generator(model: model).generate(
            prompt: tokenizer.encode(rendered, addSpecialTokens: false), maxTokens: 8, sampling: SamplingParameters())
        XCTAssertEqual(second.result.ids, fresh.ids)
    }
}
