import Foundation
import MoEModels
import XCTest

/// DeepSeek-V2/V3 configs: the latent attention shape, YaRN's softmax scale, routing and dense
/// layers, and clear errors for inconsistent ones.
final class DeepSeekConfigTests: XCTestCase, ConfigParsing {
    let v3: [String: Any] = [
        "model_type": "deepseek_v3", "vocab_size": 64, "hidden_size": 32, "num_hidden_layers": 4,
        "num_attention_heads": 4, "intermediate_size": 24, "q_lora_rank": 12, "kv_lora_rank": 16,
        "qk_nope_head_dim": 8, "qk_rope_head_dim": 4, "v_head_dim": 6, "n_routed_experts": 8, "num_experts_per_tok": 2,
        "moe_intermediate_size": 8, "n_shared_experts": 2, "n_group": 4, "topk_group": 2, "first_k_dense_replace": 1,
    ]

    /// The V3 config with `changes` applied, as JSON text.
    func v3(_ changes: [String: Any] = [:]) -> String {
        let object = v3.merging(changes) { $1 }
        return String(decoding: (try? JSONSerialization.data(withJSONObject: object)) ?? Data(), as: UTF8.self)
    }

    func testShapeRoutingAndLayers() throws {
        let c = try config(v3(["moe_layer_freq": 2, "num_nextn_predict_layers": 1]))
        XCTAssertEqual(c.latentAttention, LatentAttentionConfig(queryRank: 12, latentRank: 16, noPositionDim: 8, ropeDim: 4, valueDim: 6))
        XCTAssertEqual(c.mixers, Array(repeating: .latentAttention, count: 4))
        XCTAssertEqual(c.rotaryDim, 4)
        XCTAssertTrue(c.ropeInterleaved, "rope_interleave defaults to true")
        XCTAssertEqual(c.attentionScale, 1 / Float(12).squareRoot(), accuracy: 1e-7)
        XCTAssertEqual(c.moeLayers, [false, false, true, false], "dense before first_k_dense_replace and off moe_layer_freq")
        XCTAssertEqual(c.moe?.sharedExpertIntermediateSize, 16)
        XCTAssertEqual(c.moe?.routing, .grouped(GroupedRouting(scoring: .sigmoid, groups: 4, topGroups: 2, groupScore: .sumOfTopTwo,
                                                                 renormalize: true, scale: 2.5)))
        XCTAssertEqual(c.cacheBytesPerToken, 4 * (16 + 4) * 4, "latent + rope key per layer, f32")
    }

    func testYaRNScalesTheSoftmaxByMscaleAllDimSquared() throws {
        let c = try config(v3(["rope_scaling": ["type": "yarn", "factor": 40, "original_max_position_embeddings": 4096, "mscale": 1.0, "mscale_all_dim": 1.0,
                                              "beta_fast": 32, "beta_slow": 1] as [String: Any]]))
        let m = 0.1 * log(40.0) + 1
        XCTAssertEqual(Double(c.attentionScale), m * m / 12.0.squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(c.rope.attentionFactor, 1, accuracy: 1e-12, "mscale == mscale_all_dim leaves cos/sin alone")
        let frequencies = c.rope.inverseFrequencies(dimension: 64)
        XCTAssertEqual(frequencies[0], 1, accuracy: 1e-12, "the fastest dimension extrapolates")
        XCTAssertEqual(frequencies[31], pow(10000, -62.0 / 64) / 40, accuracy: 1e-15, "the slowest interpolates")
        // The ramp runs over dimensions floor(10.47) = 10 ... ceil(22.5) = 23.
        XCTAssertEqual(frequencies[10], pow(10000, -20.0 / 64), accuracy: 1e-15, "the ramp's start still extrapolates")
        let extrapolated: Double = 7.0 / 13, interpolated: Double = 6.0 / 13 / 40
        XCTAssertEqual(frequencies[16], 0.01 * (extrapolated + interpolated), accuracy: 1e-15, "blended along the ramp")
    }

    func testV2Routing() throws {
        let greedy = try config(v3(["model_type": "deepseek_v2", "q_lora_rank": NSNull(), "topk_method": "greedy", "routed_scaling_factor": 16]))
        XCTAssertNil(greedy.latentAttention?.queryRank)
        XCTAssertEqual(greedy.moe?.routing, .grouped(GroupedRouting(scoring: .softmax, groups: 1, topGroups: 1, groupScore: .max,
                                                                      renormalize: false, scale: 16)))
    }

    func testInconsistentConfigsNameTheField() {
        XCTAssertEqual(error(v3(["topk_group": 5]))?.field, "topk_group")
        XCTAssertEqual(error(v3(["n_group": 3]))?.field, "n_group")
        XCTAssertEqual(error(v3(["n_group": 8]))?.field, "n_group", "V3 scores a group by its two best experts")
        XCTAssertEqual(error(v3(["topk_group": 1, "num_experts_per_tok": 5]))?.field, "num_experts_per_tok")
        XCTAssertEqual(error(v3(["qk_rope_head_dim": 5]))?.field, "qk_rope_head_dim")
        XCTAssertEqual(error(v3(["kv_lora_rank": 0]))?.field, "kv_lora_rank")
        XCTAssertEqual(error(v3(["scoring_func": "softmax"]))?.field, "scoring_func")
        XCTAssertEqual(error(v3(["rope_scaling": ["type": "dynamic", "factor": 2] as [String: Any]]))?.field, "rope_scaling.rope_type")
        XCTAssertEqual(error(v3(["rope_scaling": ["type": "yarn", "factor": 4] as [String: Any]]))?.field, "rope_scaling.original_max_position_embeddings")
    }
}
