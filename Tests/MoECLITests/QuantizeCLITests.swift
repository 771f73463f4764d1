import Foundation
import XCTest

/// `moe quantize` and `moe bench --synthetic` as a user runs them.
final class QuantizeCLITests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models").path

    /// The `moe` binary next to the test bundle.
    var executable: URL {
        var dir = Bundle(for: QuantizeCLITests.self).bundleURL
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("moe").path), dir.path != "/" {
            dir.deleteLastPathComponent()
        }
        return dir.appendingPathComponent("moe")
    }

    /// Runs `moe arguments...`; returns exit status, stdout and stderr.
    func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "quantize-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testQuantizeWritesAFileTheEngineRuns() throws {
        let folder = try temporaryFolder()
        let out = folder + "/model.gguf"
        let r = try run(["quantize", Self.fixtures + "/qwen3_moe-allmoe", out, "--type", "bf16", "--threads", "2"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("wrote \(out)"), r.out)
        XCTAssertTrue(r.err.contains("tensor 27/27"), r.err)
        let g = try run(["generate", "--model", out, "--ids", "1,2,3", "--max-tokens", "3", "--temperature", "0", "--json"])
        XCTAssertEqual(g.status, 0, g.err)
        let q = try run(["quantize", out, folder + "/q8.gguf", "--type", "q8_0"])
        XCTAssertEqual(q.status, 0, q.err)
        XCTAssertTrue(q.out.contains("Q8_0"), q.out)
    }

    func testBadTypeAndMissingInputAreClearErrors() throws {
        let folder = try temporaryFolder()
        let bad = try run(["quantize", Self.fixtures + "/qwen3-bf16", folder + "/x.gguf", "--type", "q3_k"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("unknown --type 'q3_k'") && bad.err.contains("q4_k_m"), bad.err)
        let missing = try run(["quantize", folder + "/nothing", folder + "/x.gguf", "--type", "q8_0"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.err.contains("does not exist"), missing.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/x.gguf"))
    }
}

extension QuantizeCLITests {
    func testBenchSyntheticTinyConfig() throws {
        let folder = try temporaryFolder()
        let config = folder + "/config.json"
        let text = """
            {"model_type": "mixtral", "vocab_size": 128, "hidden_size": 32, "intermediate_size": 48,
             "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "num_local_experts": 4,
             "num_experts_per_tok": 2}
            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: config))
        let r = try run(["bench", "--synthetic", config, "--quant", "f16", "--prompt-tokens", "8", "--gen-tokens", "4",
                         "--threads", "2", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertGreaterThan(try XCTUnwrap(json["decode_tokens_per_s"] as? Double), 0)
        XCTAssertGreaterThan(try XCTUnwrap(json["total_parameters"] as? Int), try XCTUnwrap(json["active_parameters"] as? Int))
        let refused = try run(["bench", "--synthetic", "qwen3-30b-a3b", "--quant", "f32"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.err.contains("needs 122"), refused.err)
    }
}
