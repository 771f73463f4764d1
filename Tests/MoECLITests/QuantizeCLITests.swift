import Foundation
import XCTest

/// `moe quantize` and `moe bench --synthetic` as a user runs them.
final class QuantizeCLITests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models").path

    /// Runs `moe arguments...`; returns exit status, stdout and stderr.
    func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try MoECLI().run(arguments)
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

    /// The shipped model's trained byte-level BPE has no published fingerprint; its
    /// vocabulary is still exported (as llama.cpp's `gpt-2` pre-tokenizer), and the GGUF
    /// tokenizes and generates exactly as the folder does.
    func testTrainedVocabularyIsExportedAndRoundTrips() throws {
        let shipped = URL(fileURLWithPath: Self.fixtures).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("models/shakespeare-moe").path
        let out = try temporaryFolder() + "/shakespeare-bf16.gguf"
        let q = try run(["quantize", shipped, out, "--type", "bf16"])
        XCTAssertEqual(q.status, 0, q.err)
        XCTAssertFalse(q.err.contains("vocabulary not written"), q.err)
        let fromGGUF = try run(["generate", "--model", out, "--prompt", "ROMEO:", "--max-tokens", "8", "--ignore-eos", "--json"])
        let fromFolder = try run(["generate", "--model", shipped, "--prompt", "ROMEO:", "--max-tokens", "8", "--ignore-eos", "--json"])
        XCTAssertEqual(fromGGUF.status, 0, fromGGUF.err)
        let a = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(fromGGUF.out.utf8)) as? [String: Any])
        let b = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(fromFolder.out.utf8)) as? [String: Any])
        XCTAssertEqual(a["ids"] as? [Int], b["ids"] as? [Int])
        XCTAssertEqual(a["text"] as? String, b["text"] as? String)
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

extension QuantizeCLITests {
    /// A safetensors file of zero-filled BF16 tensors.
    func writeZeroSafetensors(_ tensors: [(name: String, shape: [Int])], to path: String) throws {
        var header: [String] = []
        var offset = 0
        for t in tensors {
            let bytes = 2 * t.shape.reduce(1, *)
            header.append("\"\(t.name)\": {\"dtype\": \"BF16\", \"shape\": \(t.shape), \"data_offsets\": [\(offset), \(offset + bytes)]}")
            offset += bytes
        }
        var json = Array(("{" + header.joined(separator: ", ") + "}").utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: json)
        data.append(Data(count: offset))
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// GGUF bytes of a metadata key followed by its value's type id.
    func keyBytes(_ key: String, type: UInt32) -> Data {
        var d = Data()
        withUnsafeBytes(of: UInt64(key.utf8.count).littleEndian) { d.append(contentsOf: $0) }
        d.append(contentsOf: Array(key.utf8))
        withUnsafeBytes(of: type.littleEndian) { d.append(contentsOf: $0) }
        return d
    }

    /// A byte-level BPE vocabulary (Qwen's) is written as llama.cpp's converter writes it:
    /// the values below are those of convert_hf_to_gguf.py for the same folder.
    func testQwenVocabularyIsWritten() throws {
        let (out, err) = try exportVocabulary("qwen", model: "qwen2-tied", rows: 151936)
        XCTAssertFalse(err.contains("warning"), err)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: out))
        func expect(_ key: String, type: UInt32, _ value: [UInt8]) {
            XCTAssertNotNil(bytes.range(of: keyBytes(key, type: type) + Data(value)), key)
        }
        func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        expect("tokenizer.ggml.model", type: 8, le(UInt64(4)) + Array("gpt2".utf8))
        expect("tokenizer.ggml.pre", type: 8, le(UInt64(5)) + Array("qwen2".utf8))
        expect("tokenizer.ggml.tokens", type: 9, le(UInt32(8)) + le(UInt64(151936)) + le(UInt64(1)) + Array("!".utf8))
        expect("tokenizer.ggml.token_type", type: 9, le(UInt32(5)) + le(UInt64(151936)) + le(Int32(1)))
        expect("tokenizer.ggml.merges", type: 9, le(UInt32(8)) + le(UInt64(294166)))
        expect("tokenizer.ggml.eos_token_id", type: 4, le(UInt32(151645)))
        expect("tokenizer.ggml.padding_token_id", type: 4, le(UInt32(151643)))
        expect("tokenizer.ggml.add_bos_token", type: 7, [0])
        XCTAssertNotNil(bytes.range(of: Data(Array("[PAD151935]".utf8))))
    }
}
