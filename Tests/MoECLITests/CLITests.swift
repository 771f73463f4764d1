import Foundation
import XCTest

/// Runs the built `moe` executable as a user would.
final class CLITests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models").path

    let cli = MoECLI()

    func run(_ arguments: [String], input: String = "") throws -> (status: Int32, out: String, err: String) {
        try cli.run(arguments, input: input)
    }

    func reference(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(Self.fixtures)/\(name)/reference.json"))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testForwardPrintsTransformersLogits() throws {
        let ref = try reference("qwen2_moe-sparse2")
        let ids = try XCTUnwrap(ref["input_ids"] as? [Int])
        let expected = try XCTUnwrap(ref["logits"] as? [[Double]])
        let r = try run(["forward", "--model", "\(Self.fixtures)/qwen2_moe-sparse2", "--ids", ids.map(String.init).joined(separator: ","), "--threads", "2"])
        XCTAssertEqual(r.status, 0, r.err)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let logits = try XCTUnwrap(json["logits"] as? [[Double]])
        XCTAssertEqual(logits.count, ids.count)
        for (a, b) in zip(expected, logits) {
            XCTAssertEqual(a.count, b.count)
            let diff = zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            let norm = a.map { $0 * $0 }.reduce(0, +).squareRoot()
            XCTAssertLessThan(diff / norm, 1e-4)
        }
    }

    func testGenerateJSONGivesTheGreedyContinuation() throws {
        let ref = try reference("llama-gqa-bias")
        let ids = try XCTUnwrap(ref["input_ids"] as? [Int])
        let greedy = try XCTUnwrap(ref["greedy_ids"] as? [Int])
        let r = try run(["generate", "--model", "\(Self.fixtures)/llama-gqa-bias", "--ids", ids.map(String.init).joined(separator: ","),
                         "--max-tokens", "\(greedy.count)", "--ignore-eos", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual(json["ids"] as? [Int], greedy)
        XCTAssertNotNil(json["text"] as? String)
        XCTAssertGreaterThan(try XCTUnwrap(json["decode_tokens_per_s"] as? Double), 0)
        XCTAssertGreaterThan(try XCTUnwrap(json["prefill_tokens_per_s"] as? Double), 0)
    }

    func testInspectReportsExpertsAndActiveParameters() throws {
        let r = try run(["inspect", "\(Self.fixtures)/mixtral-gqa", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let config = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(Self.fixtures)/mixtral-gqa/config.json"))) as? [String: Any])
        let hidden = try XCTUnwrap(config["hidden_size"] as? Int), inter = try XCTUnwrap(config["intermediate_size"] as? Int)
        let experts = try XCTUnwrap(config["num_local_experts"] as? Int), k = try XCTUnwrap(config["num_experts_per_tok"] as? Int)
        let layers = try XCTUnwrap(config["num_hidden_layers"] as? Int)
        XCTAssertEqual(json["experts"] as? Int, experts)
        XCTAssertEqual(json["experts_per_token"] as? Int, k)
        let total = try XCTUnwrap(json["total_parameters"] as? Int)
        let active = try XCTUnwrap(json["active_parameters"] as? Int)
        XCTAssertEqual(total - active, layers * (experts - k) * 3 * hidden * inter)
        XCTAssertGreaterThan(try XCTUnwrap(json["kv_cache_bytes_per_token"] as? Int), 0)
    }

    func testInspectReportsTheLatentCacheAndSkippedPredictionLayers() throws {
        let r = try run(["inspect", "\(Self.fixtures)/deepseek_v3-qlora-yarn", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        // 3 layers x (kv_lora_rank 16 + qk_rope_head_dim 8) f32; per-head keys (16) and values (12) of 4 heads would be 4x larger.
        XCTAssertEqual(json["kv_cache_bytes_per_token"] as? Int, 3 * (16 + 8) * 4)
        let latent = try XCTUnwrap(json["latent_attention"] as? [String: Any])
        XCTAssertEqual(latent["naive_kv_cache_bytes_per_token"] as? Int, 3 * 4 * (16 + 12) * 4)
        let unused = try XCTUnwrap(json["unused_tensors"] as? [[String: Any]])
        XCTAssertEqual(unused.map { $0["prefix"] as? String }, ["model.layers.3."])
    }

    func testErrorsGoToStderrWithNonZeroStatus() throws {
        let missing = try run(["forward", "--model", "/nonexistent/model", "--ids", "1,2"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.err.contains("config.json"), missing.err)
        XCTAssertTrue(missing.out.isEmpty)
        let badIDs = try run(["forward", "--model", "\(Self.fixtures)/mixtral-gqa", "--ids", "1,x"])
        XCTAssertNotEqual(badIDs.status, 0)
        XCTAssertTrue(badIDs.err.contains("--ids"), badIDs.err)
        let outOfVocab = try run(["forward", "--model", "\(Self.fixtures)/mixtral-gqa", "--ids", "1,99999999"])
        XCTAssertNotEqual(outOfVocab.status, 0)
        XCTAssertTrue(outOfVocab.err.contains("vocabulary"), outOfVocab.err)
    }

    static let chatModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/chat-model").path

    func testGeneratePromptUsesTheTokenizer() throws {
        let ref = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.chatModel + "/reference.json"))) as? [String: Any])
        let ids = try XCTUnwrap(ref["plain_ids_with_special_tokens"] as? [Int])
        let text = try XCTUnwrap(ref["plain_text"] as? String)
        let byText = try run(["generate", "--model", Self.chatModel, "--prompt", text, "--max-tokens", "6", "--ignore-eos", "--json"])
        let byIDs = try run(["generate", "--model", Self.chatModel, "--ids", ids.map(String.init).joined(separator: ","), "--max-tokens", "6", "--ignore-eos", "--json"])
        XCTAssertEqual(byText.status, 0, byText.err)
        let a = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(byText.out.utf8)) as? [String: Any])
        let b = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(byIDs.out.utf8)) as? [String: Any])
        XCTAssertEqual(a["ids"] as? [Int], b["ids"] as? [Int], "--prompt encodes like HF tokenizers (BOS included)")
        XCTAssertEqual(a["text"] as? String, b["text"] as? String)
        let streamed = try run(["generate", "--model", Self.chatModel, "--prompt", text, "--max-tokens", "6", "--ignore-eos"])
        XCTAssertEqual(streamed.out, (a["text"] as? String ?? "") + "\n", "streamed text equals the decoded ids")
    }

    func testChatRepliesToEachLine() throws {
        let r = try run(["chat", "--model", Self.chatModel, "--max-tokens", "5", "--stats"], input: "hello there\n/reset\nand then?\n")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out.split(separator: "\n", omittingEmptySubsequences: false).count, 3, "two replies: \(r.out)")
        XCTAssertEqual(r.err.components(separatedBy: "prompt tokens").count, 3, r.err)
        XCTAssertTrue(r.err.contains("(0 cached)"), r.err)
    }

    func testEveryCommandHasHelp() throws {
        for command in ["forward", "generate", "chat", "inspect", "bench", "tokenize", "detokenize", "chat-template"] {
            let r = try run([command, "--help"])
            XCTAssertEqual(r.status, 0, command)
            XCTAssertTrue(r.out.contains("USAGE"), command)
        }
    }
}
