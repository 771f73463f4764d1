import Foundation
import MoEModels
import XCTest

/// Qwen3-Next and Qwen3.5-MoE configs: layer kinds, DeltaNet shape, nested text configs, and
/// clear errors for inconsistent ones.
final class HybridConfigTests: XCTestCase, ConfigParsing {
    let next = """
        {"model_type": "qwen3_next", "vocab_size": 64, "hidden_size": 32, "num_hidden_layers": 4,
         "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "intermediate_size": 24,
         "linear_num_key_heads": 2, "linear_num_value_heads": 4, "linear_key_head_dim": 8, "linear_value_head_dim": 12,
         "linear_conv_kernel_dim": 4, "num_experts": 8, "num_experts_per_tok": 2, "moe_intermediate_size": 8,
         "shared_expert_intermediate_size": 16%@}
        """

    func next(_ extra: String) -> String { next.replacingOccurrences(of: "%@", with: extra) }

    func testLayerKindsComeFromLayerTypesOrTheInterval() throws {
        let interval = try config(next(""))
        XCTAssertEqual(interval.mixers, [.gatedDeltaNet, .gatedDeltaNet, .gatedDeltaNet, .attention])
        let listed = try config(next(#", "layer_types": ["full_attention", "linear_attention", "full_attention", "linear_attention"]"#))
        XCTAssertEqual(listed.mixers, [.attention, .gatedDeltaNet, .attention, .gatedDeltaNet])
        let every2 = try config(next(#", "full_attention_interval": 2"#))
        XCTAssertEqual(every2.mixers, [.gatedDeltaNet, .attention, .gatedDeltaNet, .attention])
        XCTAssertEqual(interval.rotaryDim, 4, "a quarter of head_dim 16 by default")
        XCTAssertEqual(interval.normWeightOffset, 1)
        XCTAssertTrue(interval.attentionOutputGate)
        XCTAssertEqual(interval.deltaNet?.stateFloats, 3 * (2 * 2 * 8 + 4 * 12) + 4 * 8 * 12)
        XCTAssertEqual(interval.cacheBytesPerToken, 1 * 2 * 2 * 16 * 4, "only the attention layer caches keys and values")
        XCTAssertEqual(interval.recurrentStateBytes, 3 * (3 * 80 + 384) * 4)
    }

    func testNestedTextConfigOfTheReleasedQwen35Layout() throws {
        let json = """
            {"model_type": "qwen3_5_moe", "tie_word_embeddings": false, "vision_config": {"depth": 2},
             "text_config": {"model_type": "qwen3_5_moe_text", "vocab_size": 64, "hidden_size": 32, "num_hidden_layers": 4,
              "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
              "linear_num_key_heads": 2, "linear_num_value_heads": 4, "linear_key_head_dim": 8, "linear_value_head_dim": 12,
              "linear_conv_kernel_dim": 4, "num_experts": 8, "num_experts_per_tok": 2, "moe_intermediate_size": 8,
              "shared_expert_intermediate_size": 16, "eos_token_id": 7}}
            """
        let c = try config(json)
        XCTAssertEqual(c.hiddenSize, 32)
        XCTAssertEqual(c.moeLayers, [true, true, true, true])
        XCTAssertEqual(c.eosTokenIds, [7])
        XCTAssertEqual(c.deltaNet?.groupedQKVZ, false)
        let missing = error(#"{"model_type": "qwen3_5_moe", "vision_config": {}}"#)
        XCTAssertEqual(missing?.field, "text_config")
        let nested = error(json.replacingOccurrences(of: #""hidden_size": 32, "#, with: ""))
        XCTAssertEqual(nested?.field, "text_config.hidden_size", "errors name the nested field")
    }

    func testInconsistentConfigsNameTheField() {
        let cases: [(String, String)] = [
            (#", "layer_types": ["linear_attention", "full_attention"]"#, "layer_types"),
            (#", "layer_types": ["linear_attention", "mamba", "linear_attention", "full_attention"]"#, "layer_types[1]"),
            (#", "full_attention_interval": 0"#, "full_attention_interval"),
            (#", "partial_rotary_factor": 0.1"#, "partial_rotary_factor"),
            (#", "mlp_only_layers": [1], "intermediate_size": null"#, "intermediate_size"),
        ]
        for (extra, field) in cases {
            XCTAssertEqual(error(next(extra))?.field, field, extra)
        }
        let oddHeads = next("").replacingOccurrences(of: #""linear_num_value_heads": 4"#, with: #""linear_num_value_heads": 3"#)
        XCTAssertEqual(error(oddHeads)?.field, "linear_num_value_heads")
        let noKeyHeads = next("").replacingOccurrences(of: #""linear_num_key_heads": 2, "#, with: "")
        XCTAssertEqual(error(noKeyHeads)?.field, "linear_num_key_heads")
    }
}
