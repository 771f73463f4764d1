import Foundation
import MoEKernels
import MoEModels
import MoERuntime
import XCTest

/// `moe bench --synthetic`: random weights in a config's shape, benchmarked and deleted.
final class SyntheticModelTests: XCTestCase {
    /// A two-layer Qwen3-MoE with 8 experts of width 32, hidden 64.
    static let tinyConfig = """
        {"model_type": "qwen3_moe", "vocab_size": 256, "hidden_size": 64, "intermediate_size": 128,
         "moe_intermediate_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
         "head_dim": 16, "num_experts": 8, "num_experts_per_tok": 2, "norm_topk_prob": true,
         "max_position_embeddings": 256}
        """

    func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "synthetic-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testTinyConfigRunsAndTheFileIsDeleted() throws {
        let folder = try temporaryFolder()
        let config = folder + "/tiny.json"
        try Data(Self.tinyConfig.utf8).write(to: URL(fileURLWithPath: config))
        let shape = try SyntheticModel(config, type: .bf16)
        XCTAssertEqual(shape.name, "tiny")
        // embed + head 2*256*64, per layer: norms 2*64, q 64*64, k/v 2*32*64, o 64*64, q/k norms 2*16,
        // router 8*64, experts 8*3*32*64; plus the final norm.
        let perLayer = 2 * 64 + 64 * 64 + 2 * 32 * 64 + 64 * 64 + 2 * 16 + 8 * 64 + 8 * 3 * 32 * 64
        XCTAssertEqual(shape.plan.parameterCount, 2 * 256 * 64 + 64 + 2 * perLayer)
        try shape.checkFits(memoryBytes: 1 << 30, diskBytes: 1 << 30)
        let logits = try shape.withModel(folder: folder, pool: ThreadPool(threadCount: 2)) { model in
            let summary = ModelSummary(model)
            XCTAssertEqual(summary.totalParameters, shape.plan.parameterCount)
            XCTAssertEqual(summary.activeParameters, summary.totalParameters - 2 * 6 * 3 * 32 * 64)
            return try model.forward([1, 2, 3], cache: model.makeCache(capacity: 4), logits: .last).rowArray(0)
        }
        XCTAssertEqual(logits.count, 256)
        XCTAssertTrue(logits.allSatisfy(\.isFinite))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["tiny.json"])
    }

    func testBuiltInShapesParseAndTooLargeModelsAreRefused() throws {
        for name in SyntheticShapes.builtIn.keys.sorted() {
            XCTAssertNoThrow(try SyntheticModel(name, type: .bf16), name)
        }
        let big = try SyntheticModel("qwen3-30b-a3b", type: .bf16)
        XCTAssertGreaterThan(big.plan.weightBytes, 60_000_000_000)
        XCTAssertThrowsError(try big.checkFits(memoryBytes: 24 << 30, diskBytes: 100 << 30)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("needs 61.1 GB") && message.contains("q4_k_m"), message)
        }
        XCTAssertThrowsError(try SyntheticModel("no-such-model", type: .bf16)) { error in
            XCTAssertTrue("\(error)".contains("qwen3moe-1b"), "\(error)")
        }
    }

    func testDeepSeekShapesHaveTheirPublishedSizes() throws {
        let v3 = try SyntheticModel("deepseek-v3-671b", type: .bf16)
        XCTAssertEqual(Double(v3.plan.parameterCount) / 1e9, 671, accuracy: 1, "671 B without the multi-token-prediction layer")
        let lite = try SyntheticModel("deepseek-v2-lite", type: .bf16)
        XCTAssertEqual(Double(lite.plan.parameterCount) / 1e9, 15.7, accuracy: 0.1)
    }

    func testTinyDeepSeekRunsFromItsSyntheticGGUF() throws {
        let folder = try temporaryFolder()
        let config = folder + "/tiny-deepseek.json"
        let json = """
            {"model_type": "deepseek_v3", "vocab_size": 256, "hidden_size": 64, "intermediate_size": 96,
             "moe_intermediate_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "q_lora_rank": 32,
             "kv_lora_rank": 32, "qk_nope_head_dim": 16, "qk_rope_head_dim": 16, "v_head_dim": 16, "n_routed_experts": 8,
             "num_experts_per_tok": 2, "n_shared_experts": 1, "n_group": 2, "topk_group": 1, "first_k_dense_replace": 1,
             "max_position_embeddings": 256}
            """
        try Data(json.utf8).write(to: URL(fileURLWithPath: config))
        let shape = try SyntheticModel(config, type: .q8_0)
        let logits = try shape.withModel(folder: folder, pool: ThreadPool(threadCount: 2)) { model in
            XCTAssertEqual(model.config.latentAttention?.latentRank, 32)
            XCTAssertEqual(ModelSummary(model).totalParameters, shape.plan.parameterCount)
            return try model.forward([1, 2, 3], cache: model.makeCache(capacity: 4), logits: .last).rowArray(0)
        }
        XCTAssertEqual(logits.count, 256)
        XCTAssertTrue(logits.allSatisfy(\.isFinite))
    }
}
